"""Which leads a change of a profile's target values can re-score (SPEC §5).

Adding or removing a target industry, title, territory or trigger type (or changing one
value's priority) changes the score only of the leads holding that value: the leads of the
industry, the leads whose title means the title, the leads in a region inside the territory,
the leads with a trigger of the type (their own or their company's). ``affected_leads``
turns the difference of two profile snapshots into one SQL condition on those leads, so the
re-score reads and compares just them; every other lead's row would come out identical.

A change that reaches every lead gives ``None`` (score the whole list): a dimension that gains
its first target or loses its last (each lead's in-target filter changes), a new trigger
window.
"""

from __future__ import annotations

from typing import Any

from patron.leads.models import Lead
from patron.prospecting.models import TriggerEvent
from patron.prospecting.rules import title_key
from patron.prospecting.score_inputs import region_chains

FILTERED = ("industry", "title", "territory")  # the dimensions that decide "in target"


def effective_targets(snapshot: dict[str, Any], synonyms: dict[str, str]) -> dict[str, dict]:
    """Per dimension, each target value → what it scores: its priority (or the dimension's
    weight); titles keyed by their canonical key → (display title, priority), the first
    target of a key counting, as ``score_inputs.profile_rules`` does."""
    weights = snapshot["weights"]
    result: dict[str, dict] = {name: {} for name in (*FILTERED, "trigger")}
    for target in snapshot["targets"]:
        dimension, value, own = target["dimension"], target["value"], target["priority"]
        priority = weights[dimension] if own is None else own
        if dimension == "title":
            key = title_key(value, synonyms)
            if key and key not in result["title"]:
                result["title"][key] = (value, priority)
        else:
            result[dimension][value] = priority
    return result


def _changed(before: dict, after: dict) -> set:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def affected_leads(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    synonyms: dict[str, str],
    seller_id: int,
    organization_id: int,
) -> tuple[str, list[Any]] | None:
    """An SQL condition on the lead ``l`` selecting every lead whose score may differ
    between the two snapshots, or ``None`` when that is every lead."""
    if before["trigger_days"] != after["trigger_days"]:
        return None
    old, new = effective_targets(before, synonyms), effective_targets(after, synonyms)
    if any(bool(old[name]) != bool(new[name]) for name in FILTERED):
        return None
    terms: list[str] = []
    params: list[Any] = []

    def add(sql: str, values: list[Any]) -> None:
        if values:
            terms.append(sql.format(", ".join(["%s"] * len(values))))
            params.extend(values)

    add("l.industry IN ({})", sorted(_changed(old["industry"], new["industry"])))
    keys = _changed(old["title"], new["title"])
    if keys:
        titles = Lead.objects.filter(owner_id=seller_id).values_list("title", flat=True).distinct()
        add("l.title IN ({})", sorted(t for t in titles if title_key(t, synonyms) in keys))
    codes = _changed(old["territory"], new["territory"])
    if codes:
        add(
            "l.region_id IN ({})",
            sorted(pk for pk, chain in region_chains().items() if codes.intersection(chain)),
        )
    kinds = sorted(_changed(old["trigger"], new["trigger"]))
    if kinds:
        events = TriggerEvent._meta.db_table
        marks = ", ".join(["%s"] * len(kinds))
        terms.append(
            f"l.id IN (SELECT lead_id FROM {events} WHERE organization_id = %s"
            f" AND type IN ({marks}) AND lead_id IS NOT NULL)"
            f" OR l.company_id IN (SELECT company_id FROM {events} WHERE organization_id = %s"
            f" AND type IN ({marks}) AND company_id IS NOT NULL)"
        )
        params.extend([organization_id, *kinds, organization_id, *kinds])
    if not terms:
        return "1 = 0", []
    return "(" + " OR ".join(f"({term})" for term in terms) + ")", params
