"""Funnel writes: who may hand off, accept, reject, move and close; a rejection needs a reason;
stage history with times; a won opportunity produces its order; marketing rules make MQLs.
Refused writes change nothing (row and audit counts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from patron.activities.models import Activity
from patron.core.audit import audit_trail
from patron.core.errors import Conflict, PermissionDenied, ValidationFailed
from patron.core.models import AuditEvent
from patron.funnel.handoffs import handoff_accept, handoff_reject, opportunity_hand_off
from patron.funnel.models import (
    MarketingRule,
    Opportunity,
    OpportunityHandoff,
    OpportunityStage,
    StageChange,
)
from patron.funnel.opportunities import (
    LineInput,
    opportunity_close_lost,
    opportunity_close_won,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)
from patron.funnel.services import (
    marketing_rule_create,
    mql_rules_apply,
    stage_create,
    stages_reorder,
)
from patron.leads.models import Lead
from patron.leads.services import lead_create
from patron.lifecycle.models import CompanyMonth
from patron.sales.models import Order, OrderLine
from tests.funnel.conftest import at

pytestmark = pytest.mark.django_db


class Small:
    def __init__(self, organization: Any, user_factory: Any, team_factory: Any) -> None:
        from patron.catalog.models import Product, ProductFamily
        from patron.companies.models import Company

        self.org = organization
        self.team = team_factory("Pipeline")
        self.sdr = user_factory("sdr", roles=["sdr"], team=self.team)
        self.ae = user_factory("ae", roles=["ae"], team=self.team)
        self.other_ae = user_factory("ae2", roles=["ae"], team=self.team)
        self.bdm = user_factory("bdm", roles=["bdm"], team=self.team)
        self.manager = user_factory("boss", roles=["manager"], team=self.team)
        self.admin = user_factory("padmin", roles=["admin"])
        family = ProductFamily.objects.create(organization=organization, code="ddns", name="DDNS")
        self.product = Product.objects.create(
            organization=organization, sku="DDNS-PRO", name="DDNS Pro", family=family
        )
        self.company = Company.objects.create(
            organization=organization, external_id="C1", name="苏州精密", team=self.team
        )

    def opportunity(self, **values: Any) -> Opportunity:
        values.setdefault("by", self.sdr)
        values.setdefault("name", "Remote access for 40 stores")
        values.setdefault("company", self.company)
        values.setdefault(
            "lines", [LineInput(self.product, Decimal(4), Decimal("2500"), Decimal(10))]
        )
        values.setdefault("created_at", at("2026-03-02 10:00"))
        return opportunity_create(organization=self.org, **values)


@pytest.fixture
def small(organization: Any, user_factory: Any, team_factory: Any) -> Small:
    return Small(organization, user_factory, team_factory)


def counts() -> tuple[int, ...]:
    return (
        Opportunity.objects.count(),
        OpportunityHandoff.objects.count(),
        StageChange.objects.count(),
        Order.objects.count(),
        AuditEvent.objects.count(),
    )


def test_an_sdr_creates_an_opportunity_as_its_source(small: Small) -> None:
    opportunity = small.opportunity()
    assert (opportunity.source_sdr, opportunity.owner, opportunity.source_team) == (
        small.sdr,
        None,
        small.team,
    )
    assert (opportunity.amount, opportunity.base_amount) == (Decimal("9000.00"), Decimal("9000.00"))
    assert (opportunity.stage_number, opportunity.external_id) == (1, f"OPP-{opportunity.pk:06d}")
    assert list(OpportunityStage.objects.values_list("number", "name")) == [
        (1, "Qualify"),
        (2, "Discover needs"),
        (3, "Propose"),
        (4, "Negotiate"),
        (5, "Commit"),
    ]
    created = audit_trail(opportunity).get()
    assert created.changes["source_sdr"] == [None, small.sdr.pk]
    assert created.changes["lines"] == [
        None,
        [{"product": "DDNS-PRO", "quantity": "4", "amount": "9000.00"}],
    ]


def test_an_ae_creates_and_owns_one(small: Small) -> None:
    opportunity = small.opportunity(by=small.ae)
    assert (opportunity.owner, opportunity.source_sdr, opportunity.handoff_status) == (
        small.ae,
        None,
        "",
    )


def test_an_opportunity_from_a_lead_without_a_company_converts_the_lead(small: Small) -> None:
    lead = lead_create(
        organization=small.org, external_id="M-1", company_name="宁波港务", owner=small.sdr
    )
    opportunity = small.opportunity(company=None, lead=lead)
    lead.refresh_from_db()
    assert (opportunity.company.name, opportunity.company.external_id) == ("宁波港务", "L-M-1")
    assert (lead.company_id, lead.status) == (opportunity.company_id, "converted")
    assert opportunity.lead == lead


def test_only_the_ae_it_was_handed_to_may_answer(small: Small) -> None:
    opportunity = small.opportunity()
    handoff = opportunity_hand_off(
        opportunity=opportunity, by=small.sdr, to=small.ae, at=at("2026-03-02 11:00")
    )
    opportunity.refresh_from_db()
    assert (opportunity.owner, opportunity.handoff_status) == (small.ae, "pending")
    before = counts()
    for intruder in (small.other_ae, small.sdr, small.manager, small.admin):
        with pytest.raises(PermissionDenied, match="Only the AE it was handed to"):
            handoff_accept(handoff=handoff, by=intruder)
        with pytest.raises(PermissionDenied):
            handoff_reject(handoff=handoff, by=intruder, reason="no_budget")
    assert counts() == before
    handoff.refresh_from_db()
    assert (handoff.status, handoff.responded_at) == ("pending", None)

    handoff_accept(handoff=handoff, by=small.ae, at=at("2026-03-02 15:00"))
    handoff.refresh_from_db()
    opportunity.refresh_from_db()
    assert (handoff.status, handoff.responded_at) == ("accepted", at("2026-03-02 15:00"))
    assert opportunity.handoff_status == "accepted"
    with pytest.raises(Conflict, match="already answered"):
        handoff_accept(handoff=handoff, by=small.ae)


def test_a_rejection_needs_a_reason_and_goes_back_to_the_sdr(small: Small) -> None:
    opportunity = small.opportunity()
    handoff = opportunity_hand_off(opportunity=opportunity, by=small.sdr, to=small.ae)
    before = counts()
    with pytest.raises(ValidationFailed) as missing:
        handoff_reject(handoff=handoff, by=small.ae, reason="")
    assert missing.value.field_errors == {"reason": "a rejection needs a reason"}
    with pytest.raises(ValidationFailed) as other:
        handoff_reject(handoff=handoff, by=small.ae, reason="other", note="  ")
    assert list(other.value.field_errors) == ["note"]
    assert counts() == before

    handoff_reject(handoff=handoff, by=small.ae, reason="no_budget", note="Budget frozen until Q3")
    handoff.refresh_from_db()
    opportunity.refresh_from_db()
    assert (handoff.status, handoff.reason, handoff.note) == (
        "rejected",
        "no_budget",
        "Budget frozen until Q3",
    )
    assert (opportunity.owner, opportunity.team, opportunity.handoff_status) == (
        None,
        small.team,
        "rejected",
    )
    # back with the SDR: hand it to another AE, who accepts
    second = opportunity_hand_off(opportunity=opportunity, by=small.sdr, to=small.other_ae)
    handoff_accept(handoff=second, by=small.other_ae)
    opportunity.refresh_from_db()
    assert (opportunity.owner, opportunity.handoff_status) == (small.other_ae, "accepted")
    assert OpportunityHandoff.objects.filter(opportunity=opportunity).count() == 2


@pytest.mark.parametrize(
    ("who", "target", "error"),
    [
        ("ae", "ae", PermissionDenied),  # not the source SDR
        ("sdr", "bdm", ValidationFailed),  # not an AE
        ("sdr", "sdr", ValidationFailed),
    ],
)
def test_hand_off_refusals_change_nothing(small: Small, who: str, target: str, error: type) -> None:
    opportunity = small.opportunity()
    before = counts()
    with pytest.raises(error):
        opportunity_hand_off(
            opportunity=opportunity, by=getattr(small, who), to=getattr(small, target)
        )
    assert counts() == before


def test_stage_moves_keep_their_times_and_the_highest_stage(small: Small) -> None:
    opportunity = small.opportunity()
    stages = {s.number: s for s in OpportunityStage.objects.all()}
    with pytest.raises(Conflict, match="Hand the opportunity to an AE first"):
        opportunity_move_stage(opportunity=opportunity, by=small.manager, stage=stages[2])
    handoff = opportunity_hand_off(
        opportunity=opportunity, by=small.sdr, to=small.ae, at=at("2026-03-02 11:00")
    )
    with pytest.raises(Conflict, match="not accepted"):
        opportunity_move_stage(opportunity=opportunity, by=small.ae, stage=stages[2])
    handoff_accept(handoff=handoff, by=small.ae, at=at("2026-03-02 12:00"))
    before = counts()
    for intruder in (small.sdr, small.other_ae):
        with pytest.raises(PermissionDenied):
            opportunity_move_stage(opportunity=opportunity, by=intruder, stage=stages[2])
    assert counts() == before
    opportunity_move_stage(
        opportunity=opportunity, by=small.ae, stage=stages[3], at=at("2026-03-05 10:00")
    )
    opportunity_move_stage(
        opportunity=opportunity, by=small.manager, stage=stages[2], at=at("2026-03-06 10:00")
    )
    opportunity.refresh_from_db()
    assert (opportunity.stage_number, opportunity.max_stage_number) == (2, 3)
    history = list(
        StageChange.objects.filter(opportunity=opportunity).values_list(
            "at", "from_stage_number", "to_stage_number", "user__username"
        )
    )
    assert history == [
        (at("2026-03-02 10:00"), None, 1, "sdr"),
        (at("2026-03-05 10:00"), 1, 3, "ae"),
        (at("2026-03-06 10:00"), 3, 2, "boss"),
    ]


def test_close_won_produces_the_order_and_recomputes_the_lifecycle(small: Small) -> None:
    opportunity = small.opportunity(by=small.ae)
    won = opportunity_close_won(opportunity=opportunity, by=small.ae, at=at("2026-03-31 23:30"))
    order = Order.objects.get()
    assert won.order == order
    assert (order.external_id, order.company, order.seller, order.status) == (
        f"SO-{opportunity.external_id}",
        small.company,
        small.ae,
        "open",
    )
    assert order.order_date == dt.date(2026, 3, 31)  # the day in Shanghai, not in UTC
    assert list(
        OrderLine.objects.values_list("product__sku", "quantity", "amount", "discount_pct")
    ) == [("DDNS-PRO", Decimal("4.00"), Decimal("9000.00"), Decimal("10.00"))]
    month = CompanyMonth.objects.get(company=small.company, month=dt.date(2026, 3, 1))
    assert (month.stage, month.revenue, month.owner_id) == (
        "new_customer",
        Decimal("9000.00"),
        small.ae.pk,
    )
    assert (won.status, won.closed_at) == ("won", at("2026-03-31 23:30"))
    assert StageChange.objects.filter(opportunity=opportunity).last().to_status == "won"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        opportunity_close_lost(opportunity=opportunity, by=small.ae, reason="price")


def test_a_won_opportunity_needs_products_and_nothing_is_half_written(small: Small) -> None:
    opportunity = small.opportunity(by=small.ae, lines=[], amount=Decimal("5000"))
    before = counts()
    with pytest.raises(ValidationFailed) as error:
        opportunity_close_won(opportunity=opportunity, by=small.ae)
    assert list(error.value.field_errors) == ["lines"]
    assert counts() == before
    assert Opportunity.objects.get().status == "open"


def test_close_lost_needs_a_reason(small: Small) -> None:
    opportunity = small.opportunity(by=small.ae)
    before = counts()
    with pytest.raises(ValidationFailed) as error:
        opportunity_close_lost(opportunity=opportunity, by=small.ae, reason="")
    assert list(error.value.field_errors) == ["loss_reason"]
    assert counts() == before
    lost = opportunity_close_lost(
        opportunity=opportunity, by=small.ae, reason="competitor", at=at("2026-03-10 10:00")
    )
    assert (lost.status, lost.loss_reason, lost.closed_at) == (
        "lost",
        "competitor",
        at("2026-03-10 10:00"),
    )


def test_update_replaces_lines_and_audits(small: Small) -> None:
    opportunity = small.opportunity(by=small.ae)
    opportunity_update(
        opportunity=opportunity,
        by=small.ae,
        lines=[LineInput(small.product, Decimal(2), Decimal("1000"))],
        next_step="Send the quote",
    )
    opportunity.refresh_from_db()
    assert (opportunity.amount, opportunity.next_step) == (Decimal("2000.00"), "Send the quote")
    change = audit_trail(opportunity).filter(action="update").get()
    assert change.changes["amount"] == ["9000.00", "2000.00"]
    with pytest.raises(PermissionDenied):
        opportunity_update(opportunity=opportunity, by=small.other_ae, name="Mine now")


def test_activities_can_be_about_an_opportunity(small: Small) -> None:
    from patron.activities.services import activity_log

    opportunity = small.opportunity(by=small.ae)
    activity_log(
        organization=small.org,
        kind="meeting",
        user=small.ae,
        opportunity=opportunity,
        occurred_at=at("2026-03-03 10:00"),
    )
    activity = Activity.objects.get()
    assert (activity.opportunity, activity.company) == (opportunity, small.company)


def test_stages_are_configurable_and_reordered(small: Small) -> None:
    small.opportunity(by=small.ae)
    extra = stage_create(
        organization=small.org, by=small.manager, name="Legal review", probability=95
    )
    assert extra.number == 6
    stages = list(OpportunityStage.objects.order_by("number"))
    order = [stages[1].pk, stages[0].pk, *[s.pk for s in stages[2:]]]
    stages_reorder(organization=small.org, by=small.admin, stage_ids=order)
    assert list(OpportunityStage.objects.order_by("number").values_list("name", flat=True))[:2] == [
        "Discover needs",
        "Qualify",
    ]
    opportunity = Opportunity.objects.get()
    assert (opportunity.stage.name, opportunity.stage_number, opportunity.max_stage_number) == (
        "Qualify",
        2,
        2,
    )
    with pytest.raises(PermissionDenied):
        stage_create(organization=small.org, by=small.sdr, name="Nope")
    with pytest.raises(ValidationFailed):
        stages_reorder(organization=small.org, by=small.admin, stage_ids=order[1:])


def test_marketing_rules_make_mqls_set_wise(small: Small) -> None:
    marketing_rule_create(
        organization=small.org,
        by=small.manager,
        name="Demo requests from IT",
        sources=["demo_request", "free_trial"],
        title_keywords=["IT", "信息"],
        require_email=True,
    )
    marketing_rule_create(
        organization=small.org, by=small.manager, name="Events", sources=["event"], is_active=False
    )

    def lead(key: str, source: str, title: str, email: str = "a@b.cn") -> Lead:
        return lead_create(
            organization=small.org,
            external_id=key,
            source=source,
            title=title,
            email=email,
            owner=small.sdr,
            created_at=at("2026-03-02 09:00"),
        )

    hit = lead("M-1", "demo_request", "IT经理")
    hit_zh = lead("M-2", "free_trial", "首席信息官")
    no_email = lead("M-3", "demo_request", "IT Manager", email="")
    wrong_source = lead("M-4", "webinar", "IT Director")
    inactive_rule = lead("M-5", "event", "CIO")
    audits = AuditEvent.objects.count()
    marked = mql_rules_apply(
        organization=small.org,
        lead_ids=[hit.pk, hit_zh.pk, no_email.pk, wrong_source.pk, inactive_rule.pk],
    )
    assert marked == 2
    mqls = dict(Lead.objects.filter(mql_at__isnull=False).values_list("external_id", "mql_source"))
    assert mqls == {"M-1": "rule", "M-2": "rule"}
    assert Lead.objects.get(external_id="M-1").mql_at == at("2026-03-02 09:00")  # on arrival
    assert AuditEvent.objects.count() == audits + 2
    assert audit_trail(hit).filter(action="update").get().changes["mql_source"] == [None, "rule"]
    assert mql_rules_apply(organization=small.org) == 0  # already MQL: nothing again
    MarketingRule.objects.filter(name="Events").update(is_active=True)
    later = at("2026-04-01 10:00")
    assert mql_rules_apply(organization=small.org, at=later) == 1
    assert Lead.objects.get(external_id="M-5").mql_at == later
