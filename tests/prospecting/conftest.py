"""Fixtures for prospecting: a small region tree, sellers, leads and a profile helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def regions(db: None) -> dict[str, Any]:
    """中国 → 江苏 → 苏州 / 南京; 中国 → 上海 → 浦东; 中国 → 广东."""
    from patron.companies.models import Region

    china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
    jiangsu = Region.objects.create(code="JS", name="江苏", name_en="Jiangsu", parent=china, level=1)
    shanghai = Region.objects.create(code="SH", name="上海", name_en="Shanghai", parent=china, level=1)
    guangdong = Region.objects.create(code="GD", name="广东", name_en="Guangdong", parent=china, level=1)
    suzhou = Region.objects.create(code="JS-SZ", name="苏州", name_en="Suzhou", parent=jiangsu, level=2)
    nanjing = Region.objects.create(code="JS-NJ", name="南京", name_en="Nanjing", parent=jiangsu, level=2)
    pudong = Region.objects.create(code="SH-PD", name="浦东", name_en="Pudong", parent=shanghai, level=2)
    return {
        "CN": china,
        "JS": jiangsu,
        "SH": shanghai,
        "GD": guangdong,
        "JS-SZ": suzhou,
        "JS-NJ": nanjing,
        "SH-PD": pudong,
    }


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
        return Lead.objects.create(organization=organization, owner=owner, team_id=team_id, **fields)

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
