"""Conversion and refinement (SPEC §5, "Refine the model"), counted set-based in SQL.

- **listed**: the seller's in-target leads (the call list).
- **called**: listed leads with at least one call activity.
- **converted**: called leads that became a paying customer — the lead's company has a paid
  order dated on or after the day the lead was created (organization time zone) — or that have
  a won opportunity (``Opportunity.lead``).
- **conversion** = converted ÷ called, against the goal of 1 in 10 (``refine_rules``).

Counts are grouped in the database by seller and score band; team and organization lines add
up the seller lines. Lift per criterion value is measured on one seller's called leads from the
matched-value columns of ``LeadScore`` (one GROUP BY per dimension), and the proposal rule of
``refine_rules`` turns it into new priorities that ``refine_accept`` saves as a new profile
version (re-scoring the list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.activities.models import Activity, ActivityKind
from patron.core.errors import Conflict, ValidationFailed
from patron.funnel.choices import OpportunityStatus
from patron.funnel.models import Opportunity
from patron.prospecting.choices import Dimension
from patron.prospecting.models import IcpProfile, LeadScore
from patron.prospecting.refine_rules import (
    BANDS,
    Split,
    below_goal,
    conversion,
    proposed_priority,
    split_of,
)
from patron.prospecting.services import profile_save
from patron.sales.models import Order, OrderStatus

# the LeadScore column holding the matched value of each profile dimension
DIMENSION_COLUMNS = {
    Dimension.INDUSTRY.value: "industry",
    Dimension.TITLE.value: "title_target",
    Dimension.TERRITORY.value: "territory_target",
    Dimension.TRIGGER.value: "trigger_type",
}
# the fixed terms of the score: (term, points column)
FIXED_TERMS = (
    ("won_in_industry", "won_points"),
    ("reference", "reference_points"),
    ("involved", "involved_points"),
)


# --- counting ------------------------------------------------------------------------------


def _band_case() -> Case:
    return Case(
        *[When(score__lte=high, then=Value(label)) for label, _low, high in BANDS[:-1]],
        default=Value(BANDS[-1][0]),
    )


def listed_leads(organization_id: int, seller_ids: Iterable[int], time_zone: str) -> QuerySet:
    """The sellers' in-target scores annotated with ``is_called`` and ``is_converted``."""
    calls = Activity.objects.filter(lead_id=OuterRef("lead_id"), kind=ActivityKind.CALL)
    paid = Order.objects.filter(
        company_id=OuterRef("lead__company_id"),
        status=OrderStatus.PAID,
        order_date__gte=OuterRef("lead_created_on"),
    )
    won = Opportunity.objects.filter(lead_id=OuterRef("lead_id"), status=OpportunityStatus.WON)
    return (
        LeadScore.objects.filter(
            organization_id=organization_id, seller_id__in=list(seller_ids), in_target=True
        )
        .annotate(lead_created_on=TruncDate("lead__created_at", tzinfo=ZoneInfo(time_zone)))
        .annotate(is_called=Exists(calls), is_converted=Exists(paid) | Exists(won))
    )


def _counts() -> dict[str, Any]:
    return {
        "listed": Count("pk"),
        "called": Count("pk", filter=Q(is_called=True)),
        "converted": Count("pk", filter=Q(is_called=True, is_converted=True)),
    }


@dataclass(frozen=True)
class ConversionLine:
    key: str
    label: str
    listed: int = 0
    called: int = 0
    converted: int = 0

    @property
    def conversion(self) -> Fraction | None:
        return conversion(self.converted, self.called)

    @property
    def below_goal(self) -> bool:
        return below_goal(self.conversion)

    def plus(self, other: ConversionLine) -> ConversionLine:
        return ConversionLine(
            self.key,
            self.label,
            self.listed + other.listed,
            self.called + other.called,
            self.converted + other.converted,
        )

    def as_dict(self) -> dict[str, Any]:
        rate = self.conversion
        return {
            "key": self.key,
            "label": self.label,
            "listed": self.listed,
            "called": self.called,
            "converted": self.converted,
            "conversion": None if rate is None else round(float(rate), 4),
            "below_goal": self.below_goal,
        }


@dataclass
class SellerConversion:
    seller: User
    total: ConversionLine
    bands: list[ConversionLine]


@dataclass
class ConversionReport:
    total: ConversionLine
    bands: list[ConversionLine]
    teams: list[ConversionLine]
    sellers: list[SellerConversion] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "goal": 0.1,
            "total": self.total.as_dict(),
            "bands": [line.as_dict() for line in self.bands],
            "teams": [line.as_dict() for line in self.teams],
            "sellers": [
                {
                    "seller": item.seller.pk,
                    "username": item.seller.username,
                    **item.total.as_dict(),
                    "bands": [line.as_dict() for line in item.bands],
                }
                for item in self.sellers
            ],
        }


def _empty_bands() -> dict[str, ConversionLine]:
    return {label: ConversionLine(label, label) for label, _low, _high in BANDS}


