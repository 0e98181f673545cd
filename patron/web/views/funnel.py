"""The funnel dashboard (a shell whose widgets load as HTMX partials: the packs and the funnel
chart, the trend, the per-person table, the engagement modes) and headcount planning. Every
number comes from ``patron.funnel.reports`` — the same as ``patron metrics`` and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.accounts.selectors import team_list, user_list, visible_team_ids
from patron.core.errors import DomainError
from patron.core.months import local_date
from patron.funnel.cache import cached
from patron.funnel.metrics import METRICS
from patron.funnel.periods import WEEK
from patron.funnel.reports import (
    funnel_report,
    headcount_report,
    people_report,
    resolve_scope,
    trend_report,
)
from patron.web import presenters_funnel as present
from patron.web.forms_funnel import FunnelFilterForm, HeadcountForm, default_period


@dataclass(frozen=True)
class FunnelScope:
    date_from: dt.date
    date_to: dt.date
    team_id: int | None
    user_id: int | None
    bucket: str
    form: FunnelFilterForm | None  # the filter bar, for the shell only

    @property
    def params(self) -> dict[str, str]:
        params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.team_id:
            params["team"] = str(self.team_id)
        if self.user_id:
            params["user"] = str(self.user_id)
        params["bucket"] = self.bucket
        return params

    @property
    def query(self) -> str:
        return urlencode(self.params)


def _all_label(user: User) -> str:
    return _("All teams") if visible_team_ids(user) is None else _("All my teams")


def funnel_scope(request: HttpRequest, *, with_form: bool = False) -> FunnelScope:
    """Period, team, person and trend bucket from the query string (defaults: this quarter,
    everything the user may see, weekly); ``with_form``: and the filter bar showing them."""
    user: User = request.user  # type: ignore[assignment]
    teams, users = team_list(user), user_list(user)
    data = {key: request.GET.get(key, "") for key in ("team", "user", "bucket")}
    data["date_from"] = request.GET.get("from", "")
    data["date_to"] = request.GET.get("to", "")
    parsed = FunnelFilterForm(data, teams=teams, users=users, all_label=_all_label(user))
    parsed.is_valid()  # invalid fields are dropped; the valid ones still apply
    cleaned = getattr(parsed, "cleaned_data", {})
    start, end = default_period(local_date(timezone.now(), user.organization.time_zone))
    date_from = cleaned.get("date_from") or start
    date_to = cleaned.get("date_to") or end
    if date_to < date_from:
        date_from, date_to = start, end
    bucket = cleaned.get("bucket") or WEEK
    if not with_form:
        return FunnelScope(
            date_from, date_to, cleaned.get("team"), cleaned.get("user"), bucket, None
        )
    form = FunnelFilterForm(
        initial={
            "date_from": date_from,
            "date_to": date_to,
            "team": cleaned.get("team") or "",
            "user": cleaned.get("user") or "",
            "bucket": bucket,
        },
        teams=teams,
        users=users,
        all_label=_all_label(user),
    )
    return FunnelScope(date_from, date_to, cleaned.get("team"), cleaned.get("user"), bucket, form)


def _report(
    request: HttpRequest, scope: FunnelScope, build: Any = funnel_report, **kwargs: Any
) -> Any:
    """The widget's report, shared by every viewer asking the same question of the same data
    (``patron.funnel.cache``); the viewer's scope is checked before the cache is asked."""
    user: User = request.user  # type: ignore[assignment]
    resolved = resolve_scope(
        user.organization, team_id=scope.team_id, user_id=scope.user_id, viewer=user
    )
    question = (
        user.organization_id,
        scope.date_from,
        scope.date_to,
        resolved.team_ids,
        scope.user_id,
        build.__name__,
        tuple(sorted(kwargs.items())),
    )
    return cached(
        question,
        lambda: build(
            organization=user.organization,
            date_from=scope.date_from,
            date_to=scope.date_to,
            team_id=scope.team_id,
            user_id=scope.user_id,
            viewer=user,
            **kwargs,
        ),
    )


def _failed(request: HttpRequest, error: DomainError, title: str) -> HttpResponse:
    context = {"title": title, "message": error.message}
    return render(request, "web/funnel/_widget_error.html", context, status=error.status_code)


@login_required
def funnel_view(request: HttpRequest) -> HttpResponse:
    scope = funnel_scope(request, with_form=True)
    return render(request, "web/funnel/dashboard.html", {"scope": scope, "form": scope.form})


@login_required
def funnel_summary_widget(request: HttpRequest) -> HttpResponse:
    scope = funnel_scope(request)
    try:
        report = _report(request, scope)
    except DomainError as error:
        return _failed(request, error, _("Funnel"))
    context = {
        "scope": scope,
        "report": report,
        "packs": present.packs(report.metrics),
        "chart": present.funnel_chart(report),
        "plays": report.plays,
    }
    return render(request, "web/funnel/_summary.html", context)


@login_required
def funnel_trend_widget(request: HttpRequest) -> HttpResponse:
    scope = funnel_scope(request)
    try:
        trend = _report(request, scope, trend_report, bucket=scope.bucket)
    except DomainError as error:
        return _failed(request, error, _("Trend"))
    rows = [
        (period.label, [present.metric_text(n, getattr(m, n)) for n in METRICS])
        for period, m in trend
    ]
    context = {
        "scope": scope,
        "chart": present.trend_chart(trend),
        "columns": [str(present.LABELS[name]) for name in METRICS],
        "rows": rows,
    }
    return render(request, "web/funnel/_trend.html", context)


@login_required
def funnel_people_widget(request: HttpRequest) -> HttpResponse:
    scope = funnel_scope(request)
    sort = request.GET.get("sort", "name")
    descending = request.GET.get("dir", "asc") == "desc"
    try:
        people = _report(request, scope, people_report)
    except DomainError as error:
        return _failed(request, error, _("People"))
    if sort not in (*METRICS, "name"):
        sort = "name"
    context = {
        "scope": scope,
        "columns": present.sort_columns(scope.params, sort, descending),
        "lines": present.people_lines(people, sort, descending),
        "sort": sort,
    }
    return render(request, "web/funnel/_people.html", context)


@login_required
def headcount_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    today = local_date(timezone.now(), user.organization.time_zone)
    initial = {"months": 12, "date_from": today - dt.timedelta(days=364), "date_to": today}
    form = HeadcountForm(
        request.GET or None,
        initial=initial,
        teams=team_list(user),
        all_label=_all_label(user),
    )
    result, error = None, ""
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            result = headcount_report(
                organization=user.organization,
                target=data["target"],
                months=data["months"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                team_id=data.get("team"),
                viewer=user,
            )
        except DomainError as failure:
            error = failure.message
    return render(
        request,
        "web/funnel/headcount.html",
        {
            "form": form,
            "result": result,
            "data": result.as_dict() if result else None,
            "error": error,
        },
    )
