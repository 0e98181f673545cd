"""The 17 funnel metrics of SPEC §9 for a period and a team or person: one query object that
the CLI (``patron metrics funnel``), the API (``/api/v1/funnel/metrics``) and the dashboard
all call, so they show the same numbers.

Definitions, for the period [from, to] (calendar days in the organization's time zone):

| metric | definition |
|---|---|
| leads | leads created in the period |
| mqls | leads that became MQL in the period |
| mql_per_lead | mqls ÷ leads |
| follow_up_rate | MQLs of the period touched by an SDR after becoming MQL ÷ mqls (a touch: |
|   | a call, email or meeting on the lead by an SDR or BDM, at or after the MQL moment) |
| opportunities_created | opportunities created in the period with a source SDR |
| opps_per_mql | opportunities_created ÷ mqls |
| new_pipeline | sum of amount of opportunities_created |
| pipeline_per_opp | new_pipeline ÷ opportunities_created |
| sdr_bookings | amount closed won in the period on opportunities with a source SDR |
| pct_bookings_sdr | sdr_bookings ÷ closed_won_revenue |
| sdr_headcount | users holding the SDR role during the period |
| closed_won_revenue | amount of opportunities closed won in the period |
| new_deals | opportunities closed won in the period |
| asp | closed_won_revenue ÷ new_deals |
| win_rate | won ÷ (won + lost), closed in the period |
| pct_reaching_stage_2 | opportunities created in the period that reached stage ≥ 2 ÷ |
|   | opportunities created in the period |
| engagement_mode | per play: opportunities created, win rate and ASP of those closed |

Amounts are in the organization's currency. A ratio with a zero denominator is null.

Scope: a lead counts for its owner and the owner's team; an opportunity counts for everyone
who worked it — its owner (AE) and its source SDR, and their teams — once. Each section is a
few aggregate queries (``Count(filter=…)``, ``Sum``) over index ranges of the period, grouped
by play, by person or by week/month; nothing loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db import connection

from patron.accounts.models import User
from patron.core.models import Organization
from patron.core.months import local_date
from patron.funnel.analytics import analytic_reads
from patron.funnel.choices import FunnelRole
from patron.funnel.models import FunnelGrain, Play, RoleSpell
from patron.funnel.periods import Bucket, buckets, day_start
from patron.funnel.rollup import ROLLUP, days_settle
from patron.funnel.rules import money_ratio, rate

ZERO = Decimal("0.00")
SDR_PACK = (
    "leads",
    "mqls",
    "mql_per_lead",
    "follow_up_rate",
    "opportunities_created",
    "opps_per_mql",
    "new_pipeline",
    "pipeline_per_opp",
    "sdr_bookings",
    "pct_bookings_sdr",
    "sdr_headcount",
)
AE_PACK = ("closed_won_revenue", "new_deals", "asp", "win_rate", "pct_reaching_stage_2")
METRICS = SDR_PACK + AE_PACK  # plus engagement_mode, per play
# each additive part as a sum over the roll-up rows (see patron.funnel.rollup: a row carries
# the measures of its part only). ``_sums`` reads the coarsest grain that holds the question.
SUMS = (
    ("leads", "SUM(CASE WHEN part = 1 THEN records ELSE 0 END)"),
    ("mqls", "SUM(CASE WHEN part = 2 THEN records ELSE 0 END)"),
    ("followed_up", "SUM(followed_up)"),
    ("created_all", "SUM(CASE WHEN part = 3 THEN records ELSE 0 END)"),
    (
        "opportunities_created",
        "SUM(CASE WHEN part = 3 AND sourced THEN records ELSE 0 END)",
    ),
    ("new_pipeline", "SUM(CASE WHEN part = 3 AND sourced THEN amount END)"),
    ("reached_stage_2", "SUM(reached_stage_2)"),
    ("won", "SUM(won)"),
    ("lost", "SUM(lost)"),
    ("closed_won_revenue", "SUM(CASE WHEN part = 4 THEN amount END)"),
    ("sdr_bookings", "SUM(CASE WHEN part = 4 AND sourced THEN amount END)"),
)
MONEY = {"new_pipeline", "pipeline_per_opp", "sdr_bookings", "closed_won_revenue", "asp"}


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class FunnelCounts:
    """The additive parts every metric is derived from."""

    leads: int = 0
    mqls: int = 0
    followed_up: int = 0
    opportunities_created: int = 0  # with a source SDR
    new_pipeline: Decimal = ZERO
    created_all: int = 0
    reached_stage_2: int = 0
    won: int = 0
    lost: int = 0
    closed_won_revenue: Decimal = ZERO
    sdr_bookings: Decimal = ZERO

    def add(self, row: Mapping[str, Any]) -> None:
        for item in fields(self):
            if item.name in row:
                value = row[item.name]
                if isinstance(getattr(self, item.name), Decimal):
                    setattr(self, item.name, getattr(self, item.name) + _money(value))
                else:
                    setattr(self, item.name, getattr(self, item.name) + int(value or 0))


@dataclass
class FunnelMetrics:
    counts: FunnelCounts = field(default_factory=FunnelCounts)
    sdr_headcount: int = 0

    @property
    def leads(self) -> int:
        return self.counts.leads

    @property
    def mqls(self) -> int:
        return self.counts.mqls

    @property
    def mql_per_lead(self) -> float | None:
        return rate(self.counts.mqls, self.counts.leads)

    @property
    def follow_up_rate(self) -> float | None:
        return rate(self.counts.followed_up, self.counts.mqls)

    @property
    def opportunities_created(self) -> int:
        return self.counts.opportunities_created

    @property
    def opps_per_mql(self) -> float | None:
        return rate(self.counts.opportunities_created, self.counts.mqls)

    @property
    def new_pipeline(self) -> Decimal:
        return self.counts.new_pipeline

    @property
    def pipeline_per_opp(self) -> Decimal | None:
        return money_ratio(self.counts.new_pipeline, self.counts.opportunities_created)

    @property
    def sdr_bookings(self) -> Decimal:
        return self.counts.sdr_bookings

    @property
    def pct_bookings_sdr(self) -> float | None:
        return rate(self.counts.sdr_bookings, self.counts.closed_won_revenue)

    @property
    def closed_won_revenue(self) -> Decimal:
        return self.counts.closed_won_revenue

    @property
    def new_deals(self) -> int:
        return self.counts.won

    @property
    def asp(self) -> Decimal | None:
        return money_ratio(self.counts.closed_won_revenue, self.counts.won)

    @property
    def win_rate(self) -> float | None:
        return rate(self.counts.won, self.counts.won + self.counts.lost)

    @property
    def pct_reaching_stage_2(self) -> float | None:
        return rate(self.counts.reached_stage_2, self.counts.created_all)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in METRICS}

    def as_dict(self) -> dict[str, Any]:
        return {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in self.values().items()
        }


@dataclass
class PlayMetrics:
    """Engagement mode: how one play performs."""

    play_id: int | None
    code: str
    label: str
    opportunities: int = 0  # created in the period
    won: int = 0
    lost: int = 0
    revenue: Decimal = ZERO

    @property
    def win_rate(self) -> float | None:
        return rate(self.won, self.won + self.lost)

    @property
    def asp(self) -> Decimal | None:
        return money_ratio(self.revenue, self.won)

    def as_dict(self) -> dict[str, Any]:
        return {
            "play": self.code,
            "label": self.label,
            "opportunities": self.opportunities,
            "won": self.won,
            "lost": self.lost,
            "win_rate": self.win_rate,
            "asp": None if self.asp is None else str(self.asp),
        }


@dataclass(frozen=True)
class FunnelQuery:
    """Typed input of every funnel section: the period and who it is about.

    ``team_ids``: the teams in scope (``None``: the whole organization); ``user_id``: one
    person within that scope.
    """

    organization: Organization
    date_from: dt.date
    date_to: dt.date
    team_ids: frozenset[int] | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise ValueError("the period ends before it starts")

    @property
    def start(self) -> dt.datetime:
        return day_start(self.date_from, self.organization.time_zone)

    @property
    def end(self) -> dt.datetime:
        return day_start(self.date_to + dt.timedelta(days=1), self.organization.time_zone)

    # ---- reading the daily roll-up ----

    def _sums(self, group: str = "", extra: str = "") -> list[dict[str, Any]]:
        """The additive parts of the scope and period from ``FunnelDay``, grouped by the
        column ``group`` (none: one row), after settling the days that changed."""
        if self.team_ids is None and self.user_id is None:  # the whole organization
            people = group in ("owner_id", "source_sdr_id")
            grain = FunnelGrain.PERSON if people else FunnelGrain.ORGANIZATION
        else:
            grain = FunnelGrain.DETAIL
        where = ["organization_id = %s", "grain = %s", "day >= %s", "day <= %s"]
        params: list[Any] = [self.organization.pk, int(grain), self.date_from, self.date_to]
        if self.team_ids is not None:
            # an opportunity counts for its owner's team and its source SDR's team, once; a
            # lead row has no source team
            ids = sorted(self.team_ids) or [0]
            marks = ", ".join(["%s"] * len(ids))
            where.append(f"(team_id IN ({marks}) OR source_team_id IN ({marks}))")
            params += [*ids, *ids]
        if self.user_id is not None:
            where.append("(owner_id = %s OR source_sdr_id = %s)")
            params += [self.user_id, self.user_id]
        if extra:
            where.append(extra)
        select = ", ".join(f"{expression} AS {name}" for name, expression in SUMS)
        key = f"{group} AS grouped, " if group else ""
        sql = f"SELECT {key}{select} FROM {ROLLUP} WHERE {' AND '.join(where)}"
        if group:
            sql += f" GROUP BY {group}"
        with analytic_reads():
            days_settle(self.organization)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                names = [column[0] for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def metrics(self) -> tuple[FunnelMetrics, list[PlayMetrics]]:
        """Every metric for the whole scope, and the engagement mode per play."""
        totals = FunnelCounts()
        by_play: dict[int | None, PlayMetrics] = {}
        for row in self._sums("play_id"):
            totals.add(row)
            if int(row["created_all"] or 0) + int(row["won"] or 0) + int(row["lost"] or 0):
                play = PlayMetrics(row["grouped"], "", "")
                play.opportunities = int(row["created_all"] or 0)
                play.won = int(row["won"] or 0)
                play.lost = int(row["lost"] or 0)
                play.revenue = _money(row["closed_won_revenue"])
                by_play[play.play_id] = play
        plays = {p.pk: p for p in Play.objects.filter(organization=self.organization)}
        for key, play_row in by_play.items():
            play_row.code = plays[key].code if key in plays else ""
            play_row.label = plays[key].name if key in plays else "—"
        metrics = FunnelMetrics(totals, len(self.headcount(FunnelRole.SDR)))
        ordered = sorted(by_play.values(), key=lambda p: (p.play_id is None, p.label))
        return metrics, ordered

    def people(self) -> dict[int, FunnelMetrics]:
        """The metrics of each person in scope (the same as asking for that person alone):
        a lead counts for its owner; an opportunity for its owner and, when that is someone
        else, for its source SDR."""
        result: dict[int, FunnelMetrics] = {}
        someone_else = "(owner_id IS NULL OR owner_id <> source_sdr_id)"
        for group, extra in (
            ("owner_id", "owner_id IS NOT NULL"),
            ("source_sdr_id", f"source_sdr_id IS NOT NULL AND {someone_else}"),
        ):
            for row in self._sums(group, extra):
                result.setdefault(row["grouped"], FunnelMetrics()).counts.add(row)
        sdrs = self.headcount(FunnelRole.SDR)
        for person in sdrs | self.headcount(FunnelRole.AE):
            result.setdefault(person, FunnelMetrics())
        if self.team_ids is not None:
            members = set(
                User.objects.filter(pk__in=list(result), team_id__in=self.team_ids).values_list(
                    "pk", flat=True
                )
            )
            result = {pk: row for pk, row in result.items() if pk in members}
        if self.user_id is not None:
            result = {pk: row for pk, row in result.items() if pk == self.user_id}
        for person, person_metrics in result.items():
            person_metrics.sdr_headcount = 1 if person in sdrs else 0
        return result

    def trend(self, size: str) -> list[tuple[Bucket, FunnelMetrics]]:
        """The metrics week by week or month by month (each bucket clipped to the period)."""
        periods = buckets(self.date_from, self.date_to, size)
        result = [FunnelMetrics() for _ in periods]
        lasts = [period.last for period in periods]
        for row in self._sums("day"):
            day = row["grouped"]
            if isinstance(day, str):  # SQLite
                day = dt.date.fromisoformat(day)
            result[bisect_left(lasts, day)].counts.add(row)
        spells = self._spells(FunnelRole.SDR)
        for index, period in enumerate(periods):
            result[index].sdr_headcount = len(_holding(spells, period.first, period.last))
        return list(zip(periods, result, strict=True))

    # ---- headcount ----

    def _spells(self, role: str) -> list[tuple[int, dt.date, dt.date | None]]:
        """(user, from, until) of everyone holding ``role`` in scope, from recorded periods
        and, for role holders without any recorded period, from the day they joined."""
        spells = RoleSpell.objects.filter(organization=self.organization, role=role)
        people = User.objects.filter(organization=self.organization)
        if self.team_ids is not None:
            people = people.filter(team_id__in=self.team_ids)
        if self.user_id is not None:
            people = people.filter(pk=self.user_id)
        spells = spells.filter(user__in=people)
        rows = list(spells.values_list("user_id", "started_on", "ended_on"))
        recorded = {user_id for user_id, _s, _e in rows}
        holders = (
            people.filter(is_active=True, roles__role=role)
            .exclude(pk__in=recorded)
            .values_list("pk", "date_joined")
        )
        zone = self.organization.time_zone
        for user_id, joined in holders:
            rows.append((user_id, _local_date(joined, zone), None))
        return rows

    def headcount(self, role: str) -> set[int]:
        return _holding(self._spells(role), self.date_from, self.date_to)


def _local_date(moment: dt.datetime, zone: str) -> dt.date:
    return local_date(moment, zone)


def _holding(
    spells: Iterable[tuple[int, dt.date, dt.date | None]], first: dt.date, last: dt.date
) -> set[int]:
    return {
        user_id
        for user_id, started, ended in spells
        if started <= last and (ended is None or ended >= first)
    }


__all__ = ["AE_PACK", "METRICS", "SDR_PACK", "FunnelMetrics", "FunnelQuery", "PlayMetrics"]
