"""Display helpers of the call list and the refine page: score breakdowns, outcome keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _

from patron.activities.models import CallOutcome
from patron.companies.choices import Industry
from patron.companies.models import Region
from patron.prospecting.choices import OutReason, TriggerType
from patron.web.presenters import EMPTY, region_name

# the keystroke of each outcome, in the order of the keys
OUTCOME_KEYS: tuple[tuple[str, str], ...] = (
    ("1", CallOutcome.CONNECTED),
    ("2", CallOutcome.NO_ANSWER),
    ("3", CallOutcome.MEETING_SET),
    ("4", CallOutcome.NOT_INTERESTED),
    ("5", CallOutcome.WRONG_PERSON),
)

TERM_LABELS = {
    "industry": _("industry"),
    "title": _("title"),
    "territory": _("territory"),
    "trigger": _("trigger"),
    "won_in_industry": _("won in industry"),
    "reference": _("reference customer in industry"),
    "involved": _("personally involved"),
}


@dataclass(frozen=True)
class Outcome:
    key: str
    code: str
    label: str


def outcomes() -> list[Outcome]:
    return [Outcome(key, str(code), str(CallOutcome(code).label)) for key, code in OUTCOME_KEYS]


def regions_by_code(codes: Iterable[str]) -> dict[str, Region]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {region.code: region for region in Region.objects.filter(code__in=wanted)}


def value_text(dimension: str, value: str, regions: dict[str, Region]) -> str:
    """A target value as a person reads it: industry and trigger labels, region names."""
    if not value:
        return ""
    if dimension in ("industry", "won_in_industry", "reference") and value in Industry.values:
        return str(Industry(value).label)
    if dimension == "territory":
        region = regions.get(value)
        return region_name(region) if region is not None else value
    if dimension == "trigger":
        kind, _space, day = value.partition(" ")
        label = str(TriggerType(kind).label) if kind in TriggerType.values else kind
        return f"{label} {day}".strip()
    return value


def breakdown_lines(terms: list[dict[str, Any]], regions: dict[str, Region]) -> list[str]:
    """``["+2 industry Manufacturing", "+1 title IT manager", …]``."""
    lines = []
    for term in terms:
        label = TERM_LABELS.get(term["term"], term["term"])
        text = value_text(term["term"], str(term["value"]), regions)
        lines.append(f"+{term['points']} {label} {text}".rstrip())
    return lines


def out_reason_lines(codes: list[str]) -> list[str]:
    return [str(OutReason(code).label) if code in OutReason.values else code for code in codes]


def percent(value: Fraction | float | None) -> str:
    if value is None:
        return EMPTY
    return f"{float(value) * 100:.1f}%"


def ratio(value: Fraction | float | None) -> str:
    if value is None:
        return EMPTY
    return f"{float(value):.2f}"


def lift_rows(lifts: list[Any]) -> list[dict[str, Any]]:
    regions = regions_by_code(lift.value for lift in lifts if lift.dimension == "territory")
    rows = []
    for lift in lifts:
        split = lift.split
        value = split.lift
        rows.append(
            {
                "dimension": lift.dimension,
                "label": TERM_LABELS.get(lift.dimension, lift.dimension),
                "value": value_text(lift.dimension, lift.value, regions),
                "split": split,
                "rate_with": percent(split.rate_with),
                "rate_without": percent(split.rate_without),
                "lift": ratio(value),
                "tone": ""
                if value is None
                else ("is-high" if value >= 1.5 else ("is-low" if value <= 0.67 else "")),
            }
        )
    return rows


def proposal_rows(proposals: list[Any]) -> list[dict[str, Any]]:
    regions = regions_by_code(p.value for p in proposals if p.dimension == "territory")
    return [
        {
            "proposal": proposal,
            "label": TERM_LABELS.get(proposal.dimension, proposal.dimension),
            "value": value_text(proposal.dimension, proposal.value, regions),
            "lift": ratio(proposal.split.lift),
            "called": proposal.split.called_with,
        }
        for proposal in proposals
    ]


def conversion_row(kind: str, line: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": line.key,
        "label": line.label,
        "listed": line.listed,
        "called": line.called,
        "converted": line.converted,
        "conversion": percent(line.conversion),
        "below_goal": line.below_goal,
    }


def conversion_rows(report: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        "total": [conversion_row("all", report.total)],
        "bands": [conversion_row("band", line) for line in report.bands],
        "teams": [conversion_row("team", line) for line in report.teams],
        "sellers": [conversion_row("seller", item.total) for item in report.sellers],
    }
