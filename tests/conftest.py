"""Shared test fixtures: organization, users with roles, logged-in clients, headless Chromium.

Browser tests use pytest-django's ``live_server`` and Debian's Chromium (never
``playwright install``)::

    @pytest.mark.browser
    def test_dashboard(browser_page_for, manager):
        page = browser_page_for(manager)
        page.goto("/")            # relative to the live server
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PATRON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Generous: CI machines have 2 cores shared by two xdist workers, Chromium and the live server.
BROWSER_TIMEOUT_MS = 20_000
TEST_PASSWORD = "patron-test-password"  # every user made by ``user_factory`` has it
BROWSER_FIXTURES = {"browser_page", "browser_page_for", "page", "context", "browser"}


def pytest_configure(config: pytest.Config) -> None:
    """Test-only settings: plain static storage (no collectstatic manifest), fast hashing,
    and cookies that work over the live server's plain HTTP."""
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
    ).enable()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Any test that drives Chromium is a browser test, marked or not."""
    for item in items:
        if BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# --- organization, teams, users -----------------------------------------------------------


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test ends in the default language: a request in Chinese leaves Chinese active in
    the thread (LocaleMiddleware does not deactivate), and a test after it on the same worker
    would read its messages in Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def organization(db: None) -> Any:
    """The installation's organization, in China Standard Time."""
    from patron.core.models import Organization

    organization = Organization.objects.get_default()
    if organization.time_zone != "Asia/Shanghai":
        organization.time_zone = "Asia/Shanghai"
        organization.save(update_fields=["time_zone"])
    return organization


@pytest.fixture
def team_factory(organization: Any) -> Callable[..., Any]:
    from patron.accounts.models import Team

    def make(name: str | None = None, **fields: Any) -> Any:
        name = name or f"Team {Team.objects.count() + 1}"
        return Team.objects.create(organization=organization, name=name, **fields)

    return make


@pytest.fixture
def team(team_factory: Callable[..., Any]) -> Any:
    return team_factory("East 1")


@pytest.fixture
def user_factory(organization: Any) -> Callable[..., Any]:
    """``user_factory("li", roles=["bdm"], team=team)`` → a user with those roles.

    The password is ``TEST_PASSWORD``; ``admin`` in roles also makes the user staff.
    """
    from patron.accounts.models import User, UserRole

    def make(
        username: str | None = None,
        *,
        roles: Sequence[str] = (),
        team: Any = None,
        password: str = TEST_PASSWORD,
        **fields: Any,
    ) -> Any:
        username = username or f"user{User.objects.count() + 1}"
        fields.setdefault("is_staff", "admin" in roles)
        fields.setdefault("email", f"{username}@example.com")
        user = User.objects.create_user(
            username=username,
            password=password,
            organization=organization,
            team=team,
            **fields,
        )
        UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in roles])
        return user

    return make


@pytest.fixture
def regions(db: None) -> dict[str, Any]:
    """中国 → 江苏 → 苏州 / 南京; 中国 → 上海 → 浦东; 中国 → 广东."""
    from patron.companies.models import Region

    made: dict[str, Any] = {}
    for code, name, name_en, parent in [
        ("CN", "中国", "China", None),
        ("JS", "江苏", "Jiangsu", "CN"),
        ("SH", "上海", "Shanghai", "CN"),
        ("GD", "广东", "Guangdong", "CN"),
        ("JS-SZ", "苏州", "Suzhou", "JS"),
        ("JS-NJ", "南京", "Nanjing", "JS"),
        ("SH-PD", "浦东", "Pudong", "SH"),
    ]:
        made[code] = Region.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            parent=made.get(parent) if parent else None,
            level=code.count("-") + (0 if parent is None else 1),
        )
    return made


@pytest.fixture
def seller(user_factory: Callable[..., Any], team: Any) -> Any:
    """A BDM of the team, Chen Seller, whose prospect list the tests fill."""
    return user_factory("seller", roles=["bdm"], team=team, display_name="Chen Seller")


@pytest.fixture
def manager(user_factory: Callable[..., Any], team: Any) -> Any:
    """The team's sales manager."""
    user = user_factory("manager", roles=["manager"], team=team, display_name="Wang Manager")
    team.manager = user
    team.save(update_fields=["manager"])
    return user


@pytest.fixture
def bdm(user_factory: Callable[..., Any], team: Any) -> Any:
    return user_factory("bdm", roles=["bdm"], team=team, display_name="Li BDM")


@pytest.fixture
def am(user_factory: Callable[..., Any], team: Any) -> Any:
    return user_factory("am", roles=["am"], team=team, display_name="Zhang AM")


@pytest.fixture
def patron_admin(user_factory: Callable[..., Any]) -> Any:
    """An administrator (pytest-django's own ``admin_user`` is a plain superuser)."""
    return user_factory("padmin", roles=["admin"], display_name="Admin")


# --- HTTP clients -------------------------------------------------------------------------


@pytest.fixture
def client_for(db: None) -> Callable[[Any], Any]:
    """``client_for(user)`` → a Django test client logged in as ``user``."""
    from django.test import Client

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


# --- headless Chromium --------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_shared_sqlite() -> Iterator[None]:
    """With the in-memory SQLite test database the live server's threads all use the test
    thread's one connection (Django passes it as ``connections_override``). Two requests at
    once on it — a page and its favicon, say — can break one of them at random (a company
    page that never rendered in a CI run). The server still reads requests in threads (an
    idle socket blocks nobody), but runs the application for one at a time. PostgreSQL runs
    keep Django's threaded server as it is."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATimeServer(ThreadedWSGIServer):
        def set_app(self, application: Any) -> None:
            if not self.connections_override:  # its own connection per thread: as Django has it
                super().set_app(application)
                return
            lock = threading.Lock()

            def serial(environ: Any, start_response: Any) -> Any:
                with lock:
                    return application(environ, start_response)

            super().set_app(serial)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", OneAtATimeServer)
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium with our flags (used by ``browser``)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (installs Debian chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    """Pages open relative URLs against the live server, in English, at a laptop size."""
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-US",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


def _prepare(page: Any) -> Any:
    from playwright.sync_api import expect

    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    return page


@pytest.fixture
def browser_page(page: Any) -> Any:
    """A fresh Chromium page on the live server (anonymous); ``goto("/login/")`` works."""
    return _prepare(page)


@pytest.fixture
def browser_page_for(browser: Any, browser_context_args: dict[str, Any]) -> Iterator[Any]:
    """``browser_page_for(user)`` → a page whose session is already logged in as ``user``."""
    from django.conf import settings
    from django.test import Client

    contexts: list[Any] = []

    def make(user: Any, **context_args: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(**{**browser_context_args, **context_args})
        contexts.append(context)
        session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        base_url = browser_context_args["base_url"]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie.value, "url": base_url}]
        )
        return _prepare(context.new_page())

    yield make
    for context in contexts:
        context.close()
