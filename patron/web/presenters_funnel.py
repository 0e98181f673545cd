"""Display rows for the funnel pages: metric labels and formats, tiles, chart data, the
sortable per-person table, SLA rows. Templates only print what these return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patron.funnel.metrics import AE_PACK, METRICS, SDR_PACK, FunnelMetrics
from patron.funnel.models import OpportunityStage
from patron.funnel.periods import Bucket
from patron.funnel.reports import FunnelReport, PersonRow
from patron.funnel.sla import SlaRow
from patron.web.presenters import (
    EMPTY,
    Tile,
    chart_locale,
    format_count,
    format_money,
    format_percent,
)

LABELS = {
    "leads": gettext_lazy("Leads"),
    "mqls": gettext_lazy("MQLs"),
    "mql_per_lead": gettext_lazy("MQL per lead"),
    "follow_up_rate": gettext_lazy("Follow-up rate"),
    "opportunities_created": gettext_lazy("Opportunities created"),
    "opps_per_mql": gettext_lazy("Opportunities per MQL"),
    "new_pipeline": gettext_lazy("New pipeline"),
    "pipeline_per_opp": gettext_lazy("Pipeline per opportunity"),
    "sdr_bookings": gettext_lazy("Bookings sourced by SDRs"),
    "pct_bookings_sdr": gettext_lazy("Share of bookings sourced by SDRs"),
    "sdr_headcount": gettext_lazy("SDR headcount"),
    "closed_won_revenue": gettext_lazy("Closed-won revenue"),
    "new_deals": gettext_lazy("New deals"),
    "asp": gettext_lazy("Average selling price"),
    "win_rate": gettext_lazy("Win rate"),
    "pct_reaching_stage_2": gettext_lazy("Share reaching stage 2"),
}
MONEY = {"new_pipeline", "pipeline_per_opp", "sdr_bookings", "closed_won_revenue", "asp"}
COUNTS = {"leads", "mqls", "opportunities_created", "sdr_headcount", "new_deals"}


def metric_text(name: str, value: Any) -> str:
    if name in MONEY:
        return format_money(value)
    if name in COUNTS:
        return format_count(value)
    return format_percent(value)


def metric_tiles(metrics: FunnelMetrics, names: Sequence[str]) -> list[Tile]:
    values = metrics.values()
    return [Tile(code=n, label=str(LABELS[n]), value=metric_text(n, values[n])) for n in names]


def packs(metrics: FunnelMetrics) -> list[tuple[str, list[Tile]]]:
    return [
        (_("SDR pack"), metric_tiles(metrics, SDR_PACK)),
        (_("AE pack"), metric_tiles(metrics, AE_PACK)),
    ]


def funnel_chart(report: FunnelReport) -> dict[str, Any]:
    """Lead → MQL → opportunity → stage 2 → won, as counts of the period."""
    counts = report.metrics.counts
    steps = [
        (_("Leads"), counts.leads),
        (_("MQLs"), counts.mqls),
        (_("Opportunities"), counts.created_all),
        (_("Reached stage 2"), counts.reached_stage_2),
        (_("Won"), counts.won),
    ]
    return {
        "locale": chart_locale(),
        "steps": [{"name": str(name), "value": value} for name, value in steps],
    }


TREND_SERIES = ("leads", "mqls", "opportunities_created", "new_deals")


def trend_chart(trend: Sequence[tuple[Bucket, FunnelMetrics]]) -> dict[str, Any]:
    return {
        "locale": chart_locale(),
        "periods": [period.label for period, _m in trend],
        "series": [
            {
                "key": name,
                "name": str(LABELS[name]),
                "data": [getattr(metrics, name) for _p, metrics in trend],
            }
            for name in TREND_SERIES
        ]
        + [
            {
                "key": "win_rate",
                "name": str(LABELS["win_rate"]),
                "data": [
                    None if m.win_rate is None else round(m.win_rate * 100, 1) for _p, m in trend
                ],
                "percent": True,
            }
        ],
    }


@dataclass(frozen=True)
class PersonLine:
    user_id: int
    label: str
    team: str
    cells: list[str]

    @property
    def cells_html(self) -> SafeString:
        """The row's metric cells (17 per person, 140 people: one join, not a template loop)."""
        return mark_safe("".join(f'<td class="num">{escape(cell)}</td>' for cell in self.cells))  # noqa: S308


def _sort_key(name: str, descending: bool) -> Callable[[PersonRow], Any]:
    def key(row: PersonRow) -> Any:
        if name == "name":
            return (0, row.label)
        value = getattr(row.metrics, name)
        if value is None:
            return (1, 0)  # nulls last in both directions
        number = float(value) if isinstance(value, Decimal | float | int) else 0
        return (0, -number if descending else number)

    return key


def people_lines(rows: Sequence[PersonRow], sort: str, descending: bool) -> list[PersonLine]:
    if sort not in METRICS and sort != "name":
        sort = "name"
    ordered = sorted(rows, key=_sort_key(sort, descending))
    if sort == "name" and descending:
        ordered.reverse()
    return [
        PersonLine(
            user_id=row.user.pk,
            label=row.label,
            team=row.team_label,
            cells=[metric_text(name, getattr(row.metrics, name)) for name in METRICS],
        )
        for row in ordered
    ]


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    query: str  # the query string that sorts by this column
    state: str  # "", "asc" or "desc"


def sort_columns(base: dict[str, str], sort: str, descending: bool) -> list[SortColumn]:
    from django.utils.http import urlencode

    columns = []
    for key in ("name", *METRICS):
        label = _("Person") if key == "name" else str(LABELS[key])
        active = key == sort
        next_descending = not descending if active else key != "name"
        query = urlencode({**base, "sort": key, "dir": "desc" if next_descending else "asc"})
        state = ("desc" if descending else "asc") if active else ""
        columns.append(SortColumn(key, label, query, state))
    return columns


@dataclass(frozen=True)
class SlaLine:
    label: str
    team: str
    met: int
    breached: int
    at_risk: int
    open: int
    compliance: str


def sla_lines(rows: Sequence[SlaRow]) -> list[SlaLine]:
    return [
        SlaLine(
            label=row.label,
            team=row.team_label,
            met=row.met,
            breached=row.breached,
            at_risk=row.at_risk,
            open=row.open,
            compliance=format_percent(row.compliance),
        )
        for row in rows
    ]


def hours_text(minutes: int) -> str:
    """``125`` → ``2 h 5 min``; negative values read as overdue."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60} h {minutes % 60} min"


__all__ = ["EMPTY", "LABELS", "metric_text"]


def stage_options(stages: Sequence[OpportunityStage], selected: int) -> SafeString:
    """The ``<option>`` list of a board card's move menu, ``selected`` chosen."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((stage.pk, " selected" if stage.pk == selected else "", str(stage)) for stage in stages),
    )
