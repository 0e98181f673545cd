"""Display helpers of the call list and the refine page: score breakdowns, outcome keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True)
class Labels:
    """Translated labels looked up once per request (lazy labels cost a gettext each)."""

    industries: dict[str, str]
    triggers: dict[str, str]
    terms: dict[str, str]
    regions: dict[str, Region]


def labels_for(region_codes: Iterable[str]) -> Labels:
    return Labels(
        industries={code: str(label) for code, label in Industry.choices},
        triggers={code: str(label) for code, label in TriggerType.choices},
        terms={term: str(label) for term, label in TERM_LABELS.items()},
        regions=regions_by_code(region_codes),
    )


def value_text(dimension: str, value: str, labels: Labels) -> str:
    """A target value as a person reads it: industry and trigger labels, region names."""
    if not value:
        return ""
    if dimension in ("industry", "won_in_industry", "reference"):
        return labels.industries.get(value, value)
    if dimension == "territory":
        region = labels.regions.get(value)
        return region_name(region) if region is not None else value
    if dimension == "trigger":
        kind, _space, day = value.partition(" ")
        return f"{labels.triggers.get(kind, kind)} {day}".strip()
    return value


def breakdown_lines(terms: list[dict[str, Any]], labels: Labels) -> list[str]:
    """``["+2 industry Manufacturing", "+1 title IT manager", …]``."""
    lines = []
    for term in terms:
        label = labels.terms.get(term["term"], term["term"])
        text = value_text(term["term"], str(term["value"]), labels)
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
    labels = labels_for(lift.value for lift in lifts if lift.dimension == "territory")
    rows = []
    for lift in lifts:
        split = lift.split
        value = split.lift
        rows.append(
            {
                "dimension": lift.dimension,
                "label": labels.terms.get(lift.dimension, lift.dimension),
                "value": value_text(lift.dimension, lift.value, labels),
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
    labels = labels_for(p.value for p in proposals if p.dimension == "territory")
    return [
        {
            "proposal": proposal,
            "label": labels.terms.get(proposal.dimension, proposal.dimension),
            "value": value_text(proposal.dimension, proposal.value, labels),
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


# --- the call list's data for the script (one panel filled per lead) -------------------------


def call_data(
    call: dict[str, Any], outcome_labels: dict[str, str], zone: ZoneInfo
) -> dict[str, Any]:
    """A call (``call_list.CALL_FIELDS``) as the panel's history shows it, in the
    organization's time zone."""
    when = call["occurred_at"].astimezone(zone)
    full_name = f"{call['user__first_name']} {call['user__last_name']}".strip()
    return {
        "outcome": call["outcome"],
        "label": outcome_labels.get(call["outcome"], call["outcome"]),
        "when": f"{when:%Y-%m-%d %H:%M}",
        "user": call["user__display_name"] or full_name or call["user__username"],
        "note": call["note"],
        "next_step": call["next_step"],
        "next_step_on": call["next_step_on"].isoformat() if call["next_step_on"] else "",
    }


def activity_call_data(activity: Any, zone: ZoneInfo) -> dict[str, Any]:
    """:func:`call_data` of a saved call activity."""
    user = activity.user
    values = {
        "outcome": activity.outcome,
        "occurred_at": activity.occurred_at,
        "note": activity.note,
        "next_step": activity.next_step,
        "next_step_on": activity.next_step_on,
        "user__username": user.username,
        "user__display_name": user.display_name,
        "user__first_name": user.first_name,
        "user__last_name": user.last_name,
    }
    return call_data(values, outcome_labels(), zone)


def outcome_labels() -> dict[str, str]:
    return {code: str(label) for code, label in CallOutcome.choices}


def lead_rows(rows: list[Any], log_url: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Everything the panel shows for each lead of a page, as plain values."""
    labels = labels_for(row.score.territory_target for row in rows)
    outcomes = outcome_labels()
    data = []
    for row in rows:
        score, lead = row.score, row.lead
        data.append(
            {
                "id": lead.pk,
                "cursor": row.cursor,
                "log_url": log_url.replace("/0/", f"/{lead.pk}/"),
                "company": lead.company_name,
                "contact": lead.contact_name,
                "title": lead.title,
                "phone": lead.phone,
                "email": lead.email,
                "industry": labels.industries.get(lead.industry, ""),
                "region": region_name(lead.region) if lead.region_id else "",
                "score": score.score,
                "starred": score.starred,
                "version": score.profile_version,
                "in_target": score.in_target,
                "breakdown": breakdown_lines(score.breakdown, labels),
                "out_reasons": out_reason_lines(score.out_reason_list),
                "calls": [call_data(call, outcomes, zone) for call in row.calls],
            }
        )
    return data