def conversion_report(*, organization: Any, sellers: list[User]) -> ConversionReport:
    """Listed, called, converted and conversion per seller, team and score band (one query)."""
    by_seller: dict[int, dict[str, ConversionLine]] = {s.pk: _empty_bands() for s in sellers}
    rows = (
        listed_leads(organization.pk, by_seller, organization.time_zone)
        .annotate(band=_band_case())
        .values("seller_id", "band")
        .annotate(**_counts())
        .order_by()
    )
    for row in rows:
        by_seller[row["seller_id"]][row["band"]] = ConversionLine(
            row["band"], row["band"], row["listed"], row["called"], row["converted"]
        )
    organization_bands = _empty_bands()
    teams: dict[str, ConversionLine] = {}
    report_sellers = []
    total = ConversionLine("all", _("All sellers"))
    for seller in sellers:
        bands = list(by_seller[seller.pk].values())
        line = ConversionLine(seller.username, str(seller))
        for band in bands:
            line = line.plus(band)
            organization_bands[band.key] = organization_bands[band.key].plus(band)
        report_sellers.append(SellerConversion(seller, line, bands))
        total = total.plus(line)
        team_name = seller.team.name if seller.team is not None else _("No team")
        teams[team_name] = teams.get(team_name, ConversionLine(team_name, team_name)).plus(line)
    return ConversionReport(
        total=total,
        bands=list(organization_bands.values()),
        teams=[teams[name] for name in sorted(teams)],
        sellers=report_sellers,
    )


# --- lift and proposals ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lift:
    dimension: str  # a profile dimension or a fixed term
    value: str
    split: Split

    def as_dict(self) -> dict[str, Any]:
        split = self.split
        return {
            "dimension": self.dimension,
            "value": self.value,
            "called_with": split.called_with,
            "converted_with": split.converted_with,
            "called_without": split.called_without,
            "converted_without": split.converted_without,
            "conversion_with": _float(split.rate_with),
            "conversion_without": _float(split.rate_without),
            "lift": _float(split.lift),
        }


@dataclass(frozen=True)
class Proposal:
    dimension: str
    value: str
    current: int
    proposed: int
    own_priority: int | None  # the target's own priority now (None: the dimension weight)
    split: Split

    @property
    def is_change(self) -> bool:
        return self.proposed != self.current

    def as_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "value": self.value,
            "current": self.current,
            "proposed": self.proposed,
            "lift": _float(self.split.lift),
            "is_change": self.is_change,
        }


def _float(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def seller_lifts(*, seller: User) -> list[Lift]:
    """For every matched value on the seller's called leads: conversion with and without it."""
    organization = seller.organization
    called = listed_leads(organization.pk, [seller.pk], organization.time_zone).filter(
        is_called=True
    )
    totals = called.aggregate(
        called=Count("pk"), converted=Count("pk", filter=Q(is_converted=True))
    )
    lifts: list[Lift] = []

    def add(dimension: str, value: str, called_with: int, converted_with: int) -> None:
        split = split_of(
            called_with=called_with,
            converted_with=converted_with,
            called_total=totals["called"],
            converted_total=totals["converted"],
        )
        lifts.append(Lift(dimension, value, split))

    for dimension, column in DIMENSION_COLUMNS.items():
        rows = (
            called.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("pk"), won=Count("pk", filter=Q(is_converted=True)))
            .order_by(column)
        )
        for row in rows:
            add(dimension, row[column], row["n"], row["won"])
    fixed = called.aggregate(
        **{
            f"{term}_n": Count("pk", filter=Q(**{f"{column}__gt": 0}))
            for term, column in FIXED_TERMS
        },
        **{
            f"{term}_won": Count("pk", filter=Q(**{f"{column}__gt": 0}, is_converted=True))
            for term, column in FIXED_TERMS
        },
    )
    for term, _column in FIXED_TERMS:
        if fixed[f"{term}_n"]:
            add(term, "", fixed[f"{term}_n"], fixed[f"{term}_won"])
    return lifts


def seller_proposals(*, seller: User, lifts: list[Lift] | None = None) -> list[Proposal]:
    """A proposed priority for every target value of the seller's profile."""
    profile = IcpProfile.objects.filter(seller=seller).prefetch_related("targets").first()
    if profile is None:
        return []
    lifts = seller_lifts(seller=seller) if lifts is None else lifts
    by_value = {(lift.dimension, lift.value): lift.split for lift in lifts}
    proposals = []
    for target in sorted(profile.targets.all(), key=lambda t: (t.dimension, t.id)):
        current = (
            profile.weight_of(target.dimension) if target.priority is None else target.priority
        )
        split = by_value.get((target.dimension, target.value), Split(0, 0, 0, 0))
        proposals.append(
            Proposal(
                dimension=target.dimension,
                value=target.value,
                current=current,
                proposed=proposed_priority(split, current),
                own_priority=target.priority,
                split=split,
            )
        )
    return proposals


@transaction.atomic
def refine_accept(*, seller: User, by: User, version: int) -> IcpProfile:
    """Save the proposed priorities as a new profile version (then the list is re-scored).

    ``version`` is the profile version the proposal was shown for: if the profile changed
    since, nothing is saved (the proposal must be looked at again)."""
    profile = IcpProfile.objects.select_for_update().filter(seller=seller).first()
    if profile is None or profile.version != version:
        reason = _("the profile changed since this proposal was made; look at it again")
        raise Conflict(f"version: {reason}", {"version": reason})
    proposals = seller_proposals(seller=seller)
    changes = [proposal for proposal in proposals if proposal.is_change]
    if not changes:
        reason = _("the proposal changes no priority")
        raise ValidationFailed(f"proposal: {reason}", {"proposal": reason})
    changed = {p.dimension for p in changes}
    targets: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for proposal in proposals:
        if proposal.dimension not in changed:
            continue
        priority = proposal.proposed if proposal.is_change else proposal.own_priority
        targets[proposal.dimension].append((proposal.value, priority))
    note = "; ".join(f"{p.dimension} {p.value}: {p.current}→{p.proposed}" for p in changes)
    return profile_save(
        seller=seller,
        targets=dict(targets),
        note=_("Accepted refinement: %(changes)s") % {"changes": note},
        actor=by,
    )
