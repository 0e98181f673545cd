"""Human-readable breakdowns of a stored score, in the active language:
"+2 industry Manufacturing, +1 title IT manager, +2 trigger Merger 2026-10-02, …"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from patron.companies.choices import Industry
from patron.companies.models import Region
from patron.prospecting.choices import OutReason, TriggerType


def _industry(value: str) -> str:
    return str(Industry(value).label) if value in Industry.values else value


def _region(code: str, names: dict[str, str] | None) -> str:
    if names is not None and code in names:
        return names[code]
    region = Region.objects.filter(code=code).only("name").first()
    return region.name if region is not None else code


def term_lines(score: Any, region_names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The breakdown as ``{term, value, points, text}`` dicts (``text`` is translated)."""
    lines = []
    for term in score.breakdown:
        points, value = term["points"], term["value"]
        if term["term"] == "industry":
            text = _("industry %(value)s") % {"value": _industry(value)}
        elif term["term"] == "title":
            text = _("title %(value)s") % {"value": value}
        elif term["term"] == "territory":
            text = _("territory %(value)s") % {"value": _region(value, region_names)}
        elif term["term"] == "trigger":
            kind = str(TriggerType(score.trigger_type).label)
            text = _("trigger %(type)s %(date)s") % {
                "type": kind,
                "date": score.trigger_on.isoformat(),
            }
        elif term["term"] == "won_in_industry":
            text = _("won before in industry")
        elif term["term"] == "reference":
            text = _("reference customer in industry")
        else:
            text = _("personally involved")
        lines.append({**term, "text": f"+{points} {text}"})
    return lines


def breakdown_text(score: Any, region_names: dict[str, str] | None = None) -> str:
    return ", ".join(line["text"] for line in term_lines(score, region_names))


def out_reasons_text(score: Any) -> str:
    return ", ".join(str(OutReason(code).label) for code in score.out_reason_list)


def region_names_for(scores: list[Any]) -> dict[str, str]:
    """One query for the names of the territories a page of scores matched, in the active
    language (the English name where a region has one)."""
    codes = {score.territory_target for score in scores if score.territory_target}
    regions = Region.objects.filter(code__in=codes).only("code", "name", "name_en")
    return {region.code: region.local_name for region in regions}
