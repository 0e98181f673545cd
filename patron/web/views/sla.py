"""SLA pages: compliance per team and person, the breach list, the editable policies and the
working calendar (weekend, holidays, adjusted working days), and the home-page alert widget
that flags the user's open items close to breach."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts.models import User
from patron.core.errors import DomainError
from patron.core.models import CalendarDay
from patron.core.months import local_date
from patron.funnel.calendar import calendar_day_clear, calendar_day_set, weekend_days_set
from patron.funnel.choices import SlaKind
from patron.funnel.permissions import can_configure
from patron.funnel.reports import resolve_scope
from patron.funnel.sla import sla_alerts, sla_policies, sla_policy_update, sla_report
from patron.web import presenters_funnel as present
from patron.web.forms_funnel import CalendarDayForm, PolicyForm, WeekendForm
from patron.web.views.funnel import funnel_scope

BREACHES_SHOWN = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def sla_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope = funnel_scope(request, with_form=True)
    error = ""
    sections: list[Any] = []
    try:
        resolved = resolve_scope(
            user.organization, team_id=scope.team_id, user_id=scope.user_id, viewer=user
        )
        sections = sla_report(
            organization=user.organization,
            date_from=scope.date_from,
            date_to=scope.date_to,
            team_ids=set(resolved.team_ids) if resolved.team_ids is not None else None,
            user_id=resolved.user.pk if resolved.user else None,
            breaches_shown=BREACHES_SHOWN,
        )
    except DomainError as failure:
        error = failure.message
    policies = sla_policies(user.organization)
    today = local_date(timezone.now(), user.organization.time_zone)
    context = {
        "scope": scope,
        "form": scope.form,
        "error": error,
        "sections": [
            {
                "kind": section.kind,
                "label": SlaKind(section.kind).label,
                "policy": section.policy,
                "total": present.sla_lines([section.total])[0],
                "teams": present.sla_lines(section.teams),
                "people": present.sla_lines(section.people),
                "breaches": section.breaches,
                "breach_count": section.breach_count,
            }
            for section in sections
        ],
        "can_configure": can_configure(user),
        "policy_forms": [
            (
                policy,
                PolicyForm(
                    initial={
                        name: getattr(policy, name)
                        for name in (
                            "target_hours",
                            "warn_minutes",
                            "day_start",
                            "day_end",
                            "break_start",
                            "break_end",
                            "is_active",
                        )
                    },
                    prefix=policy.kind,
                ),
            )
            for policy in policies
        ],
        "weekend_form": WeekendForm(initial={"days": user.organization.weekend_days}),
        "day_form": CalendarDayForm(),
        "calendar_days": CalendarDay.objects.filter(
            organization=user.organization, date__year__in=[today.year, today.year + 1]
        ).order_by("date"),
    }
    return render(request, "web/funnel/sla.html", context)


@login_required
@require_POST
def sla_policy_view(request: HttpRequest, kind: str) -> HttpResponse:
    user = _user(request)
    if kind not in SlaKind.values:
        raise Http404("no such SLA")
    form = PolicyForm(request.POST, prefix=kind)
    if not form.is_valid():
        reasons = "; ".join(
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        )
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": reasons})
        return redirect("web:sla")
    try:
        sla_policy_update(organization=user.organization, by=user, kind=kind, **form.cleaned_data)
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    else:
        messages.success(request, _("Saved."))
    return redirect("web:sla")


@login_required
@require_POST
def calendar_view(request: HttpRequest, action: str) -> HttpResponse:
    user = _user(request)
    try:
        if action == "weekend":
            form = WeekendForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("weekend_days: choose days of the week"))
            weekend_days_set(
                organization=user.organization, by=user, days=form.cleaned_data["days"]
            )
        elif action == "day":
            day_form = CalendarDayForm(request.POST)
            if not day_form.is_valid():
                raise DomainError(_("date: enter a date as YYYY-MM-DD"))
            calendar_day_set(organization=user.organization, by=user, **day_form.cleaned_data)
        elif action == "clear":
            day_form = CalendarDayForm({"date": request.POST.get("date"), "is_working": "0"})
            if not day_form.is_valid():
                raise DomainError(_("date: enter a date as YYYY-MM-DD"))
            calendar_day_clear(
                organization=user.organization, by=user, date=day_form.cleaned_data["date"]
            )
        else:
            raise Http404("no such calendar action")
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    else:
        messages.success(request, _("Saved."))
    return redirect("web:sla")


@login_required
def sla_alerts_widget(request: HttpRequest) -> HttpResponse:
    """The user's open MQLs and hand-offs close to breach (or late), most urgent first."""
    alerts = sla_alerts(_user(request))
    lines = [
        {
            "alert": alert,
            "label": SlaKind(alert.kind).label,
            "left": present.hours_text(alert.left_minutes),
            "url_kind": "lead" if alert.kind == SlaKind.MQL_FIRST_TOUCH else "opportunity",
        }
        for alert in alerts
    ]
    return render(request, "web/funnel/_alerts.html", {"lines": lines})
