"""Fixtures for prospecting: leads and companies (the region tree and the seller are shared,
in ``tests/conftest.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import api_for  # noqa: F401 - the token client fixture

TODAY = dt.date(2026, 11, 20)


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
