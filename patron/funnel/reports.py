"""The funnel report and the headcount plan as the CLI, the API and the pages ask for them:
who may see which scope, labels, and one dictionary shape for JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from patron.accounts.models import Team, User
from patron.accounts.selectors import visible_team_ids
from patron.core.errors import NotFound, ValidationFailed
from patron.core.models import Organization
from patron.funnel.choices import FunnelRole
from patron.funnel.metrics import FunnelMetrics, FunnelQuery, PlayMetrics
from patron.funnel.periods import BUCKETS, Bucket
from patron.funnel.rules import HeadcountPlan, MeasuredRates, headcount_plan, rate

MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Scope:
    team_ids: frozenset[int] | None
    team: Team | None
    user: User | None
    label: str


def resolve_scope(
    organization: Organization,
    *,
    team_id: int | None = None,
    user_id: int | None = None,
    viewer: User | None = None,
) -> Scope:
    """The teams and person a report covers. A viewer who does not see the whole
    organization is limited to the teams they belong to or manage (and themselves)."""
    visible = visible_team_ids(viewer) if viewer is not None else None
    team = None
    if team_id is not None:
        team = Team.objects.filter(organization=organization, pk=team_id).first()
        if team is None or (visible is not None and team_id not in visible):
            raise NotFound(_("team not found"), {"team": _("no such team")})
    user = None
    if user_id is not None:
        user = User.objects.filter(organization=organization, pk=user_id).first()
        allowed = user is not None and (
            visible is None or user.team_id in visible or user.pk == viewer.pk  # type: ignore[union-attr]
        )
        if user is None or not allowed:
            raise NotFound(_("user not found"), {"user": _("no such user")})
    team_ids = frozenset({team_id}) if team_id is not None else None
    if team_ids is None and visible is not None:
        team_ids = frozenset(visible)
    if user is not None:
        label = str(user)
    elif team is not None:
        label = team.name
    elif team_ids is None:
        label = organization.name
    else:
        label = _("My teams")
    return Scope(team_ids=team_ids, team=team, user=user, label=label)


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        reason = _("the period ends before it starts")
        raise ValidationFailed(f"to: {reason}", {"to": reason})
    if (date_to - date_from).days > MAX_DAYS:
        reason = _("a period is at most three years")
        raise ValidationFailed(f"to: {reason}", {"to": reason})


@dataclass
class PersonRow:
    user: User
    team_label: str
    metrics: FunnelMetrics

    @property
    def label(self) -> str:
        return str(self.user)


@dataclass
class FunnelReport:
    date_from: dt.date
    date_to: dt.date
    scope: Scope
    metrics: FunnelMetrics
    plays: list[PlayMetrics]
    people: list[PersonRow] | None = None
    bucket: str | None = None
    trend: list[tuple[Bucket, FunnelMetrics]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "scope": {
                "label": self.scope.label,
                "team": self.scope.team.pk if self.scope.team else None,
                "user": self.scope.user.pk if self.scope.user else None,
            },
            "metrics": self.metrics.as_dict(),
            "engagement_mode": [play.as_dict() for play in self.plays],
        }
        if self.people is not None:
            data["people"] = [
                {
                    "user": row.user.pk,
                    "username": row.user.username,
                    "label": row.label,
                    "team": row.team_label,
                    **row.metrics.as_dict(),
                }
                for row in self.people
            ]
        if self.bucket is not None:
            data["trend"] = {
                "bucket": self.bucket,
                "periods": [
                    {
                        "label": period.label,
                        "from": period.first.isoformat(),
                        "to": period.last.isoformat(),
                        **metrics.as_dict(),
                    }
                    for period, metrics in self.trend
                ],
            }
        return data


def funnel_query(
    organization: Organization, date_from: dt.date, date_to: dt.date, scope: Scope
) -> FunnelQuery:
    check_period(date_from, date_to)
    return FunnelQuery(
        organization=organization,
        date_from=date_from,
        date_to=date_to,
        team_ids=scope.team_ids,
        user_id=scope.user.pk if scope.user else None,
    )


def _team_name(user: User) -> str:
    team = user.team
    return team.name if team is not None else ""


def people_rows(query: FunnelQuery) -> list[PersonRow]:
    by_person = query.people()
    users = User.objects.select_related("team").in_bulk(list(by_person))
    rows = [
        PersonRow(user=users[pk], team_label=_team_name(users[pk]), metrics=m)
        for pk, m in by_person.items()
        if pk in users
    ]
    return sorted(rows, key=lambda row: (row.team_label, row.label))


def funnel_report(
    *,
    organization: Organization,
    date_from: dt.date,
    date_to: dt.date,
    team_id: int | None = None,
    user_id: int | None = None,
    viewer: User | None = None,
    people: bool = False,
    bucket: str | None = None,
) -> FunnelReport:
    """Every metric of the period for the scope, the engagement mode per play, and on request
    the per-person table and the weekly or monthly trend."""
    if bucket is not None and bucket not in BUCKETS:
        reason = _("choose week or month")
        raise ValidationFailed(f"bucket: {reason}", {"bucket": reason})
    scope = resolve_scope(organization, team_id=team_id, user_id=user_id, viewer=viewer)
    query = funnel_query(organization, date_from, date_to, scope)
    metrics, plays = query.metrics()
    report = FunnelReport(date_from, date_to, scope, metrics, plays, bucket=bucket)
    if people:
        report.people = people_rows(query)
    if bucket is not None:
        report.trend = query.trend(bucket)
    return report


def people_report(
    *,
    organization: Organization,
    date_from: dt.date,
    date_to: dt.date,
    team_id: int | None = None,
    user_id: int | None = None,
    viewer: User | None = None,
) -> list[PersonRow]:
    """Only the per-person table (the dashboard widget); the same rows as ``funnel_report``."""
    scope = resolve_scope(organization, team_id=team_id, user_id=user_id, viewer=viewer)
    return people_rows(funnel_query(organization, date_from, date_to, scope))


def trend_report(
    *,
    organization: Organization,
    date_from: dt.date,
    date_to: dt.date,
    bucket: str,
    team_id: int | None = None,
    user_id: int | None = None,
    viewer: User | None = None,
) -> list[tuple[Bucket, FunnelMetrics]]:
    """Only the weekly or monthly trend (the dashboard widget); as in ``funnel_report``."""
    if bucket not in BUCKETS:
        reason = _("choose week or month")
        raise ValidationFailed(f"bucket: {reason}", {"bucket": reason})
    scope = resolve_scope(organization, team_id=team_id, user_id=user_id, viewer=viewer)
    return funnel_query(organization, date_from, date_to, scope).trend(bucket)


# ---- headcount planning ----------------------------------------------------------------------


@dataclass
class HeadcountReport:
    scope: Scope
    date_from: dt.date
    date_to: dt.date
    rates: MeasuredRates
    plan: HeadcountPlan
    current_sdrs: int
    current_aes: int

    def as_dict(self) -> dict[str, Any]:
        def text(value: Any) -> Any:
            return str(value.quantize(Decimal("0.01"))) if isinstance(value, Decimal) else value

        plan = self.plan
        return {
            "scope": self.scope.label,
            "measured_from": self.date_from.isoformat(),
            "measured_to": self.date_to.isoformat(),
            "target": text(plan.target),
            "months": plan.months,
            "measured": {
                "asp": text(self.rates.asp),
                "win_rate": self.rates.win_rate,
                "mql_per_lead": self.rates.mql_per_lead,
                "opps_per_mql": self.rates.opps_per_mql,
                "sdr_share": self.rates.sdr_share,
                "opportunities_per_sdr_month": text(self.rates.opportunities_per_sdr_month),
                "deals_per_ae_month": text(self.rates.deals_per_ae_month),
                "sdr_headcount": self.current_sdrs,
                "ae_headcount": self.current_aes,
            },
            "needed": {
                "deals": text(plan.deals_needed),
                "opportunities": text(plan.opportunities_needed),
                "sdr_opportunities": text(plan.sdr_opportunities_needed),
                "mqls": text(plan.mqls_needed),
                "leads": text(plan.leads_needed),
                "sdrs": plan.sdrs_needed,
                "aes": plan.aes_needed,
                "aes_per_sdr": plan.aes_per_sdr,
            },
            "benchmark": {
                "aes": 20,
                "sdrs": 8,
                "aes_per_sdr": plan.benchmark_aes_per_sdr,
                "aes_for_needed_sdrs": plan.benchmark_aes_for_sdrs,
            },
            "missing": list(plan.missing),
        }


def months_between(date_from: dt.date, date_to: dt.date) -> Decimal:
    """The length of [from, to] in months (days ÷ 30.4375, an average month)."""
    return (Decimal((date_to - date_from).days + 1) / Decimal("30.4375")).quantize(
        Decimal("0.0001")
    )


def headcount_report(
    *,
    organization: Organization,
    target: Decimal,
    months: int,
    date_from: dt.date,
    date_to: dt.date,
    team_id: int | None = None,
    viewer: User | None = None,
) -> HeadcountReport:
    """SDRs and AEs needed to reach ``target`` in ``months``, at the conversion rates and
    productivity the scope measured over [date_from, date_to]."""
    if target <= 0:
        raise ValidationFailed(_("target: must be greater than 0"), {"target": _("must be > 0")})
    if not 1 <= months <= 60:
        reason = _("between 1 and 60")
        raise ValidationFailed(f"months: {reason}", {"months": reason})
    scope = resolve_scope(organization, team_id=team_id, viewer=viewer)
    query = funnel_query(organization, date_from, date_to, scope)
    metrics, _plays = query.metrics()
    counts = metrics.counts
    rates = MeasuredRates(
        months=months_between(date_from, date_to),
        asp=metrics.asp,
        win_rate=metrics.win_rate,
        mql_per_lead=metrics.mql_per_lead,
        opps_per_mql=metrics.opps_per_mql,
        sdr_share=rate(counts.opportunities_created, counts.created_all),
        opportunities_created=counts.opportunities_created,
        new_deals=counts.won,
        sdr_headcount=metrics.sdr_headcount,
        ae_headcount=len(query.headcount(FunnelRole.AE)),
    )
    return HeadcountReport(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        rates=rates,
        plan=headcount_plan(target=target, months=months, rates=rates),
        current_sdrs=rates.sdr_headcount,
        current_aes=rates.ae_headcount,
    )
