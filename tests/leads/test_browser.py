"""Headless Chromium: a manager uploads a marketing list, checks the column mapping, runs a
dry run (nothing written), imports, and opens the duplicate it reported — on a phone-sized
screen too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from patron.leads.models import Lead, LeadDuplicate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "lead_id,company,contact_name,email,phone,industry,notes\n"
    "B1,苏州精密机械有限公司,王强,wq@szjm.cn,13800138000,制造业,x\n"
    "B2,Acme Ltd,Ann Lee,ann@acme.cn,,software,y\n"
    "B3,Other Co,Someone,WQ@szjm.cn,,,z\n"
    "B4,Broken,Bad,not-an-email,,,w\n"
)


@pytest.mark.parametrize("viewport", [None, {"width": 390, "height": 844}])
def test_upload_preview_dry_run_import(
    manager: Any, browser_page_for: Any, tmp_path: Path, settings: Any, viewport: Any
) -> None:
    settings.DATA_DIR = tmp_path
    source = tmp_path / "marketing list.csv"
    source.write_text(CSV, encoding="utf-8")
    page = browser_page_for(manager, **({"viewport": viewport} if viewport else {}))
    page.goto("/leads/")
    page.get_by_role("link", name="Import leads").click()
    page.set_input_files("input[name=file]", str(source))
    page.get_by_role("button", name="Upload and preview").click()

    preview = page.locator("#mapping-preview")
    expect(preview).to_contain_text("苏州精密机械有限公司")
    # "company" is recognised as company_name; "notes" is left out
    expect(page.locator("select[name=col_1]")).to_have_value("company_name")
    expect(page.locator("select[name=col_6]")).to_have_value("")
    page.select_option("select[name=col_6]", "source")

    page.get_by_test_id("dry-run").click()
    result = page.locator("#import-result")
    expect(result).to_have_attribute("data-dry-run", "true")
    expect(result.locator('[data-count="created"]')).to_have_text("2")
    expect(result.locator('[data-count="duplicates"]')).to_have_text("1")
    expect(result.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("#rejects")).to_contain_text("email is not a valid email address")
    assert Lead.objects.count() == 0

    page.get_by_test_id("run-import").click()
    expect(page.locator("#import-result")).to_have_attribute("data-dry-run", "false")
    assert sorted(Lead.objects.values_list("external_id", "source")) == [("B1", "x"), ("B2", "y")]
    page.get_by_role("link", name="Review the duplicates of this import").click()
    row = page.locator('[data-duplicate="B3"]')
    expect(row).to_contain_text("Email")
    row.get_by_role("link").click()
    page.get_by_test_id("merge").click()
    expect(page.locator(".alert")).to_contain_text("Merged into")
    assert LeadDuplicate.objects.get().status == "merged"
