"""The manager's home: a shell that loads each widget as its own HTMX partial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from patron.accounts.models import Team, User
from patron.accounts.selectors import team_list, visible_team_ids
from patron.core.models import Organization
from patron.core.months import current_month, month_label
from patron.lifecycle.selectors import lifecycle_counts, lifecycle_history
from patron.performance.indicators import indicators_report
from patron.web import presenters
from patron.web.forms import DashboardForm

HISTORY_MONTHS = 24


@dataclass(frozen=True)
class DashboardScope:
    organization: Organization
    month: int
    team: Team | None
    team_ids: set[int] | None  # the teams the user may see when no team is chosen; None: all
    form: DashboardForm

    @property
    def team_id(self) -> int | None:
        return self.team.id if self.team else None

    @property
    def query(self) -> str:
        params = {"month": month_label(self.month)}
        if self.team is not None:
            params["team"] = str(self.team.id)
        return urlencode(params)


def dashboard_scope(request: HttpRequest) -> DashboardScope:
    """Month and team from the query string; defaults: this month, every team the user sees."""
    user: User = request.user  # type: ignore[assignment]
    organization = user.organization
    teams = team_list(user)
    team_ids = visible_team_ids(user)
    all_label = _("All teams") if team_ids is None else _("All my teams")
    parsed = DashboardForm(request.GET or None, teams=teams, all_teams_label=all_label)
    parsed.is_valid()  # an invalid field is dropped; the valid ones still apply
    data = getattr(parsed, "cleaned_data", {})
    month = data.get("month") or current_month(organization.time_zone)
    team = {team.id: team for team in teams}.get(data.get("team") or 0)
    form = DashboardForm(
        initial={"month": month_label(month), "team": team.id if team else ""},
        teams=teams,
        all_teams_label=all_label,
    )
    return DashboardScope(
        organization=organization, month=month, team=team, team_ids=team_ids, form=form
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request)
    context: dict[str, Any] = {
        "scope": scope,
        "form": scope.form,
        "month_text": month_label(scope.month),
    }
    return render(request, "web/home.html", context)


@login_required
def lifecycle_widget(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request)
    counts = lifecycle_counts(
        organization=scope.organization,
        month=scope.month,
        team_id=scope.team_id,
        team_ids=scope.team_ids,
    )
    context = {
        "scope": scope,
        "month_text": month_label(scope.month),
        "stage_tiles": presenters.stage_tiles(counts.stages),
        "event_tiles": presenters.event_tiles(counts.events),
    }
    return render(request, "web/partials/lifecycle.html", context)


@login_required
def history_widget(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request)
    history = lifecycle_history(
        organization=scope.organization,
        through_month=scope.month,
        months=HISTORY_MONTHS,
        team_id=scope.team_id,
        team_ids=scope.team_ids,
    )
    context = {
        "scope": scope,
        "chart": presenters.history_chart(history),
        "months": HISTORY_MONTHS,
    }
    return render(request, "web/partials/history.html", context)


@login_required
def indicators_widget(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request)
    report = indicators_report(
        organization=scope.organization,
        month=scope.month,
        team_id=scope.team_id,
        viewer=request.user,  # type: ignore[arg-type]
    )
    headline = report.organization
    if scope.team is not None:
        headline = next((row for row in report.teams if row.key == scope.team.id), headline)
    context = {
        "scope": scope,
        "month_text": month_label(scope.month),
        "headline_label": headline.label,
        "tiles": presenters.indicator_tiles(headline),
        "columns": [label for _key, label in presenters.indicator_columns()],
        "colspan": len(presenters.indicator_columns()) + 1,
        "organization_line": presenters.indicator_line(report.organization),
        "team_lines": [presenters.indicator_line(row) for row in report.teams],
        "people_lines": [presenters.indicator_line(row) for row in report.people],
    }
    return render(request, "web/partials/indicators.html", context)
