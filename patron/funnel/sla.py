"""SLA policies, their clocks and their verdicts (SPEC §9).

Two service levels between SDRs and AEs, in business hours on the organization's calendar:

- ``mql_first_touch``: from the moment a lead became an MQL to the first call, email or
  meeting on it by an SDR or BDM (default 4 business hours), owed by the lead's owner;
- ``handoff_response``: from a hand-off to the AE's accept or reject (default 8 business
  hours), owed by the AE it was handed to.

Items are read with one query per kind, their clocks computed at once (``clock``), and the
verdicts counted per person and team with polars. Compliance = met ÷ (met + breached); items
still open and on time are not decided yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import Team, User
from patron.core.audit import audit_record
from patron.core.errors import ValidationFailed
from patron.core.models import AuditEvent, Organization
from patron.core.validation import validate_instance
from patron.funnel.analytics import analytic_reads
from patron.funnel.calendar import business_calendar
from patron.funnel.choices import HandoffStatus, SlaKind
from patron.funnel.clock import WorkingHours
from patron.funnel.models import OpportunityHandoff, SlaPolicy
from patron.funnel.periods import day_start
from patron.funnel.permissions import ensure_can_configure
from patron.funnel.rules import SlaState, compliance, sla_state
from patron.leads.models import Lead

DEFAULT_TARGETS = {SlaKind.MQL_FIRST_TOUCH: Decimal("4"), SlaKind.HANDOFF_RESPONSE: Decimal("8")}
DEFAULT_BREAK = (dt.time(12, 0), dt.time(13, 0))
POLICY_FIELDS = (
    "target_hours",
    "warn_minutes",
    "day_start",
    "day_end",
    "break_start",
    "break_end",
    "is_active",
)
ALERT_LOOKBACK_DAYS = 30
ALERTS_SHOWN = 10


# ---- policies --------------------------------------------------------------------------------


def sla_policy(organization: Organization, kind: str) -> SlaPolicy:
    """The stored policy, or the default one (not saved) when none was edited yet."""
    stored = SlaPolicy.objects.filter(organization=organization, kind=kind).first()
    if stored is not None:
        return stored
    return SlaPolicy(
        organization=organization,
        kind=kind,
        target_hours=DEFAULT_TARGETS[SlaKind(kind)],
        break_start=DEFAULT_BREAK[0],
        break_end=DEFAULT_BREAK[1],
    )


def sla_policies(organization: Organization) -> list[SlaPolicy]:
    return [sla_policy(organization, kind) for kind in SlaKind.values]


@transaction.atomic
def sla_policy_update(
    *, organization: Organization, by: User, kind: str, **values: Any
) -> SlaPolicy:
    ensure_can_configure(by)
    if kind not in SlaKind.values:
        raise ValidationFailed(_("kind: unknown SLA"), {"kind": _("unknown SLA")})
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown SLA policy fields: {sorted(unknown)}")
    policy = sla_policy(organization, kind)
    is_new = policy.pk is None
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(policy, name)
        if is_new or old != value:
            changes[name] = [None if is_new else _text(old), _text(value)]
            setattr(policy, name, value)
    if not changes and not is_new:
        return policy
    try:
        WorkingHours(policy.day_start, policy.day_end, policy.break_start, policy.break_end)
    except ValueError:
        reason = _("working hours must end after they start, with the break inside them")
        raise ValidationFailed(f"day_end: {reason}", {"day_end": reason}) from None
    validate_instance(policy)
    policy.save()
    audit_record(policy, AuditEvent.Action.CREATE if is_new else AuditEvent.Action.UPDATE, changes)
    return policy


def _text(value: Any) -> Any:
    if isinstance(value, dt.time | Decimal):
        return str(value)
    return value


# ---- items and verdicts ----------------------------------------------------------------------


ITEM_SCHEMA: dict[str, Any] = {
    "record_id": pl.Int64,
    "record": pl.String,
    "person_id": pl.Int64,
    "team_id": pl.Int64,
    "started_at": pl.Datetime("us", "UTC"),
    "stopped_at": pl.Datetime("us", "UTC"),
}


def _frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ITEM_SCHEMA, orient="row")


def mql_items(
    organization: Organization, *, scope: Q, started: Q, extra: Q | None = None
) -> pl.DataFrame:
    queryset = Lead.objects.filter(
        scope, started, organization=organization, mql_at__isnull=False
    ).order_by()
    if extra is not None:
        queryset = queryset.filter(extra)
    rows = queryset.values_list(
        "id", "external_id", "owner_id", "team_id", "mql_at", "first_touch_at"
    )
    return _frame(list(rows))


def handoff_items(
    organization: Organization, *, scope: Q, started: Q, extra: Q | None = None
) -> pl.DataFrame:
    queryset = OpportunityHandoff.objects.filter(scope, started, organization=organization)
    if extra is not None:
        queryset = queryset.filter(extra)
    rows = queryset.order_by().values_list(
        "opportunity_id",
        "opportunity__external_id",
        "to_user_id",
        "to_team_id",
        "handed_at",
        "responded_at",
    )
    return _frame(list(rows))


def judge(items: pl.DataFrame, policy: SlaPolicy, now: dt.datetime) -> pl.DataFrame:
    """Add elapsed business seconds, the target, what is left and the verdict to each item."""
    if items.is_empty():
        return items.with_columns(
            pl.lit(0, pl.Int64).alias("elapsed"),
            pl.lit(0, pl.Int64).alias("target"),
            pl.lit("", pl.String).alias("state"),
        )
    calendar = business_calendar(
        policy.organization,
        policy,
        start=items["started_at"].min().date(),  # type: ignore[union-attr]
        end=now.date() + dt.timedelta(days=1),
    )
    stops = items["stopped_at"].fill_null(now.astimezone(dt.UTC))
    elapsed = calendar.business_seconds_many(items["started_at"], stops)
    target = int(policy.target_hours * 3600)
    warn = policy.warn_minutes * 60
    is_open = items["stopped_at"].is_null()
    states = [
        sla_state(elapsed=int(e), target=target, is_open=bool(o), warn=warn).value
        for e, o in zip(elapsed.tolist(), is_open.to_list(), strict=True)
    ]
    return items.with_columns(
        pl.Series("elapsed", elapsed, dtype=pl.Int64),
        pl.lit(target, pl.Int64).alias("target"),
        pl.Series("state", states, dtype=pl.String),
    )


@dataclass(frozen=True)
class SlaRow:
    key: int | None
    label: str
    team_label: str
    met: int
    breached: int
    at_risk: int
    open: int

    @property
    def compliance(self) -> float | None:
        return compliance(self.met, self.breached)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "team": self.team_label,
            "met": self.met,
            "breached": self.breached,
            "at_risk": self.at_risk,
            "open": self.open,
            "compliance": self.compliance,
        }


@dataclass(frozen=True)
class Breach:
    kind: str
    record_id: int
    record: str
    person: str
    team: str
    started_at: dt.datetime
    stopped_at: dt.datetime | None
    elapsed_hours: Decimal
    over_by_hours: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "record_id": self.record_id,
            "record": self.record,
            "person": self.person,
            "team": self.team,
            "started_at": self.started_at.isoformat(),
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
            "elapsed_hours": str(self.elapsed_hours),
            "over_by_hours": str(self.over_by_hours),
        }


@dataclass
class SlaSection:
    kind: str
    policy: SlaPolicy
    total: SlaRow
    teams: list[SlaRow] = field(default_factory=list)
    people: list[SlaRow] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    breach_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target_hours": str(self.policy.target_hours),
            "total": self.total.as_dict(),
            "teams": [row.as_dict() for row in self.teams],
            "people": [row.as_dict() for row in self.people],
            "breach_count": self.breach_count,
            "breaches": [breach.as_dict() for breach in self.breaches],
        }


def hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


def _rows(
    judged: pl.DataFrame, key: str, labels: dict[int, str], team_of: dict[int, str]
) -> list[SlaRow]:
    if judged.is_empty():
        return []
    counts = (
        judged.group_by(key)
        .agg(
            (pl.col("state") == state).sum().alias(state)
            for state in ("met", "breached", "at_risk", "open")
        )
        .sort(key, nulls_last=True)
    )
    return sorted(
        (
            SlaRow(
                key=row[key],
                label=labels.get(row[key], "—"),
                team_label=team_of.get(row[key], ""),
                met=row["met"],
                breached=row["breached"],
                at_risk=row["at_risk"],
                open=row["open"],
            )
            for row in counts.iter_rows(named=True)
        ),
        key=lambda row: (row.team_label, row.label),
    )


def section(
    kind: str,
    policy: SlaPolicy,
    judged: pl.DataFrame,
    *,
    breaches_shown: int,
) -> SlaSection:
    person_ids = [i for i in judged["person_id"].unique().to_list() if i is not None]
    team_ids = [i for i in judged["team_id"].unique().to_list() if i is not None]
    users = User.objects.in_bulk(person_ids)
    teams = {team.pk: team.name for team in Team.objects.filter(pk__in=team_ids)}
    user_team = {pk: teams.get(u.team_id or 0, "") for pk, u in users.items()}
    people = _rows(judged, "person_id", {pk: str(u) for pk, u in users.items()}, user_team)
    team_rows = _rows(judged, "team_id", teams, {})
    total = SlaRow(
        key=None,
        label=_("All"),
        team_label="",
        met=sum(r.met for r in people),
        breached=sum(r.breached for r in people),
        at_risk=sum(r.at_risk for r in people),
        open=sum(r.open for r in people),
    )
    late = judged.filter(pl.col("state") == SlaState.BREACHED.value).with_columns(
        (pl.col("elapsed") - pl.col("target")).alias("over")
    )
    shown = late.sort("over", descending=True).head(breaches_shown)
    breaches = [
        Breach(
            kind=kind,
            record_id=row["record_id"],
            record=row["record"],
            person=str(users[row["person_id"]]) if row["person_id"] in users else "—",
            team=teams.get(row["team_id"], ""),
            started_at=row["started_at"],
            stopped_at=row["stopped_at"],
            elapsed_hours=hours(row["elapsed"]),
            over_by_hours=hours(row["over"]),
        )
        for row in shown.iter_rows(named=True)
    ]
    return SlaSection(
        kind=kind,
        policy=policy,
        total=total,
        teams=team_rows,
        people=people,
        breaches=breaches,
        breach_count=late.height,
    )


def sla_report(
    *,
    organization: Organization,
    date_from: dt.date,
    date_to: dt.date,
    team_ids: set[int] | None = None,
    user_id: int | None = None,
    now: dt.datetime | None = None,
    breaches_shown: int = 100,
) -> list[SlaSection]:
    """Compliance and breaches of both SLAs for items started in [date_from, date_to]."""
    now = now or timezone.now()
    start = day_start(date_from, organization.time_zone)
    end = day_start(date_to + dt.timedelta(days=1), organization.time_zone)
    lead_scope, handoff_scope = Q(), Q()
    if team_ids is not None:
        lead_scope &= Q(team_id__in=team_ids)
        handoff_scope &= Q(to_team_id__in=team_ids)
    if user_id is not None:
        lead_scope &= Q(owner_id=user_id)
        handoff_scope &= Q(to_user_id=user_id)
    sections = []
    for kind, loader, scope, started in (
        (SlaKind.MQL_FIRST_TOUCH, mql_items, lead_scope, Q(mql_at__gte=start, mql_at__lt=end)),
        (
            SlaKind.HANDOFF_RESPONSE,
            handoff_items,
            handoff_scope,
            Q(handed_at__gte=start, handed_at__lt=end),
        ),
    ):
        policy = sla_policy(organization, kind)
        with analytic_reads():
            items = loader(organization, scope=scope, started=started)
        judged = judge(items, policy, now)
        sections.append(section(kind.value, policy, judged, breaches_shown=breaches_shown))
    return sections


@dataclass(frozen=True)
class SlaAlert:
    kind: str
    record_id: int
    record: str
    started_at: dt.datetime
    due_at: dt.datetime
    state: str
    left_minutes: int  # negative when overdue


def sla_alerts(user: User, *, now: dt.datetime | None = None) -> list[SlaAlert]:
    """The user's open items close to breach or already late (home page), most urgent first."""
    now = now or timezone.now()
    organization = user.organization
    since = now - dt.timedelta(days=ALERT_LOOKBACK_DAYS)
    alerts: list[SlaAlert] = []
    for kind, frame in (
        (
            SlaKind.MQL_FIRST_TOUCH,
            mql_items(
                organization,
                scope=Q(owner_id=user.pk),
                started=Q(mql_at__gte=since, mql_at__lte=now),
            ),
        ),
        (
            SlaKind.HANDOFF_RESPONSE,
            handoff_items(
                organization,
                scope=Q(to_user_id=user.pk, status=HandoffStatus.PENDING),
                started=Q(handed_at__gte=since, handed_at__lte=now),
            ),
        ),
    ):
        policy = sla_policy(organization, kind)
        if not policy.is_active:
            continue
        judged = judge(frame.filter(pl.col("stopped_at").is_null()), policy, now)
        urgent = judged.filter(pl.col("state").is_in(["at_risk", "breached"]))
        if urgent.is_empty():
            continue
        calendar = business_calendar(organization, policy)
        for row in urgent.iter_rows(named=True):
            alerts.append(
                SlaAlert(
                    kind=kind.value,
                    record_id=row["record_id"],
                    record=row["record"],
                    started_at=row["started_at"],
                    due_at=calendar.add_business_seconds(row["started_at"], row["target"]),
                    state=row["state"],
                    left_minutes=(row["target"] - row["elapsed"]) // 60,
                )
            )
    alerts.sort(key=lambda alert: alert.left_minutes)
    return alerts[:ALERTS_SHOWN]
