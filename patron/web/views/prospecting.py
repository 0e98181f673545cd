"""Prospecting pages: a seller's ICP profile (targets, weights, priorities, trigger types),
the title synonym list, and the trigger form and involvement toggle of the company and lead
pages (the lead page itself is ``web.views.leads``). Views parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts.models import User
from patron.companies.models import Region
from patron.companies.selectors import company_get
from patron.core.errors import DomainError, NotFound
from patron.leads.selectors import lead_get
from patron.prospecting import services
from patron.prospecting.explain import region_names_for, term_lines
from patron.prospecting.selectors import (
    profile_get,
    score_list,
    seller_get,
    synonym_get,
    synonym_list,
    visible_sellers,
)
from patron.web.forms_prospecting import (
    TERRITORY_ROWS,
    TITLE_ROWS,
    ProfileForm,
    SynonymForm,
    TriggerEventForm,
)

PREVIEW_ROWS = 10
VERSIONS_SHOWN = 10
SYNONYMS_SHOWN = 500


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _region_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{name} · {code}")
        for code, name in Region.objects.order_by("code").values_list("code", "name")
    ]


def _errors_to_form(form: Any, failure: DomainError) -> None:
    form.add_error(None, failure.message)


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        seller = seller_get(user, username=request.GET.get("seller") or None)
    except NotFound:
        raise Http404("seller not found") from None
    profile = profile_get(user, seller=seller)
    form = ProfileForm(
        request.POST or None, regions=_region_choices(), initial=ProfileForm.initial_for(profile)
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.profile_save(
                    seller=seller,
                    weights=form.weights(),
                    targets=form.targets(),
                    trigger_days=form.cleaned_data["trigger_days"],
                    note=form.cleaned_data["note"],
                    actor=user,
                )
        except DomainError as failure:
            _errors_to_form(form, failure)
        else:
            messages.success(request, _("Profile saved; the list is scored again."))
            return redirect(f"{reverse('web:prospecting-profile')}?seller={seller.username}")
    preview = list(score_list(user, seller=seller)[:PREVIEW_ROWS]) if profile else []
    sellers = list(visible_sellers(user))
    names = region_names_for(preview)
    context: dict[str, Any] = {
        "seller": seller,
        "sellers": sellers if len(sellers) > 1 else [],
        "profile": profile,
        "form": form,
        "industry_rows": form.rows("industry", [(v, v) for v in _values(form, "industry")]),
        "trigger_rows": form.rows("trigger", [(v, v) for v in _values(form, "trigger")]),
        "title_rows": form.rows("title", [(str(n), n) for n in range(1, TITLE_ROWS + 1)]),
        "territory_rows": form.rows(
            "territory", [(str(n), n) for n in range(1, TERRITORY_ROWS + 1)]
        ),
        "weight_fields": [form[f"{name}_weight"] for name in WEIGHT_NAMES],
        "versions": list(
            profile.versions.select_related("created_by").order_by("-number")[:VERSIONS_SHOWN]
        )
        if profile
        else [],
        "preview": [
            {"score": score, "lead": score.lead, "terms": term_lines(score, names)}
            for score in preview
        ],
    }
    return render(request, "web/prospecting/profile.html", context)


WEIGHT_NAMES = ("industry", "title", "territory", "trigger")


def _values(form: ProfileForm, prefix: str) -> list[str]:
    return [
        name.split("__")[1]
        for name in form.fields
        if name.startswith(f"{prefix}__") and name.count("__") == 1
    ]


@login_required
def synonyms_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SynonymForm(request.POST or None if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        try:
            with transaction.atomic():
                done = _synonym_action(request, user, form)
        except DomainError as failure:
            messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
        else:
            if done:
                messages.success(request, _("Saved."))
                return redirect("web:prospecting-synonyms")
    synonyms = list(synonym_list(user)[:SYNONYMS_SHOWN])
    return render(request, "web/prospecting/synonyms.html", {"form": form, "synonyms": synonyms})


def _synonym_action(request: HttpRequest, user: User, form: SynonymForm) -> bool:
    action = request.POST.get("action")
    if action == "add":
        if not form.is_valid():
            return False
        services.synonym_create(
            organization=user.organization,
            canonical=form.cleaned_data["canonical"],
            variant=form.cleaned_data["variant"],
        )
        return True
    synonym = synonym_get(user, _int(request.POST.get("synonym")))
    if action == "delete":
        services.synonym_delete(synonym=synonym)
        return True
    if action == "edit":
        edit = SynonymForm(request.POST)
        if not edit.is_valid():
            raise DomainError(_("a canonical title and a variant are needed"))
        services.synonym_update(synonym=synonym, **edit.cleaned_data)
        return True
    return False


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def trigger_add_view(request: HttpRequest) -> HttpResponse:
    """The trigger form of the company page and of the lead page."""
    user = _user(request)
    company = lead = None
    try:
        if request.POST.get("company"):
            company = company_get(user, _int(request.POST.get("company")))
        if request.POST.get("lead"):
            lead = lead_get(user, _int(request.POST.get("lead")))
    except NotFound:
        raise Http404("not found") from None
    fallback = reverse("web:home")
    form = TriggerEventForm(request.POST)
    if not form.is_valid():
        reasons = "; ".join(
            f"{form[name].label}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": reasons})
        return _back(request, fallback)
    try:
        services.trigger_event_create(
            organization=user.organization,
            company=company,
            lead=lead,
            created_by=user,
            **form.cleaned_data,
        )
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    else:
        messages.success(request, _("Trigger event recorded; the leads are scored again."))
    return _back(request, fallback)


@login_required
@require_POST
def involvement_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = _user(request)
    try:
        lead = lead_get(user, lead_id)
    except NotFound:
        raise Http404("lead not found") from None
    try:
        services.involvement_set(
            seller=user, lead=lead, involved=request.POST.get("involved") == "1"
        )
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    return redirect("web:lead-detail", lead_id=lead.pk)
