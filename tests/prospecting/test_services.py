"""Profile changes (limits, versions, audit), synonyms, triggers, involvement and the re-score
hooks, through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from patron.core.audit import audit_trail
from patron.core.errors import DomainError, ValidationFailed
from patron.core.models import AuditEvent
from patron.prospecting import services
from patron.prospecting.models import (
    IcpProfile,
    IcpProfileVersion,
    IcpTarget,
    LeadInvolvement,
    LeadScore,
    TitleSynonym,
    TriggerEvent,
)

TODAY = dt.date.today()


def targets_of(seller):
    return sorted(
        IcpTarget.objects.filter(profile__seller=seller).values_list(
            "dimension", "value", "priority"
        )
    )


@pytest.fixture
def base_profile(seller, regions):
    return services.profile_save(
        seller=seller,
        weights={"industry": 2, "title": 1, "territory": 1, "trigger": 2},
        targets={
            "industry": [("manufacturing", None), ("logistics", 1)],
            "title": [("CIO", None)],
            "territory": [("JS", None)],
            "trigger": [("merger", None)],
        },
        note="first",
    )


def test_profile_save_writes_targets_a_version_and_an_audit_row(base_profile, seller):
    assert targets_of(seller) == [
        ("industry", "logistics", 1),
        ("industry", "manufacturing", None),
        ("territory", "JS", None),
        ("title", "CIO", None),
        ("trigger", "merger", None),
    ]
    version = IcpProfileVersion.objects.get(profile=base_profile)
    assert (version.number, version.note, base_profile.version) == (1, "first", 1)
    assert version.snapshot["weights"] == {
        "industry": 2,
        "title": 1,
        "territory": 1,
        "trigger": 2,
    }
    assert {"dimension": "title", "value": "CIO", "priority": None} in version.snapshot["targets"]
    changes = [sorted(event.changes) for event in audit_trail(base_profile)]
    assert changes == [
        ["targets.industry", "targets.territory", "targets.title", "targets.trigger", "version"],
        ["title_weight"],
    ]


@pytest.mark.parametrize(
    ("dimension", "field", "values"),
    [
        ("industry", "industries", ["manufacturing", "retail", "software", "finance"]),
        ("title", "titles", ["CIO", "CTO", "IT manager", "CFO"]),
    ],
)
def test_a_fourth_industry_or_title_is_refused_naming_the_field(
    base_profile, seller, dimension, field, values
):
    before = targets_of(seller)

    with pytest.raises(DomainError) as error:
        services.profile_save(seller=seller, targets={dimension: [(v, None) for v in values]})

    assert error.value.status_code == 400
    assert list(error.value.field_errors) == [field]
    assert "a fourth is refused" in error.value.field_errors[field]
    assert targets_of(seller) == before
    assert IcpProfile.objects.get(seller=seller).version == 1


def test_three_industries_are_accepted(base_profile, seller):
    services.profile_save(
        seller=seller,
        targets={"industry": [("manufacturing", 2), ("retail", None), ("software", 0)]},
    )

    assert [t for t in targets_of(seller) if t[0] == "industry"] == [
        ("industry", "manufacturing", 2),
        ("industry", "retail", None),
        ("industry", "software", 0),
    ]
    assert IcpProfile.objects.get(seller=seller).version == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weights": {"industry": 3}}, "industry_weight"),
        ({"weights": {"color": 1}}, "weights"),
        ({"trigger_days": 0}, "trigger_days"),
        ({"targets": {"industry": [("steel", None)]}}, "industries"),
        ({"targets": {"territory": [("XX", None)]}}, "territories"),
        ({"targets": {"trigger": [("party", None)]}}, "trigger_types"),
        ({"targets": {"title": [("CIO", 5)]}}, "titles"),
        ({"targets": {"title": [("  ", None)]}}, "titles"),
    ],
)
def test_bad_profile_input_changes_nothing(base_profile, seller, kwargs, field):
    before = targets_of(seller)

    with pytest.raises(ValidationFailed) as error:
        services.profile_save(seller=seller, **kwargs)

    assert list(error.value.field_errors) == [field]
    assert targets_of(seller) == before
    profile = IcpProfile.objects.get(seller=seller)
    assert (profile.version, profile.industry_weight, profile.trigger_days) == (1, 2, 90)


def test_saving_the_same_profile_adds_no_version(base_profile, seller):
    services.profile_save(seller=seller, targets={"title": [("CIO", None)]})

    assert IcpProfileVersion.objects.filter(profile=base_profile).count() == 1


def test_profile_change_rescores_the_sellers_leads(base_profile, seller, lead_factory, regions):
    lead = lead_factory(
        owner=seller, industry="manufacturing", title="首席信息官", region=regions["JS-SZ"]
    )
    services.synonyms_seed(organization=seller.organization)
    services.score_seller(seller=seller)
    assert LeadScore.objects.get(lead=lead).score == 4

    services.profile_save(seller=seller, weights={"territory": 2})

    score = LeadScore.objects.get(lead=lead)
    assert (score.score, score.territory_points, score.profile_version) == (5, 2, 2)


def test_synonym_change_rescores_title_matches(base_profile, seller, lead_factory, regions):
    lead = lead_factory(
        owner=seller, industry="manufacturing", title="信息总监", region=regions["JS"]
    )
    services.score_seller(seller=seller)
    assert LeadScore.objects.get(lead=lead).out_reasons == "title"

    synonym = services.synonym_create(
        organization=seller.organization, canonical="CIO", variant="信息 总监"
    )

    score = LeadScore.objects.get(lead=lead)
    assert (score.in_target, score.title_points, score.title_target) == (True, 1, "CIO")
    assert synonym.variant_key == "信息总监"

    synonym_id = synonym.pk
    services.synonym_delete(synonym=synonym)
    assert LeadScore.objects.get(lead=lead).in_target is False
    assert AuditEvent.objects.filter(object_id=synonym_id, action="delete").count() == 1


def test_synonym_variant_is_unique_after_normalisation(organization):
    services.synonym_create(organization=organization, canonical="CIO", variant="首席信息官")

    with pytest.raises(ValidationFailed) as error:
        services.synonym_create(organization=organization, canonical="CTO", variant="首席 信息官")

    assert list(error.value.field_errors) == ["variant"]
    assert TitleSynonym.objects.count() == 1


def test_seed_adds_english_and_chinese_synonyms_once(organization):
    added = services.synonyms_seed(organization=organization)

    assert added > 40
    assert services.synonyms_seed(organization=organization) == 0
    keys = dict(TitleSynonym.objects.values_list("variant_key", "canonical_key"))
    assert keys["首席信息官"] == "cio"
    assert keys["chief information officer"] == "cio"
    assert keys["it经理"] == "it manager"


def test_trigger_on_company_stars_its_leads_and_delete_unstars(
    base_profile, seller, lead_factory, company_factory, regions
):
    company = company_factory(industry="manufacturing")
    lead = lead_factory(
        owner=seller, industry="manufacturing", title="CIO", region=regions["JS"], company=company
    )
    services.score_seller(seller=seller)

    event = services.trigger_event_create(
        organization=seller.organization,
        company=company,
        type="merger",
        occurred_on=TODAY - dt.timedelta(days=5),
        source_url="https://news.example/merger",
        created_by=seller,
    )

    score = LeadScore.objects.get(lead=lead)
    assert (score.starred, score.trigger_points, score.trigger_type) == (True, 2, "merger")
    assert AuditEvent.objects.filter(object_id=event.pk, action="create").count() == 1

    services.trigger_event_update(event=event, occurred_on=TODAY - dt.timedelta(days=200))
    assert LeadScore.objects.get(lead=lead).starred is False

    services.trigger_event_update(event=event, occurred_on=TODAY)
    services.trigger_event_delete(event=event)
    score = LeadScore.objects.get(lead=lead)
    assert (score.starred, score.score) == (False, 4)
    assert TriggerEvent.objects.count() == 0


def test_trigger_needs_a_subject_and_a_known_type(organization):
    with pytest.raises(ValidationFailed) as error:
        services.trigger_event_create(organization=organization, type="merger", occurred_on=TODAY)
    assert list(error.value.field_errors) == ["company"]

    with pytest.raises(ValidationFailed) as error:
        services.trigger_event_create(
            organization=organization, type="party", occurred_on=TODAY, company=None
        )
    assert list(error.value.field_errors) == ["type"]
    assert TriggerEvent.objects.count() == 0


def test_involvement_adds_two_and_is_audited(base_profile, seller, lead_factory, regions):
    lead = lead_factory(owner=seller, industry="retail", title="CIO", region=regions["JS"])
    services.score_seller(seller=seller)
    assert LeadScore.objects.get(lead=lead).involved_points == 0

    assert services.involvement_set(seller=seller, lead=lead, involved=True) is True
    assert services.involvement_set(seller=seller, lead=lead, involved=True) is False

    score = LeadScore.objects.get(lead=lead)
    assert (score.involved_points, score.score) == (2, 4)
    assert (
        AuditEvent.objects.filter(object_id=lead.pk, changes__has_key="involved_seller").count()
        == 1
    )


def test_only_the_owner_marks_involvement_and_anyone_takes_back_their_own(
    base_profile, seller, user_factory, lead_factory, regions
):
    colleague = user_factory("colleague", roles=["bdm"], team=seller.team)
    lead = lead_factory(owner=seller, industry="retail", title="CIO", region=regions["JS"])
    services.score_seller(seller=seller)
    audited = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as error:
        services.involvement_set(seller=colleague, lead=lead, involved=True)

    assert error.value.field_errors == {
        "lead": "only the lead's owner can mark personal involvement: it counts on their list"
    }
    assert not LeadInvolvement.objects.exists()
    assert AuditEvent.objects.count() == audited
    assert LeadScore.objects.get(lead=lead).involved_points == 0
    # a mark left from before the lead changed hands can still be taken back
    LeadInvolvement.objects.create(
        organization_id=lead.organization_id, seller=colleague, lead=lead
    )
    assert services.involvement_set(seller=colleague, lead=lead, involved=False) is True
    assert not LeadInvolvement.objects.exists()


def test_lead_hooks_score_new_leads_and_follow_owner_changes(
    base_profile, seller, user_factory, lead_factory, regions, organization
):
    from patron.leads.services import lead_create, lead_update

    lead = lead_create(
        organization=organization,
        external_id="NEW-1",
        owner=seller,
        industry="manufacturing",
        title="CIO",
        region=regions["JS-NJ"],
    )
    assert LeadScore.objects.get(lead=lead).score == 4

    lead_update(lead=lead, title="Sales rep")
    assert LeadScore.objects.get(lead=lead).out_reasons == "title"

    other = user_factory("other", roles=["bdm"])
    lead_update(lead=lead, owner=other)
    assert LeadScore.objects.filter(lead=lead).count() == 0


def test_first_scoring_of_a_list_takes_over_rows_left_on_a_former_owners_list(
    base_profile, seller, user_factory, lead_factory, regions
):
    from patron.leads.models import Lead

    moved = lead_factory(owner=seller, industry="manufacturing", title="CIO", region=regions["JS"])
    kept = lead_factory(owner=seller, industry="logistics", title="CIO", region=regions["JS"])
    services.score_seller(seller=seller)
    other = user_factory("newcomer", roles=["bdm"])
    # a bulk write gives the lead away without its hooks: its row stays on the old list
    Lead.objects.filter(pk=moved.pk).update(owner=other)
    services.profile_save(
        seller=other,
        weights={"industry": 1, "title": 0, "territory": 0, "trigger": 0},
        targets={"industry": [("manufacturing", None)]},
    )

    rows = {
        score.lead_id: (score.seller_id, score.score, score.in_target)
        for score in LeadScore.objects.all()
    }
    assert rows == {moved.pk: (other.pk, 1, True), kept.pk: (seller.pk, 3, True)}


def test_order_of_the_seller_adds_won_in_industry(
    base_profile, seller, lead_factory, company_factory, regions, organization
):
    from decimal import Decimal

    from patron.catalog.models import Product, ProductFamily
    from patron.sales.services import LineInput, order_create

    lead = lead_factory(owner=seller, industry="manufacturing", title="CIO", region=regions["JS"])
    services.score_seller(seller=seller)
    company = company_factory(industry="manufacturing")
    family = ProductFamily.objects.create(organization=organization, code="f", name="F")
    product = Product.objects.create(organization=organization, sku="P", name="P", family=family)

    order_create(
        organization=organization,
        lines=[LineInput(product=product, quantity=Decimal("1"), amount=Decimal("10"))],
        external_id="SO-1",
        company=company,
        order_date=TODAY,
        seller=seller,
        status="paid",
    )

    score = LeadScore.objects.get(lead=lead)
    assert (score.won_points, score.score) == (1, 5)


def test_reference_company_adds_one_in_its_industry(
    base_profile, seller, lead_factory, regions, organization
):
    from patron.companies.services import company_create, company_update

    lead = lead_factory(owner=seller, industry="logistics", title="CIO", region=regions["JS"])
    services.score_seller(seller=seller)
    company = company_create(
        organization=organization, external_id="REF-1", name="Ref", industry="logistics"
    )
    assert LeadScore.objects.get(lead=lead).reference_points == 0

    company_update(company=company, is_reference=True)

    assert LeadScore.objects.get(lead=lead).reference_points == 1


def test_ties_rank_by_latest_trigger_then_oldest_lead(
    base_profile, seller, lead_factory, company_factory, regions
):
    from patron.prospecting.selectors import score_list

    def make(days_old: int) -> object:
        return lead_factory(
            owner=seller,
            industry="manufacturing",
            title="CIO",
            region=regions["JS"],
            created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=days_old),
        )

    newer, older, with_old_trigger, with_new_trigger = make(1), make(30), make(2), make(3)
    for lead, age in ((with_old_trigger, 20), (with_new_trigger, 2)):
        TriggerEvent.objects.create(
            organization=seller.organization,
            lead=lead,
            type="merger",
            occurred_on=TODAY - dt.timedelta(days=age),
        )
    services.profile_save(seller=seller, weights={"trigger": 0})  # same score for all four

    ranked = [score.lead_id for score in score_list(seller)]

    assert ranked == [with_new_trigger.pk, with_old_trigger.pk, older.pk, newer.pk]
    assert {score.score for score in score_list(seller)} == {4}


def test_scoring_puts_the_database_settings_back(base_profile, seller, lead_factory):
    from django.db import connection, transaction

    lead_factory(owner=seller, industry="manufacturing", title="CIO")

    def settings() -> tuple[str, ...]:
        if connection.vendor != "postgresql":
            return ()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('work_mem'), current_setting('jit'),"
                " current_setting('random_page_cost')"
            )
            return tuple(cursor.fetchone())

    with transaction.atomic():
        before = settings()
        services.score_seller(seller=seller)
        assert settings() == before
