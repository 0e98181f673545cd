"""Checks of ICP profile input, shared by the services (the API and the web show the same
messages). A fourth industry or title is refused naming the field."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from patron.companies.choices import Industry
from patron.companies.models import Region
from patron.core.errors import DomainError, ValidationFailed
from patron.prospecting.choices import TriggerType
from patron.prospecting.rules import MAX_TARGETS, normalize_title

# the name of each dimension's list in forms and the API
DIMENSION_FIELDS = {
    "industry": "industries",
    "title": "titles",
    "territory": "territories",
    "trigger": "trigger_types",
}
MAX_VALUE_LENGTH = 150


class TooManyTargets(DomainError):
    """A fourth industry or title: refused with 400, naming the field (SPEC §5)."""

    status_code = 400


def _refuse(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


def _check_value(dimension: str, field: str, value: str) -> None:
    if dimension == "industry" and value not in Industry.values:
        raise _refuse(field, _("unknown industry %(value)s") % {"value": value})
    if dimension == "trigger" and value not in TriggerType.values:
        raise _refuse(field, _("unknown trigger type %(value)s") % {"value": value})
    if dimension == "territory" and not Region.objects.filter(code=value).exists():
        raise _refuse(field, _("unknown region %(value)s") % {"value": value})
    if dimension == "title" and not normalize_title(value):
        raise _refuse(field, _("a title is needed"))
    if len(value) > MAX_VALUE_LENGTH:
        raise _refuse(field, _("at most %(count)d characters") % {"count": MAX_VALUE_LENGTH})


def clean_target_values(
    dimension: str, targets: Sequence[tuple[str, int | None]]
) -> list[tuple[str, int | None]]:
    """Strip, drop repeats (titles compare normalised), check each value and priority, and
    refuse more than the limit of the dimension."""
    field = DIMENSION_FIELDS[dimension]
    seen: set[str] = set()
    cleaned: list[tuple[str, int | None]] = []
    for raw, priority in targets:
        value = str(raw).strip()
        key = normalize_title(value) if dimension == "title" else value
        if key in seen:
            continue
        seen.add(key)
        _check_value(dimension, field, value)
        if priority is not None and priority not in (0, 1, 2):
            raise _refuse(field, _("priority of %(value)s must be 0, 1 or 2") % {"value": value})
        cleaned.append((value, priority))
    limit = MAX_TARGETS.get(dimension)
    if limit is not None and len(cleaned) > limit:
        if dimension == "industry":
            reason = _("at most %(count)d target industries; a fourth is refused")
        else:
            reason = _("at most %(count)d target titles; a fourth is refused")
        reason = reason % {"count": limit}
        raise TooManyTargets(f"{field}: {reason}", {field: reason})
    return cleaned


def check_weight(name: str, weight: object) -> int:
    field = f"{name}_weight"
    if not isinstance(weight, int) or isinstance(weight, bool) or weight not in (0, 1, 2):
        raise _refuse(field, _("a weight is 0, 1 or 2"))
    return weight


def check_trigger_days(days: object) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise _refuse("trigger_days", _("between 1 and 3650 days"))
    return days
