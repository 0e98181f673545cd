"""The customer → account lifecycle of SPEC §2 as plain Python: the reference rules.

Months are integers (``patron.core.months.month_index``). Money is integer cents so that
every comparison is exact. The vectorised engine (``patron.lifecycle.engine``) implements the
same rules set-at-a-time; the tests check the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

PROSPECT = "prospect"
NEW_CUSTOMER = "new_customer"
ACCOUNT = "account"
VISITOR = "visitor"
LAPSED = "lapsed"

BECAME_CUSTOMER = "became_customer"
BECAME_ACCOUNT = "became_account"
BECAME_VISITOR = "became_visitor"
LAPSED_EVENT = "lapsed"
WON_BACK = "won_back"
RETURNED = "returned"
UPSOLD = "upsold"
CROSS_SOLD = "cross_sold"


@dataclass(frozen=True)
class MonthResult:
    month: int
    stage: str
    is_active: bool
    revenue: int
    families_owned: int
    events: dict[str, int] = field(default_factory=dict)  # kind → amount in cents


def classify_company(
    *,
    family_revenue: Mapping[int, Mapping[str, int]],
    active_months: set[int],
    through: int,
    lapse_months: int = 3,
    upsell_threshold: Fraction = Fraction(1, 5),
) -> list[MonthResult]:
    """Stage and events of one company for every month from its first order to ``through``.

    ``family_revenue`` maps the month of each counted order to revenue per product family
    (cents, by order date); ``active_months`` are the months with an order or a service period.
    Months before the first order are prospect and are not returned.
    """
    if not family_revenue:
        return []
    first = min(family_revenue)
    active = set(active_months) | set(family_revenue)
    first_family_month: dict[str, int] = {}
    for month in sorted(family_revenue):
        for family in family_revenue[month]:
            first_family_month.setdefault(family, month)
    revenue = {month: sum(by_family.values()) for month, by_family in family_revenue.items()}

    results: list[MonthResult] = []
    last_active_after_first: int | None = None
    previous_stage = PROSPECT
    for month in range(first, through + 1):
        is_active = month in active
        events: dict[str, int] = {}
        if month == first:
            stage = NEW_CUSTOMER
            events[BECAME_CUSTOMER] = 0
        else:
            if is_active:
                if last_active_after_first is None:
                    events[BECAME_ACCOUNT] = 0
                last_active_after_first = month
            if last_active_after_first is None:
                stage = VISITOR
                if month == first + 1:
                    events[BECAME_VISITOR] = 0
            elif is_active or month - last_active_after_first < lapse_months:
                stage = ACCOUNT
                if is_active and previous_stage == LAPSED:
                    events[WON_BACK] = 0
                if is_active and previous_stage == VISITOR:
                    events[RETURNED] = 0
            else:
                stage = LAPSED
                if month - last_active_after_first == lapse_months:
                    events[LAPSED_EVENT] = 0
            events.update(
                _expansion(
                    month, first, family_revenue, first_family_month, revenue, upsell_threshold
                )
            )
        owned = sum(1 for start in first_family_month.values() if start <= month)
        results.append(MonthResult(month, stage, is_active, revenue.get(month, 0), owned, events))
        previous_stage = stage
    return results


def _expansion(
    month: int,
    first: int,
    family_revenue: Mapping[int, Mapping[str, int]],
    first_family_month: Mapping[str, int],
    revenue: Mapping[int, int],
    upsell_threshold: Fraction,
) -> dict[str, int]:
    events: dict[str, int] = {}
    by_family = family_revenue.get(month, {})
    new_family_revenue = sum(
        amount for family, amount in by_family.items() if first_family_month[family] == month
    )
    if any(first_family_month[family] == month for family in by_family):
        events[CROSS_SOLD] = new_family_revenue
    owned_revenue = sum(
        amount for family, amount in by_family.items() if first_family_month[family] < month
    )
    window = range(max(first, month - 3), month)
    total = sum(revenue.get(m, 0) for m in window)
    average = Fraction(total, len(window))
    if average > 0 and owned_revenue > average * (1 + upsell_threshold):
        # the expansion: what the owned families brought above the trailing average (floored)
        events[UPSOLD] = (owned_revenue * len(window) - total) // len(window)
    return events
