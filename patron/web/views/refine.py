"""Conversion and refinement: conversion per seller, team and score band against the goal of
1 in 10; below it, the lift of each criterion on the seller's own history and the proposed
priorities, accepted in one click (a new profile version, then the list is re-scored)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patron.accounts.models import User
from patron.core.errors import DomainError
from patron.prospecting.call_list import call_list_sellers
from patron.prospecting.models import IcpProfile
from patron.prospecting.refine import (
    conversion_report,
    refine_accept,
    seller_lifts,
    seller_proposals,
)
from patron.web import presenters_calls as present
from patron.web.forms_calls import AcceptProposalForm, RefineForm
from patron.web.views.calls import requested_seller

VERSIONS_SHOWN = 10


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def refine_view(request: HttpRequest) -> HttpResponse:
    viewer = _user(request)
    sellers = list(call_list_sellers(viewer).select_related("team"))
    form = RefineForm(request.GET or None, sellers=sellers, initial={"seller": viewer.pk})
    seller = requested_seller(viewer, request.GET.get("seller"))
    report = conversion_report(organization=viewer.organization, sellers=sellers)
    line = next((item for item in report.sellers if item.seller.pk == seller.pk), None)
    lifts = seller_lifts(seller=seller)
    proposals = seller_proposals(seller=seller, lifts=lifts)
    profile = IcpProfile.objects.filter(seller=seller).first()
    context: dict[str, Any] = {
        "form": form,
        "seller": seller,
        "rows": present.conversion_rows(report),
        "seller_line": present.conversion_row("seller", line.total) if line else None,
        "lifts": present.lift_rows(lifts),
        "proposals": present.proposal_rows(proposals),
        "has_changes": any(p.is_change for p in proposals),
        "profile": profile,
        "versions": list(profile.versions.select_related("created_by")[:VERSIONS_SHOWN])
        if profile
        else [],
        "below_goal": bool(line and line.total.below_goal),
    }
    return render(request, "web/refine/page.html", context)


@login_required
@require_POST
def refine_accept_view(request: HttpRequest) -> HttpResponse:
    viewer = _user(request)
    seller = requested_seller(viewer, request.POST.get("seller"))
    target = reverse("web:refine") + f"?seller={seller.pk}"
    form = AcceptProposalForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Nothing changed: %(reason)s") % {"reason": _("version: missing")}
        )
        return redirect(target)
    try:
        profile = refine_accept(seller=seller, by=viewer, version=form.cleaned_data["version"])
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    else:
        messages.success(
            request,
            _("Saved as profile version %(number)d; the list is being re-scored.")
            % {"number": profile.version},
        )
    return redirect(target)
