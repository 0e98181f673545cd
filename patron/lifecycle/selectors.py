"""Reads of stored lifecycle data for pages, the API and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from patron.companies.choices import Stage
from patron.companies.models import Company
from patron.core.models import Organization
from patron.core.months import month_index, month_label, month_start
from patron.lifecycle.models import CompanyMonth, EventKind, Handoff, LifecycleEvent


@dataclass(frozen=True)
class LifecycleCounts:
    month: str
    stages: dict[str, int]
    events: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "stages": self.stages, "events": self.events}


def _scoped(queryset: QuerySet[Any], team_id: int | None, team_ids: set[int] | None):  # type: ignore[no-untyped-def]
    if team_id is not None:
        queryset = queryset.filter(team_id=team_id)
    if team_ids is not None:
        queryset = queryset.filter(team_id__in=team_ids)
    return queryset


def lifecycle_counts(
    *,
    organization: Organization,
    month: int,
    team_id: int | None = None,
    team_ids: set[int] | None = None,
) -> LifecycleCounts:
    """Companies per stage and events per kind in one month. Prospects are the companies with no
    stored row in that month (no counted order up to it)."""
    first_day = month_start(month)
    rows = _scoped(
        CompanyMonth.objects.filter(organization=organization, month=first_day), team_id, team_ids
    )
    stages = {stage.value: 0 for stage in Stage}
    for stage, count in rows.values_list("stage").annotate(n=Count("id")).order_by():
        stages[stage] = count
    companies = _scoped(Company.objects.filter(organization=organization), team_id, team_ids)
    stored = sum(stages.values())
    stages[Stage.PROSPECT] = companies.count() - stored
    events = {kind.value: 0 for kind in EventKind}
    event_rows = _scoped(
        LifecycleEvent.objects.filter(organization=organization, month=first_day), team_id, team_ids
    )
    for kind, count in event_rows.values_list("kind").annotate(n=Count("id")).order_by():
        events[kind] = count
    return LifecycleCounts(month=month_label(month), stages=stages, events=events)


def lifecycle_history(
    *,
    organization: Organization,
    through_month: int,
    months: int = 24,
    team_id: int | None = None,
    team_ids: set[int] | None = None,
) -> list[dict[str, Any]]:
    """Per month: new customers, accounts, visitors, lapsed (stage counts) and event counts."""
    first = through_month - months + 1
    window = {"month__gte": month_start(first), "month__lte": month_start(through_month)}
    stage_rows = _scoped(
        CompanyMonth.objects.filter(organization=organization, **window), team_id, team_ids
    )
    stage_counts = stage_rows.values("month").annotate(
        new_customers=Count("id", filter=Q(stage=Stage.NEW_CUSTOMER)),
        accounts=Count("id", filter=Q(stage=Stage.ACCOUNT)),
        visitors=Count("id", filter=Q(stage=Stage.VISITOR)),
        lapsed=Count("id", filter=Q(stage=Stage.LAPSED)),
    )
    event_rows = _scoped(
        LifecycleEvent.objects.filter(organization=organization, **window), team_id, team_ids
    )
    event_counts = event_rows.values("month").annotate(
        became_account=Count("id", filter=Q(kind=EventKind.BECAME_ACCOUNT)),
        lapsed_events=Count("id", filter=Q(kind=EventKind.LAPSED)),
        won_back=Count("id", filter=Q(kind=EventKind.WON_BACK)),
    )
    by_month: dict[int, dict[str, Any]] = {
        index: {
            "month": month_label(index),
            "new_customers": 0,
            "accounts": 0,
            "visitors": 0,
            "lapsed": 0,
            "became_account": 0,
            "lapsed_events": 0,
            "won_back": 0,
        }
        for index in range(first, through_month + 1)
    }
    for row in stage_counts.order_by():
        by_month[month_index(row.pop("month"))].update(row)
    for row in event_counts.order_by():
        by_month[month_index(row.pop("month"))].update(row)
    return list(by_month.values())


@dataclass
class CompanyLifecycle:
    months: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)


def company_lifecycle(company: Company) -> CompanyLifecycle:
    months = [
        {
            "month": row["month"].strftime("%Y-%m"),
            "stage": row["stage"],
            "is_active": row["is_active"],
            "revenue": Decimal(row["revenue"]),
            "owner_id": row["owner_id"],
        }
        for row in CompanyMonth.objects.filter(company=company)
        .order_by("month")
        .values("month", "stage", "is_active", "revenue", "owner_id")
    ]
    events = [
        {"month": row["month"].strftime("%Y-%m"), "kind": row["kind"], "amount": row["amount"]}
        for row in LifecycleEvent.objects.filter(company=company)
        .order_by("month", "kind")
        .values("month", "kind", "amount")
    ]
    handoffs = list(
        Handoff.objects.filter(company=company)
        .select_related("from_user", "to_user")
        .order_by("month", "id")
    )
    return CompanyLifecycle(months=months, events=events, handoffs=handoffs)


def company_stage_rows(
    *, organization: Organization, month: int, team_id: int | None = None
) -> list[dict[str, Any]]:
    """Stage and events of each company in a month (by external_id), prospects included."""
    first_day = month_start(month)
    companies = Company.objects.filter(organization=organization)
    if team_id is not None:
        companies = companies.filter(team_id=team_id)
    stages = dict(
        CompanyMonth.objects.filter(organization=organization, month=first_day).values_list(
            "company_id", "stage"
        )
    )
    events: dict[int, list[str]] = {}
    for company_id, kind in (
        LifecycleEvent.objects.filter(organization=organization, month=first_day)
        .order_by("company_id", "kind")
        .values_list("company_id", "kind")
    ):
        events.setdefault(company_id, []).append(kind)
    return [
        {
            "external_id": external_id,
            "name": name,
            "stage": stages.get(company_id, Stage.PROSPECT.value),
            "events": events.get(company_id, []),
        }
        for company_id, external_id, name in companies.order_by("external_id").values_list(
            "id", "external_id", "name"
        )
    ]
