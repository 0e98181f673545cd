"""A short-lived cache of funnel reports for the dashboard widgets.

The key holds the question (period, scope, sections) and a data version read from two primary
keys: the newest audit event — every service write, import and recompute records one — and the
newest activity (activities are the one funnel input written without one), plus the role
assignments. Any such change gives a new version, so a cached report is never older than the
data it counts; entries also expire after ``TTL`` seconds (role edits made outside Patron's
services, such as a deleted role in the admin, are picked up then). The API and the CLI always
compute afresh; the numbers are the same while the version holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")
TTL = 300
PREFIX = "funnel-report"


def data_version() -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM core_auditevent), (SELECT MAX(id) FROM"
            " activities_activity), (SELECT MAX(id) FROM accounts_userrole),"
            " (SELECT COUNT(*) FROM accounts_userrole)"
        )
        row = cursor.fetchone()
    return tuple(int(value or 0) for value in row)


def cached(question: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its result for the same question on the same data."""
    key = f"{PREFIX}:{connection.settings_dict['NAME']}:{hash((question, data_version()))}"
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, TTL)
    return value
