"""Chromium works inside the suite: the live server answers and the page renders."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_login_page_opens_in_headless_chromium(browser_page: Any) -> None:
    response = browser_page.goto("/login/")

    assert response is not None
    assert response.status == 200
    assert browser_page.locator("html").count() == 1
