"""Reads of import provenance: which import runs created a company, its contacts and orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Model

from patron.imports.models import ImportRun


@dataclass(frozen=True)
class ImportCreation:
    """``count`` records of ``model`` created by one import run."""

    run_id: int
    at: dt.datetime
    actor_label: str
    file_name: str
    model: type[Model]
    count: int
    object_label: str = ""  # the record, when the run created exactly one that is named


def import_creations(company: Model) -> list[ImportCreation]:
    """The runs that created ``company`` (a Company), its contacts and its orders, newest first."""
    from patron.companies.models import Company, Contact
    from patron.sales.models import Order

    counts: list[tuple[type[Model], int, int, str]] = []
    if company.created_by_import_id is not None:  # type: ignore[attr-defined]
        counts.append((Company, company.created_by_import_id, 1, str(company)))  # type: ignore[attr-defined]
    for model, queryset in (
        (Contact, Contact.objects.filter(company_id=company.pk)),
        (Order, Order.objects.filter(company_id=company.pk)),
    ):
        grouped = (
            queryset.filter(created_by_import__isnull=False)
            .values_list("created_by_import")
            .annotate(count=Count("id"))
            .order_by()
        )
        counts.extend((model, run_id, count, "") for run_id, count in grouped)
    runs = ImportRun.objects.in_bulk({run_id for _model, run_id, _n, _label in counts})
    creations = [
        ImportCreation(
            run_id=run_id,
            at=runs[run_id].created_at,
            actor_label=runs[run_id].actor_label,
            file_name=runs[run_id].file_name,
            model=model,
            count=count,
            object_label=label,
        )
        for model, run_id, count, label in counts
        if run_id in runs
    ]
    return sorted(creations, key=lambda creation: (creation.at, creation.run_id), reverse=True)
