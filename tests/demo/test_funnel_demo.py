"""The demo world's funnel year: consistent with the rules, the clocks, the orders and the
lifecycle, and meaningful for the demo logins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Max, Sum

from patron.accounts.models import User
from patron.core.months import local_date
from patron.demo.world import world_generate
from patron.funnel.models import Opportunity, OpportunityHandoff, StageChange
from patron.funnel.reports import funnel_report
from patron.funnel.selectors import BoardFilter, pipeline_board
from patron.funnel.services import mql_rules_apply
from patron.funnel.sla import sla_report
from patron.leads.models import Lead
from patron.lifecycle.models import CompanyMonth
from patron.sales.models import Order

pytestmark = pytest.mark.django_db(transaction=False)

THROUGH = 2026 * 12 + 5  # 2026-06: the funnel year is 2025-07-01 … 2026-06-30
YEAR = (dt.date(2025, 7, 1), dt.date(2026, 6, 30))


@pytest.fixture
def world() -> None:
    world_generate(size="tiny", seed=7, through=THROUGH)


def test_inbound_leads_and_mqls_follow_the_rules(world: None) -> None:
    leads = Lead.objects.filter(external_id__startswith="M-")
    assert leads.count() == 500
    sources = dict.fromkeys(["rule", "import", "manual"], 0)
    for source in leads.exclude(mql_source="").values_list("mql_source", flat=True):
        sources[source] += 1
    assert all(count > 0 for count in sources.values()), sources
    organization = leads.first().organization  # type: ignore[union-attr]
    assert mql_rules_apply(organization=organization) == 0  # every rule match is already MQL
    assert set(leads.values_list("owner__roles__role", flat=True)) == {"sdr"}


def test_every_won_opportunity_produced_its_order_and_the_lifecycle_counts_it(world: None) -> None:
    won = Opportunity.objects.filter(status="won").select_related("order", "organization")
    assert won.count() > 10
    for opportunity in won:
        order = opportunity.order
        assert order is not None
        assert (order.company_id, order.seller_id) == (opportunity.company_id, opportunity.owner_id)
        assert order.total_amount == opportunity.amount
        assert order.order_date == local_date(opportunity.closed_at, "Asia/Shanghai")  # type: ignore[arg-type]
        month = CompanyMonth.objects.get(
            company_id=order.company_id, month=order.order_date.replace(day=1)
        )
        assert month.revenue >= order.total_amount
    assert Order.objects.filter(opportunity__isnull=False).count() == won.count()
    assert Opportunity.objects.filter(status__in=["open", "lost"], order__isnull=False).count() == 0


def test_stage_histories_and_hand_offs_are_whole(world: None) -> None:
    for opportunity in Opportunity.objects.all():
        history = StageChange.objects.filter(opportunity=opportunity).order_by("at", "id")
        first = history.first()
        assert first is not None and (first.from_stage_number, first.to_stage_number) == (None, 1)
        assert history.aggregate(top=Max("to_stage_number"))["top"] == opportunity.max_stage_number
        if opportunity.status != "open":
            last = history.last()
            assert last is not None
            assert (last.to_status, last.at) == (opportunity.status, opportunity.closed_at)
    rejected = OpportunityHandoff.objects.filter(status="rejected")
    assert rejected.exists() and not rejected.filter(reason="").exists()
    assert OpportunityHandoff.objects.filter(status="pending").exists()
    assert Opportunity.objects.filter(source_sdr__isnull=True).exists()  # AE-sourced expansions


def test_sla_breaches_come_out_of_the_clocks(world: None) -> None:
    organization = Lead.objects.first().organization  # type: ignore[union-attr]
    sections = sla_report(organization=organization, date_from=YEAR[0], date_to=YEAR[1])
    for section in sections:
        assert section.total.breached > 0, section.kind
        assert 0.7 < section.total.compliance < 0.97, section.kind  # type: ignore[operator]


def test_the_demo_logins_have_pipelines(world: None) -> None:
    sdr, ae, manager = (User.objects.get(username=name) for name in ("sdr", "ae", "manager"))
    organization = sdr.organization
    mine = funnel_report(
        organization=organization, date_from=YEAR[0], date_to=YEAR[1], user_id=sdr.pk
    ).metrics
    assert mine.leads > 50 and mine.mqls > 20 and mine.opportunities_created > 5
    board = pipeline_board(ae, BoardFilter(owner_id=ae.pk))
    assert sum(column.count for column in board) > 3
    assert sum(1 for column in board if column.count) >= 2
    team = pipeline_board(manager, BoardFilter())
    assert sum(column.count for column in team) > sum(column.count for column in board)
    total = Opportunity.objects.filter(status="won").aggregate(s=Sum("base_amount"))["s"]
    assert total > Decimal("0")
