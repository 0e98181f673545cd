"""Background work for the worker (``patron db_worker``): tasks take ids, call one service."""

from __future__ import annotations

from django_tasks import task

from patron.core.audit import Actor, acting_as
from patron.core.models import Organization
from patron.lifecycle.services import lifecycle_recompute


@task()
def lifecycle_recompute_task(
    organization_id: int, company_ids: list[int] | None = None, through_month: int | None = None
) -> dict[str, int]:
    organization = Organization.objects.get(pk=organization_id)
    with acting_as(Actor(user_id=None, label="worker", source="worker")):
        result = lifecycle_recompute(
            organization=organization, company_ids=company_ids, through_month=through_month
        )
    return {"companies": result.companies, "months": result.months, "events": result.events}
