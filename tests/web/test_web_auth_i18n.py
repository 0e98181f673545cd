"""Sign in, sign out, the login wall, and the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["/", "/companies/", "/companies/1/", "/dashboard/lifecycle/", "/dashboard/indicators/"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_require_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_login_page_renders(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_login_with_the_right_password_opens_the_dashboard(client: Client, manager: Any) -> None:
    response = client.post("/login/", {"username": "manager", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == manager


def test_login_with_a_wrong_password_is_refused(client: Client, manager: Any) -> None:
    response = client.post("/login/", {"username": "manager", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert settings.SESSION_COOKIE_NAME not in response.cookies or not client.session.get(
        "_auth_user_id"
    )
    assert client.get("/").status_code == 302


def test_logout_is_a_post(client_for: Any, manager: Any) -> None:
    client = client_for(manager)

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_language_switch_renders_chinese_and_persists_in_a_cookie(
    client_for: Any, manager: Any
) -> None:
    client = client_for(manager)
    english = client.get("/companies/")
    assert '<span class="nav-icon" aria-hidden="true">◫</span>Companies' in english.text

    switched = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/companies/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/companies/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    chinese = client.get("/companies/")
    assert '<html lang="zh-hans">' in chinese.text
    assert '<span class="nav-icon" aria-hidden="true">◫</span>公司' in chinese.text
    assert "仪表盘" in chinese.text
    assert "退出登录" in chinese.text

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").text


def test_login_page_is_translated(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get("/login/")

    assert "登录" in response.text
    assert "密码" in response.text
