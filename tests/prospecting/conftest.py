"""Fixtures for prospecting: a small region tree, sellers, leads and a profile helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import api_for  # noqa: F401 - the token client fixture

TODAY = dt.date(2026, 11, 20)


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
    return user_factory("seller", roles=["bdm"], team=team, display_name="Chen Seller")


@pytest.fixture
def lead_factory(organization: Any) -> Callable[..., Any]:
    from django.utils import timezone

    from patron.leads.models import Lead

    counter = {"n": 0}

    def make(owner: Any = None, **fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("external_id", f"L{counter['n']:05d}")
        fields.setdefault("created_at", timezone.now() - dt.timedelta(days=counter["n"]))
        team_id = owner.team_id if owner is not None else None
        return Lead.objects.create(
            organization=organization, owner=owner, team_id=team_id, **fields
        )

    return make


@pytest.fixture
def company_factory(organization: Any) -> Callable[..., Any]:
    from patron.companies.models import Company

    counter = {"n": 0}

    def make(**fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("external_id", f"C{counter['n']:05d}")
        fields.setdefault("name", f"Company {counter['n']}")
        return Company.objects.create(organization=organization, **fields)

    return make
