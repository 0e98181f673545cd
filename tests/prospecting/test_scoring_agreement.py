"""The set-based SQL scorer and the pure rules agree, on hand-made and on random data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from patron.prospecting import score_inputs, scoring, services
from patron.prospecting.models import IcpProfile, LeadScore
from patron.prospecting.rules import LeadFacts, rank_key, score_lead, title_key
from tests.prospecting.conftest import TODAY

INDUSTRIES = ["manufacturing", "retail", "software", "finance", "logistics", ""]
TITLES = [
    "CIO",
    "首席信息官",
    "Chief Information Officer",
    "IT经理",
    "ＩＴ　Manager",
    "it-manager",
    "Sales rep",
    "采购经理",
    "",
    "Purchasing Manager",
]
TRIGGERS = ["merger", "funding", "expansion", "tender", "new_executive"]


def _facts(lead: Any, seller: Any) -> LeadFacts:
    from patron.companies.models import Company
    from patron.prospecting.models import LeadInvolvement, TriggerEvent

    chains = score_inputs.region_chains()
    synonyms = score_inputs.synonym_map(lead.organization_id)
    events = TriggerEvent.objects.filter(lead=lead)
    if lead.company_id is not None:
        events = events | TriggerEvent.objects.filter(company_id=lead.company_id)
    won = score_inputs.seller_won_industries(seller.pk)
    references = set(Company.objects.filter(is_reference=True).values_list("industry", flat=True))
    return LeadFacts(
        lead_id=lead.pk,
        created_at=lead.created_at,
        industry=lead.industry,
        title_key=title_key(lead.title, synonyms),
        region_chain=chains.get(lead.region_id, ()),
        triggers=[(event.type, event.occurred_on) for event in events],
        seller_won_in_industry=lead.industry in won,
        reference_in_industry=lead.industry in references,
        involved=LeadInvolvement.objects.filter(seller=seller, lead=lead).exists(),
    )


def _assert_agree(seller: Any, leads: list[Any], today: dt.date = TODAY) -> None:
    from patron.prospecting.models import IcpProfile

    profile = IcpProfile.objects.get(seller=seller)
    rules = score_inputs.profile_rules(profile)
    stored = {row.lead_id: row for row in LeadScore.objects.filter(seller=seller)}
    assert set(stored) == {lead.pk for lead in leads}
    for lead in leads:
        expected = score_lead(rules, _facts(lead, seller), today)
        row = stored[lead.pk]
        got = (
            row.in_target,
            tuple(row.out_reason_list),
            row.score,
            row.industry_points,
            row.title_points,
            row.territory_points,
            row.trigger_points,
            row.won_points,
            row.reference_points,
            row.involved_points,
            row.title_target,
            row.territory_target,
            row.trigger_type,
            row.trigger_on,
            row.last_trigger_on,
            row.starred,
        )
        want = (
            expected.in_target,
            expected.out_reasons,
            expected.score,
            expected.industry_points,
            expected.title_points,
            expected.territory_points,
            expected.trigger_points,
            expected.won_points,
            expected.reference_points,
            expected.involved_points,
            expected.title_target,
            expected.territory_target,
            expected.trigger_type,
            expected.trigger_on,
            expected.last_trigger_on,
            expected.starred,
        )
        assert got == want
        assert row.rank_key == rank_key(expected.score, expected.last_trigger_on)


@pytest.mark.parametrize(("seed", "bulk"), [(1, False), (2, True), (3, False), (4, True)])
def test_sql_scorer_agrees_with_pure_rules_on_random_data(
    seed,
    bulk,
    monkeypatch,
    organization,
    regions,
    seller,
    user_factory,
    lead_factory,
    company_factory,
):
    if bulk:  # the whole-list path that drops and rebuilds the index
        monkeypatch.setattr(scoring, "BULK_ROWS", 1)
    from patron.funnel.models import Opportunity  # noqa: F401
    from patron.prospecting.models import LeadInvolvement, TriggerEvent
    from patron.sales.models import Order

    rng = random.Random(seed)
    services.synonyms_seed(organization=organization)
    region_list = [None, *regions.values()]
    companies = [
        company_factory(industry=rng.choice(INDUSTRIES), is_reference=rng.random() < 0.2)
        for _ in range(8)
    ]
    Order.objects.create(
        organization=organization,
        external_id="O1",
        company=companies[0],
        order_date=dt.date(2026, 1, 5),
        seller=seller,
        status="paid",
    )
    leads = [
        lead_factory(
            owner=seller,
            industry=rng.choice(INDUSTRIES),
            title=rng.choice(TITLES),
            region=rng.choice(region_list),
            company=rng.choice([None, *companies]),
        )
        for _ in range(60)
    ]
    for _ in range(40):
        TriggerEvent.objects.create(
            organization=organization,
            company=rng.choice(companies) if rng.random() < 0.5 else None,
            lead=rng.choice(leads) if rng.random() < 0.6 else leads[0],
            type=rng.choice(TRIGGERS),
            occurred_on=TODAY - dt.timedelta(days=rng.randint(-3, 130)),
        )
    for lead in rng.sample(leads, 6):
        LeadInvolvement.objects.create(organization=organization, seller=seller, lead=lead)
    pick = lambda values, k: [(v, rng.choice([None, 0, 1, 2])) for v in rng.sample(values, k)]  # noqa: E731
    services.profile_save(
        seller=seller,
        weights={name: rng.randint(0, 2) for name in ("industry", "title", "territory", "trigger")},
        targets={
            "industry": pick(INDUSTRIES[:5], rng.randint(0, 3)),
            "title": pick(["CIO", "IT manager", "Purchasing manager"], rng.randint(0, 3)),
            "territory": pick(["JS", "SH", "JS-SZ", "GD", "CN"], rng.randint(0, 3)),
            "trigger": pick(TRIGGERS, rng.randint(0, 4)),
        },
        trigger_days=rng.choice([30, 60, 90]),
        rescore=False,
    )
    assert services.score_seller(seller=seller, today=TODAY) == 60
    _assert_agree(seller, leads)
    # a partial re-score of a few leads gives the same rows
    LeadScore.objects.filter(lead__in=leads[:5]).delete()
    services.leads_rescore(
        organization=organization, lead_ids=[lead.pk for lead in leads[:5]], today=TODAY
    )
    _assert_agree(seller, leads)
    # a change of weights and industry/title priorities only (applied from the stored
    # matches when possible) gives the same rows as scoring from scratch
    services.score_seller(seller=seller)  # on the real date, as the profile change does
    profile = IcpProfile.objects.get(seller=seller)
    kept = {
        dimension: [
            (
                t.value,
                rng.choice([None, 0, 1, 2]) if dimension in ("industry", "title") else t.priority,
            )
            for t in profile.targets.filter(dimension=dimension).order_by("id")
        ]
        for dimension in ("industry", "title", "territory", "trigger")
    }
    services.profile_save(
        seller=seller,
        weights={
            "industry": rng.randint(0, 2),
            "title": rng.randint(0, 2),
            "territory": rng.randint(0, 2),
        },
        targets=kept,
    )
    _assert_agree(seller, leads, score_inputs.today_for(organization.time_zone))


@pytest.mark.parametrize("seed", [5, 6, 7, 8, 9])
def test_a_change_of_target_values_rescores_like_a_whole_list(
    seed, monkeypatch, organization, regions, seller, lead_factory, company_factory
):
    """New target values re-score only the leads holding a changed value; the list equals
    the pure rules, and rows of leads outside the change are not rewritten."""
    from patron.prospecting.models import LeadInvolvement, TriggerEvent

    rng = random.Random(seed)
    services.synonyms_seed(organization=organization)
    companies = [company_factory(industry=rng.choice(INDUSTRIES)) for _ in range(6)]
    leads = [
        lead_factory(
            owner=seller,
            industry=rng.choice(INDUSTRIES),
            title=rng.choice(TITLES),
            region=rng.choice([None, *regions.values()]),
            company=rng.choice([None, *companies]),
        )
        for _ in range(50)
    ]
    today = score_inputs.today_for(organization.time_zone)
    for _ in range(30):
        TriggerEvent.objects.create(
            organization=organization,
            company=rng.choice(companies) if rng.random() < 0.5 else None,
            lead=rng.choice(leads),
            type=rng.choice(TRIGGERS),
            occurred_on=today - dt.timedelta(days=rng.randint(0, 100)),
        )
    for lead in rng.sample(leads, 4):
        LeadInvolvement.objects.create(organization=organization, seller=seller, lead=lead)

    def pick(values, k):
        return [(value, rng.choice([None, 0, 1, 2])) for value in rng.sample(values, k)]

    titles = ["CIO", "IT manager", "Purchasing manager"]
    territories = ["JS", "SH", "JS-SZ", "GD", "CN"]
    services.profile_save(
        seller=seller,
        targets={
            "industry": pick(INDUSTRIES[:5], 2),
            "title": pick(titles, 2),
            "territory": pick(territories, 2),
            "trigger": pick(TRIGGERS, 2),
        },
    )
    _assert_agree(seller, leads, today)
    conditions = []
    original = scoring.score_seller

    def spy(**kwargs):
        conditions.append(kwargs.get("condition"))
        return original(**kwargs)

    monkeypatch.setattr(scoring, "score_seller", spy)
    values = [f for f in scoring.COMPARED if f not in ("seller_id",)]
    before = {row["lead_id"]: row for row in LeadScore.objects.filter(seller=seller).values()}
    # one value swapped or added in every dimension (none left empty)
    services.profile_save(
        seller=seller,
        targets={
            "industry": pick(INDUSTRIES[:5], rng.randint(1, 3)),
            "title": pick(titles, rng.randint(1, 3)),
            "territory": pick(territories, rng.randint(1, 3)),
            "trigger": pick(TRIGGERS, rng.randint(0, 3)),
        },
    )
    assert len(conditions) == 1 and conditions[0] is not None
    _assert_agree(seller, leads, today)
    # a row whose values did not change was not written again
    for row in LeadScore.objects.filter(seller=seller).values():
        old = before[row["lead_id"]]
        if all(row[name] == old[name] for name in values):
            assert (row["computed_at"], row["profile_version"]) == (
                old["computed_at"],
                old["profile_version"],
            )
