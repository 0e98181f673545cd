"""What scoring reads besides the leads themselves (SPEC §5): the profile in the rules' terms,
the title synonyms, the region tree, the industries the seller has won and those with a
reference customer, and, for the tests and the benchmark, each lead's facts read one by one
through the ORM (``reference_facts``, the independent path the SQL is checked against).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from patron.companies.models import Company, Region
from patron.funnel.choices import OpportunityStatus
from patron.funnel.models import Opportunity
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, LeadInvolvement, TitleSynonym, TriggerEvent
from patron.prospecting.rules import LeadFacts, Profile, title_key
from patron.sales.models import COUNTED_STATUSES, Order


def today_for(organization_time_zone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(organization_time_zone)).date()


def profile_rules(profile: IcpProfile) -> Profile:
    """The rules' view of a stored profile (title targets keyed by canonical title key)."""
    synonyms = synonym_map(profile.organization_id)
    targets: dict[str, dict[str, Any]] = {
        "industry": {},
        "title": {},
        "territory": {},
        "trigger": {},
    }
    for target in profile.targets.order_by("id"):
        if target.dimension == "title":
            key = title_key(target.value, synonyms)
            if key and key not in targets["title"]:
                targets["title"][key] = (target.value, target.priority)
        else:
            targets[target.dimension][target.value] = target.priority
    return Profile(
        weights={
            "industry": profile.industry_weight,
            "title": profile.title_weight,
            "territory": profile.territory_weight,
            "trigger": profile.trigger_weight,
        },
        industries=targets["industry"],
        titles=targets["title"],
        territories=targets["territory"],
        triggers=targets["trigger"],
        trigger_days=profile.trigger_days,
    )


def synonym_map(organization_id: int) -> dict[str, str]:
    return dict(
        TitleSynonym.objects.filter(organization_id=organization_id).values_list(
            "variant_key", "canonical_key"
        )
    )


def region_chains() -> dict[int, tuple[str, ...]]:
    """Every region's code followed by its ancestors' codes (the tree is small)."""
    rows = {
        pk: (code, parent)
        for pk, code, parent in Region.objects.values_list("id", "code", "parent_id")
    }
    chains: dict[int, tuple[str, ...]] = {}
    for pk in rows:
        chain: list[str] = []
        seen: set[int] = set()
        current: int | None = pk
        while current is not None and current not in seen and current in rows:
            seen.add(current)
            chain.append(rows[current][0])
            current = rows[current][1]
        chains[pk] = tuple(chain)
    return chains


def seller_won_industries(seller_id: int) -> set[str]:
    """Industries of the companies this seller won an order (paid or open) or an
    opportunity from (as its AE owner or its source SDR)."""
    ordered = Order.objects.filter(seller_id=seller_id, status__in=COUNTED_STATUSES).values_list(
        "company__industry", flat=True
    )
    won = (
        Opportunity.objects.filter(status=OpportunityStatus.WON, company__isnull=False)
        .filter(Q(owner_id=seller_id) | Q(source_sdr_id=seller_id))
        .values_list("company__industry", flat=True)
    )
    return {value for value in [*ordered.distinct(), *won.distinct()] if value}


def reference_industries(organization_id: int) -> set[str]:
    return {
        value
        for value in Company.objects.filter(organization_id=organization_id, is_reference=True)
        .values_list("industry", flat=True)
        .distinct()
        if value
    }


def reference_facts(*, seller_id: int, lead_ids: Sequence[int]) -> list[LeadFacts]:
    """The rules' inputs for a few leads, read one by one through the ORM: the independent
    path the tests and the benchmark check the SQL against (never used on a hot path)."""
    leads = list(Lead.objects.filter(id__in=lead_ids).order_by("id"))
    if not leads:
        return []
    organization_id = leads[0].organization_id
    chains = region_chains()
    synonyms = synonym_map(organization_id)
    won = seller_won_industries(seller_id)
    references = reference_industries(organization_id)
    involved = set(
        LeadInvolvement.objects.filter(seller_id=seller_id, lead_id__in=lead_ids).values_list(
            "lead_id", flat=True
        )
    )
    facts = []
    for lead in leads:
        events = TriggerEvent.objects.filter(
            Q(lead_id=lead.pk) | Q(company_id=lead.company_id)
            if lead.company_id is not None
            else Q(lead_id=lead.pk)
        )
        facts.append(
            LeadFacts(
                lead_id=lead.pk,
                created_at=lead.created_at,
                industry=lead.industry,
                title_key=title_key(lead.title, synonyms),
                region_chain=chains.get(lead.region_id, ()) if lead.region_id else (),
                triggers=[(event.type, event.occurred_on) for event in events],
                seller_won_in_industry=lead.industry in won,
                reference_in_industry=lead.industry in references,
                involved=lead.pk in involved,
            )
        )
    return facts
