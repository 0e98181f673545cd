"""The company list (filters, pagination) and the company page."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from patron.accounts.models import User
from patron.companies.selectors import company_audit_trail, company_get, company_list, contact_list
from patron.core.errors import NotFound
from patron.core.pagination import DeferredJoinPaginator as Paginator
from patron.imports.selectors import import_creations
from patron.lifecycle.selectors import company_lifecycle
from patron.prospecting.selectors import trigger_event_list
from patron.sales.selectors import company_orders
from patron.web import presenters
from patron.web.forms import CompanyFilterForm
from patron.web.forms_prospecting import TriggerEventForm

SEARCH_COUNT_CAP = 1000
PAGE_SIZE = 50
ORDERS_SHOWN = 100
AUDIT_SHOWN = 100
TRIGGERS_SHOWN = 50


@login_required
def company_list_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CompanyFilterForm(request.GET or None, user=user)
    filters = form.company_filter()
    companies = company_list(user, filters)
    # Paginator counts once (``count`` is cached) and fetches one page. A substring search
    # cannot use an index: its count stops at SEARCH_COUNT_CAP ("more than 1,000").
    paginator = Paginator(
        companies, PAGE_SIZE, count_cap=SEARCH_COUNT_CAP if filters.search else None
    )
    page = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "companies": page.object_list,
        "total": paginator.count,
        "total_text": presenters.format_count(paginator.count, capped=paginator.is_capped),
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "is_filtered": any(astuple(filters)),
    }
    template = "web/companies/list.html"
    if request.htmx and request.htmx.target == "company-results":  # type: ignore[attr-defined]
        template = "web/companies/_results.html"
    return render(request, template, context)


@login_required
def company_detail_view(request: HttpRequest, company_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        company = company_get(user, company_id)
    except NotFound:
        raise Http404("company not found") from None
    lifecycle = company_lifecycle(company)
    orders = list(company_orders(company, limit=ORDERS_SHOWN + 1))
    audit_events = company_audit_trail(company, limit=AUDIT_SHOWN)
    context: dict[str, Any] = {
        "company": company,
        "region_text": presenters.region_path(company.region),
        "potential_text": presenters.format_money(company.market_potential),
        "strip": presenters.stage_strip(lifecycle.months),
        "stage_legend": presenters.stage_legend(),
        "events": presenters.event_lines(lifecycle.events),
        "handoffs": presenters.handoff_lines(lifecycle.handoffs),
        "orders": presenters.order_blocks(orders[:ORDERS_SHOWN]),
        "more_orders": len(orders) > ORDERS_SHOWN,
        "contacts": list(contact_list(user, company_id=company.id)),
        "triggers": list(trigger_event_list(user, company_id=company.id)[:TRIGGERS_SHOWN]),
        "trigger_form": TriggerEventForm(),
        "trigger_company": company,
        "audit": presenters.history_lines(audit_events, import_creations(company), company)[
            :AUDIT_SHOWN
        ],
    }
    return render(request, "web/companies/detail.html", context)
