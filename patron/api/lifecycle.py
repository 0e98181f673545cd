"""/companies/{id}/lifecycle: a company's stage month by month, its events and hand-offs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from patron.api.auth import api_user
from patron.api.errors import READ_ERRORS
from patron.api.schemas import PathId
from patron.companies.selectors import company_get

router = Router(tags=["lifecycle"])


class LifecycleMonthOut(Schema):
    month: str
    stage: str
    is_active: bool
    revenue: Decimal
    owner_id: int | None


class LifecycleEventOut(Schema):
    month: str
    kind: str
    amount: Decimal


class HandoffOut(Schema):
    month: str
    from_user_id: int | None
    from_username: str | None
    to_user_id: int | None
    to_username: str | None
    rule: str


class LifecycleOut(Schema):
    company_id: int
    external_id: str
    stage: str
    months: list[LifecycleMonthOut]
    events: list[LifecycleEventOut]
    handoffs: list[HandoffOut]


@router.get(
    "/{company_id}/lifecycle",
    response={200: LifecycleOut, **READ_ERRORS},
    summary="A company's lifecycle history",
)
def company_lifecycle_history(request: HttpRequest, company_id: PathId) -> dict[str, Any]:
    # Imported here: the lifecycle engine is a heavier module than the API's other imports.
    from patron.lifecycle.selectors import company_lifecycle

    company = company_get(api_user(request), company_id)
    history = company_lifecycle(company)
    return {
        "company_id": company.pk,
        "external_id": company.external_id,
        "stage": company.stage,
        "months": history.months,
        "events": history.events,
        "handoffs": [handoff_row(handoff) for handoff in history.handoffs],
    }


def handoff_row(handoff: Any) -> dict[str, Any]:
    """A hand-off (a model instance with its users selected) as a JSON-ready row."""
    return {
        "month": handoff.month.strftime("%Y-%m"),
        "from_user_id": handoff.from_user_id,
        "from_username": handoff.from_user.username if handoff.from_user else None,
        "to_user_id": handoff.to_user_id,
        "to_username": handoff.to_user.username if handoff.to_user else None,
        "rule": handoff.rule,
    }
