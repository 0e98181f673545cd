"""The call list: a seller's ranked leads worked from the keyboard (SPEC §5).

The page renders one page of rows and the data of their leads (JSON); the script fills the one
lead panel from it, so the next lead is already there. ``?partial=1`` returns the next page
(rows and data) as JSON for the script to append, and a call is saved by a small JSON endpoint
without reloading the page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from patron.accounts.models import User
from patron.core.errors import DomainError, NotFound
from patron.leads.selectors import lead_get
from patron.prospecting.call_list import (
    call_list_page,
    call_list_sellers,
    calls_today,
)
from patron.prospecting.calls import call_log
from patron.prospecting.selectors import seller_get
from patron.web import presenters_calls as present
from patron.web.forms_calls import CallFilterForm, CallLogForm
from patron.web.presenters import format_count


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def requested_seller(viewer: User, value: str | None) -> User:
    """The seller named in the query (``viewer`` when none); a list ``viewer`` may not open
    is "not found", whether it exists or not."""
    if not value:
        return viewer
    try:
        return seller_get(viewer, seller_id=int(value))
    except (ValueError, NotFound):
        raise Http404("no such list") from None


@login_required
@require_GET
def calls_view(request: HttpRequest) -> HttpResponse:
    viewer = _user(request)
    sellers = list(call_list_sellers(viewer))
    form = CallFilterForm(request.GET or None, sellers=sellers, initial={"seller": viewer.pk})
    _chosen, filters = form.call_filter()
    seller = requested_seller(viewer, request.GET.get("seller"))
    partial = request.GET.get("partial") == "1"
    page = call_list_page(viewer, seller, filters, count=not partial)
    zone = ZoneInfo(viewer.organization.time_zone)
    leads = present.lead_rows(page.rows, reverse("web:call-log", args=[0]), zone)
    if partial:
        rows_html = render_to_string("web/calls/_rows.html", {"leads": leads}, request=request)
        return JsonResponse(
            {"rows_html": rows_html, "leads": leads, "next_cursor": page.next_cursor or ""}
        )
    context: dict[str, Any] = {
        "form": form,
        "seller": seller,
        "filters": filters,
        "page": page,
        "leads": leads,
        "outcomes": present.outcomes(),
        "is_own": seller.pk == viewer.pk,
        "total_text": format_count(page.total, capped=page.total_capped),
        "calls_today": calls_today(viewer),
    }
    return render(request, "web/calls/list.html", context)


@login_required
@require_POST
def call_log_view(request: HttpRequest, lead_id: int) -> JsonResponse:
    viewer = _user(request)
    try:
        lead = lead_get(viewer, lead_id)
    except NotFound as failure:
        return JsonResponse(
            {"ok": False, "message": failure.message, "field_errors": {}}, status=404
        )
    form = CallLogForm(request.POST)
    if not form.is_valid():
        fields = {name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()}
        name, reason = next(iter(fields.items()))
        return JsonResponse(
            {"ok": False, "message": f"{name}: {reason}", "field_errors": fields}, status=422
        )
    try:
        activity = call_log(by=viewer, lead=lead, **form.cleaned_data)
    except DomainError as failure:
        return JsonResponse(
            {"ok": False, "message": failure.message, "field_errors": failure.field_errors},
            status=failure.status_code,
        )
    call = present.activity_call_data(activity, ZoneInfo(viewer.organization.time_zone))
    return JsonResponse(
        {"ok": True, "activity": activity.pk, "outcome": activity.outcome, "call": call},
        status=201,
    )
