"""Browser journeys in headless Chromium: sign in, dashboard, a company, language, phone size."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def open_dashboard(page: Any) -> None:
    page.goto("/?month=2026-03")
    page.wait_for_selector('[data-widget="lifecycle"] [data-stage="account"] .tile-value')
    page.wait_for_selector("#history-chart[data-chart-ready] canvas")
    page.wait_for_selector('[data-widget="indicators"] table')


def test_sign_in_and_see_the_dashboard(web_world: Any, browser_page: Any) -> None:
    page = browser_page
    page.goto("/")
    assert page.url.endswith("/login/?next=/")

    page.fill('input[name="username"]', "padmin")
    page.fill('input[name="password"]', TEST_PASSWORD)
    page.click('button[type="submit"]:has-text("Sign in")')
    page.wait_for_url("**/")
    open_dashboard(page)

    account = page.locator('[data-widget="lifecycle"] [data-stage="account"] .tile-value')
    assert account.inner_text() == "2"
    conversion = page.locator('[data-indicator="conversion_rate"] .tile-value')
    assert conversion.inner_text() == "50.0%"
    canvas = page.locator("#history-chart canvas").first
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 200


def test_open_a_company_from_the_list(web_world: Any, browser_page_for: Any) -> None:
    page = browser_page_for(web_world.admin)
    page.goto("/companies/")
    page.fill('input[name="q"]', "Alpha")
    page.click('button:has-text("Filter")')
    expect(page.locator("tr[data-company]")).to_have_count(1)  # the results were swapped in
    assert page.locator('tr[data-company="E-A"]').count() == 1

    page.click('tr[data-company="E-A"] a')
    page.wait_for_selector("#stage-strip")

    assert page.locator("h1").inner_text() == "Alpha 深圳科技"
    assert page.locator('[data-testid="company-stage"]').inner_text() == "Lapsed"
    assert page.locator('.strip-cell[data-month="2026-02"]').get_attribute("data-stage") == (
        "account"
    )
    assert page.locator('#orders [data-order="SO-003"]').count() == 1
    assert "Zhang AM" in page.locator("#handoffs").inner_text()
    assert "credit rating" in page.locator("#audit").inner_text()


def test_switch_language_to_chinese(web_world: Any, browser_page_for: Any) -> None:
    page = browser_page_for(web_world.admin)
    open_dashboard(page)
    assert page.locator(".sidenav .nav-link").first.inner_text().strip().endswith("Dashboard")

    page.click('.topbar button[name="language"][value="zh-hans"]')
    page.wait_for_selector('html[lang="zh-hans"]')
    open_dashboard(page)

    assert page.locator(".sidenav .nav-link").first.inner_text().strip().endswith("仪表盘")
    assert page.locator("h1").inner_text() == "仪表盘"
    stage_label = page.locator('[data-widget="lifecycle"] [data-stage="account"] .tile-label')
    assert stage_label.inner_text().strip() == "账户客户"
    assert "转化率" in page.locator('[data-indicator="conversion_rate"]').inner_text()
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies["django_language"] == "zh-hans"

    page.goto("/companies/")
    assert page.locator("h1").inner_text() == "公司"


def test_phone_sized_screen(web_world: Any, browser_page_for: Any) -> None:
    page = browser_page_for(web_world.admin, viewport=PHONE, is_mobile=True, has_touch=True)
    open_dashboard(page)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # the page itself never scrolls sideways
    nav = page.locator("#sidenav")
    assert not nav.is_visible() or nav.bounding_box()["x"] < 0  # collapsed off screen
    page.click("[data-nav-toggle]")
    page.wait_for_function("document.body.classList.contains('nav-open')")
    page.wait_for_timeout(300)  # the slide-in transition
    assert nav.bounding_box()["x"] == 0

    page.click('#sidenav a:has-text("Companies")')
    page.wait_for_selector("tr[data-company]")
    table = page.locator("#company-results .table-wrap")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert table.evaluate("node => node.scrollWidth > node.clientWidth")  # scrolls inside
