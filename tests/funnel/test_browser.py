"""Headless Chromium on the pipeline board: drag an opportunity to the next stage (saved,
totals move with it), a refused drag (nothing changes, the reason is shown), the funnel
dashboard with its charts, and the same board in Chinese."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from patron.funnel.models import Opportunity, StageChange
from patron.funnel.opportunities import LineInput, opportunity_create
from tests.funnel.conftest import FunnelWorld, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal(funnel_world: FunnelWorld) -> Opportunity:
    """An open opportunity of ae1 at stage 1, worth 12,000."""
    return opportunity_create(
        organization=funnel_world.org,
        by=funnel_world.ae1,
        name="Remote access for 30 stores",
        company=funnel_world.companies[0],
        lines=[LineInput(funnel_world.product, Decimal(3), Decimal("4000"))],
        created_at=at("2026-06-01 10:00"),
    )


def column(page: Any, number: int) -> Any:
    return page.locator(f'.board-column[data-stage-number="{number}"]')


def test_drag_an_opportunity_to_the_next_stage(
    funnel_world: FunnelWorld, deal: Opportunity, browser_page_for: Any
) -> None:
    page = browser_page_for(funnel_world.ae1)
    page.goto("/pipeline/?who=mine")
    card = page.locator(f'.board-card[data-opportunity-id="{deal.pk}"]')
    expect(card).to_be_visible()
    expect(column(page, 1).locator("[data-stage-count]")).to_have_text("2")  # with O5, pending
    expect(column(page, 2).locator("[data-stage-count]")).to_have_text("0")

    card.drag_to(column(page, 2).locator("[data-dropzone]"))

    moved = column(page, 2).locator(f'.board-card[data-opportunity-id="{deal.pk}"]')
    expect(moved).to_be_visible()
    expect(column(page, 2).locator("[data-stage-count]")).to_have_text("1")
    expect(column(page, 2).locator("[data-stage-amount]")).to_have_text("12,000")
    expect(column(page, 1).locator("[data-stage-count]")).to_have_text("1")
    deal.refresh_from_db()
    assert (deal.stage_number, deal.max_stage_number) == (2, 2)
    change = StageChange.objects.filter(opportunity=deal).latest("id")
    assert (change.from_stage_number, change.to_stage_number, change.user_id) == (
        1,
        2,
        funnel_world.ae1.pk,
    )


def test_a_refused_drag_changes_nothing_and_says_why(
    funnel_world: FunnelWorld, deal: Opportunity, browser_page_for: Any
) -> None:
    pending = funnel_world.o5  # handed to ae1, not accepted yet
    page = browser_page_for(funnel_world.ae1)
    page.goto("/pipeline/?who=mine")
    card = page.locator(f'.board-card[data-opportunity-id="{pending.pk}"]')
    changes = StageChange.objects.count()

    card.drag_to(column(page, 3).locator("[data-dropzone]"))

    expect(page.locator("[data-board-error]")).to_have_text(
        "Not moved: The AE has not accepted the hand-off yet."
    )
    expect(column(page, 1).locator(f'[data-opportunity-id="{pending.pk}"]')).to_be_visible()
    pending.refresh_from_db()
    assert pending.stage_number == 1
    assert StageChange.objects.count() == changes


def test_the_funnel_dashboard_draws_its_charts(
    funnel_world: FunnelWorld, browser_page_for: Any
) -> None:
    from patron.funnel.rollup import days_settle

    # The live server shares the test's in-memory SQLite connection between its threads, so
    # the widgets' concurrent requests would settle the roll-up inside one another's
    # transaction (one reads the days another has just emptied). A real server has a
    # connection per request; here the days are settled before the page opens.
    days_settle(funnel_world.org)
    page = browser_page_for(funnel_world.manager)
    page.goto("/funnel/?from=2026-04-01&to=2026-06-30&bucket=month")
    page.wait_for_selector("#funnel-chart[data-chart-ready] canvas")
    page.wait_for_selector("#trend-chart[data-chart-ready] canvas")
    expect(page.locator('[data-metric="leads"] .tile-value')).to_have_text("4")  # Pipeline team
    page.locator('[data-sort="win_rate"]').click()
    expect(page.locator("#widget-people th.is-sorted [data-sort]")).to_have_attribute(
        "data-sort", "win_rate"
    )


def test_the_board_in_chinese(
    funnel_world: FunnelWorld, deal: Opportunity, browser_page_for: Any
) -> None:
    page = browser_page_for(funnel_world.ae1, locale="zh-CN")
    page.goto("/pipeline/?who=mine")
    expect(page.locator("h1")).to_have_text("商机看板")
    expect(page.locator(".board-summary")).to_contain_text("个进行中")
    card = page.locator(f'.board-card[data-opportunity-id="{deal.pk}"]')
    card.drag_to(column(page, 2).locator("[data-dropzone]"))
    expect(column(page, 2).locator("[data-stage-count]")).to_have_text("1")  # the saved board
    expect(column(page, 2).locator(f'[data-opportunity-id="{deal.pk}"]')).to_be_visible()
    deal.refresh_from_db()
    assert deal.stage_number == 2
