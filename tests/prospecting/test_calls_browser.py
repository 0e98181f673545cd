"""Headless Chromium on the call list: work three leads from the keyboard only (outcome key,
note, next step, Enter moves to the next lead), the same page on a phone, and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from patron.activities.models import Activity
from tests.prospecting.calls_world import CallsWorld, calls_world_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def company(page: Any) -> Any:
    return page.locator('[data-call-panel] [data-field="company"]')


def test_work_three_leads_from_the_keyboard(calls_world: CallsWorld, browser_page_for: Any) -> None:
    world = calls_world
    before = Activity.objects.filter(kind="call").count()
    page = browser_page_for(world.li)
    page.goto("/calls/")
    expect(page.locator("[data-calls][data-ready]")).to_be_attached()
    expect(company(page)).to_have_text("A1 Ltd")
    keyboard = page.keyboard

    keyboard.press("1")  # connected
    keyboard.press("n")
    keyboard.type("Wants the price list")
    keyboard.press("Enter")
    expect(company(page)).to_have_text("A2 Ltd")
    first_row = page.locator(f'[data-call-row][data-lead-id="{world.leads["A1"].pk}"]')
    expect(first_row).to_have_class("call-row is-called")

    keyboard.press("3")  # meeting set
    keyboard.press("n")
    keyboard.type("Demo on Tuesday")
    keyboard.press("Escape")
    keyboard.press("x")
    keyboard.type("Send the deck")
    keyboard.press("Enter")
    expect(company(page)).to_have_text("A3 Ltd")

    keyboard.press("2")  # no answer
    keyboard.press("n")
    keyboard.type("Voicemail")
    keyboard.press("Enter")
    expect(company(page)).to_have_text("A4 Ltd")
    expect(page.locator("[data-calls-today]")).to_have_text("3")

    new = Activity.objects.filter(kind="call").order_by("id")[before:]
    assert [(c.lead.external_id, c.outcome, c.note, c.next_step, c.user_id) for c in new] == [
        ("A1", "connected", "Wants the price list", "", world.li.pk),
        ("A2", "meeting_set", "Demo on Tuesday", "Send the deck", world.li.pk),
        ("A3", "no_answer", "Voicemail", "", world.li.pk),
    ]

    keyboard.press("k")  # back to A3: the call just saved is in its history
    expect(company(page)).to_have_text("A3 Ltd")
    history = page.locator("[data-call-history] [data-call-item]").first
    expect(history).to_contain_text("No answer")
    expect(history).to_contain_text("Voicemail")


def test_enter_without_an_outcome_saves_nothing(
    calls_world: CallsWorld, browser_page_for: Any
) -> None:
    before = Activity.objects.count()
    page = browser_page_for(calls_world.li)
    page.goto("/calls/")
    expect(page.locator("[data-calls][data-ready]")).to_be_attached()
    page.keyboard.press("Enter")
    expect(page.locator("[data-call-error]")).to_have_text("Choose an outcome: press 1 to 5.")
    expect(company(page)).to_have_text("A1 Ltd")
    assert Activity.objects.count() == before


def test_help_and_paging_past_the_first_page(
    calls_world: CallsWorld, browser_page_for: Any
) -> None:
    page = browser_page_for(calls_world.li)
    page.goto("/calls/")
    expect(page.locator("[data-calls][data-ready]")).to_be_attached()
    page.keyboard.press("?")
    expect(page.locator("[data-help]")).to_be_visible()
    page.keyboard.press("Escape")
    for _ in range(25):
        page.keyboard.press("j")
    expect(company(page)).to_have_text("B20 Ltd")  # the 26th lead came with the next page
    expect(page.locator("[data-call-row]")).to_have_count(38)


def test_on_a_phone_in_chinese(calls_world: CallsWorld, browser_page_for: Any) -> None:
    page = browser_page_for(calls_world.li, locale="zh-CN", viewport={"width": 390, "height": 844})
    page.goto("/calls/")
    expect(page.locator("h1")).to_have_text("拨打名单")
    expect(company(page)).to_have_text("A1 Ltd")
    save = page.locator(".call-save")
    expect(save).to_be_visible()
    box = save.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator(".call-outcome").nth(2).click()  # 会面已约 (tap, no keyboard)
    save.click()
    expect(company(page)).to_have_text("A2 Ltd")
    assert Activity.objects.filter(lead=calls_world.leads["A1"], outcome="meeting_set").count() == 1
