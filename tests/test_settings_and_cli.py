"""The ``patron`` command and the environment-driven settings, exercised as a user would."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PATRON = shutil.which("patron", path=str(Path(sys.executable).parent)) or "patron"

# Django's own commands that `patron --help` must list.
DJANGO_COMMANDS = [
    "check",
    "collectstatic",
    "compilemessages",
    "createsuperuser",
    "db_worker",
    "makemessages",
    "makemigrations",
    "migrate",
    "runserver",
    "shell",
]
# Patron's own commands that `patron --help` must list: extend it with every new command.
PATRON_COMMANDS = ["demo", "generate", "import", "lifecycle", "report", "token"]

SETTINGS_PROBE = """
import json
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "engine": database["ENGINE"],
    "name": str(database["NAME"]),
    "host": database.get("HOST", ""),
    "port": str(database.get("PORT", "")),
    "user": database.get("USER", ""),
    "transaction_mode": database.get("OPTIONS", {}).get("transaction_mode"),
    "data_dir": str(settings.DATA_DIR),
    "static_root": str(settings.STATIC_ROOT),
    "secret_key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "csrf_trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "tasks_backend": settings.TASKS["default"]["BACKEND"],
}))
"""


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The current environment without Patron's variables, plus ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PATRON_", "DJANGO_")) and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.setdefault("PATRON_DATA_DIR", str(tmp_path / "data"))
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def probe_settings(tmp_path: Path, **overrides: str) -> dict[str, object]:
    result = run([sys.executable, "-c", SETTINGS_PROBE], clean_env(tmp_path, **overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def listed_commands(help_text: str) -> set[str]:
    """Command names from Django's help: the indented lines under each ``[app]`` header."""
    return set(re.findall(r"^ {4}(\w+)\s*$", help_text, flags=re.MULTILINE))


def existing_patron_commands() -> set[str]:
    modules = (REPO / "patron").glob("*/management/commands/*.py")
    return {module.stem for module in modules if not module.stem.startswith("_")}


@pytest.fixture(scope="module")
def help_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    result = run([PATRON, "--help"], clean_env(tmp_path_factory.mktemp("help")))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_patron_help_lists_django_and_patron_commands(help_text: str) -> None:
    commands = listed_commands(help_text)

    assert "Type 'patron help <subcommand>'" in help_text
    assert set(DJANGO_COMMANDS) <= commands
    assert set(PATRON_COMMANDS) <= commands


def test_patron_help_lists_every_patron_command_module(help_text: str) -> None:
    assert set(PATRON_COMMANDS) <= existing_patron_commands()
    assert existing_patron_commands() <= listed_commands(help_text)


def test_patron_without_arguments_prints_help(tmp_path: Path, help_text: str) -> None:
    result = run([PATRON], clean_env(tmp_path))

    assert result.returncode == 0
    assert result.stdout == help_text


def test_default_settings_are_embedded_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    settings = probe_settings(tmp_path)

    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(data_dir / "patron.sqlite3")
    assert settings["transaction_mode"] == "IMMEDIATE"
    assert settings["data_dir"] == str(data_dir)
    assert settings["static_root"] == str(data_dir / "static")
    assert settings["debug"] is False
    assert settings["allowed_hosts"] == ["localhost", "127.0.0.1", "testserver"]
    assert settings["session_cookie_secure"] is False
    assert settings["hsts_seconds"] == 0
    assert settings["tasks_backend"] == "django_tasks.backends.immediate.ImmediateBackend"


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    data_dir = tmp_path / "elsewhere"

    settings = probe_settings(
        tmp_path,
        DATABASE_URL="postgres://crm:secret@db.internal:6543/patron_prod",
        PATRON_DATA_DIR=str(data_dir),
        SECRET_KEY="k" * 60,
        PATRON_ALLOWED_HOSTS="crm.example.com, www.crm.example.com",
        PATRON_CSRF_TRUSTED_ORIGINS="https://crm.example.com",
        PATRON_SECURE_COOKIES="1",
        PATRON_HSTS_SECONDS="31536000",
        PATRON_SSL_REDIRECT="1",
        PATRON_TASKS_BACKEND="database",
    )

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "patron_prod"
    assert settings["host"] == "db.internal"
    assert settings["port"] == "6543"
    assert settings["user"] == "crm"
    assert settings["transaction_mode"] is None
    assert settings["data_dir"] == str(data_dir)
    assert settings["static_root"] == str(data_dir / "static")
    assert settings["secret_key"] == "k" * 60
    assert settings["allowed_hosts"] == ["crm.example.com", "www.crm.example.com"]
    assert settings["csrf_trusted_origins"] == ["https://crm.example.com"]
    assert settings["session_cookie_secure"] is True
    assert settings["hsts_seconds"] == 31536000
    assert settings["ssl_redirect"] is True
    assert settings["tasks_backend"] == "django_tasks_db.DatabaseBackend"


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        PATRON_SECURE_COOKIES="1",
        PATRON_HSTS_SECONDS="31536000",
        PATRON_SSL_REDIRECT="1",
        PATRON_ALLOWED_HOSTS="crm.example.com",
    )

    result = run([PATRON, "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_the_development_defaults(tmp_path: Path) -> None:
    result = run([PATRON, "check", "--deploy", "--fail-level", "WARNING"], clean_env(tmp_path))

    assert result.returncode == 1
    assert "security.W009" in result.stderr  # the development SECRET_KEY
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W012" in result.stderr  # session cookie not secure
