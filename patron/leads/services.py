"""Every write to leads. Each records an audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.errors import ValidationFailed
from patron.core.models import Organization
from patron.core.records import record_create, record_update
from patron.leads.choices import MqlSource
from patron.leads.models import Lead
from patron.leads.touches import first_touch_refresh

LEAD_FIELDS = (
    "external_id",
    "company_name",
    "contact_name",
    "title",
    "email",
    "phone",
    "industry",
    "region",
    "source",
    "owner",
    "status",
    "company",
    "contact",
    "created_at",
)


def _team_of(owner: User | None) -> int | None:
    return owner.team_id if owner is not None else None


@transaction.atomic
def lead_create(*, organization: Organization, **values: Any) -> Lead:
    lead = Lead(organization=organization, **values)
    lead.team_id = _team_of(values.get("owner"))
    record_create(lead, values, allowed=LEAD_FIELDS, unique_field="external_id")
    _rescore(lead)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, **values: Any) -> Lead:
    def follow_owner(original: Lead) -> None:
        if "owner" in values:
            original.team_id = _team_of(values["owner"])

    updated = record_update(
        lead, values, allowed=LEAD_FIELDS, unique_field="external_id", before_save=follow_owner
    )
    _rescore(updated)
    return updated


def _rescore(lead: Lead) -> None:
    """Put the lead's score on its owner's prospect list up to date (SPEC §5)."""
    from patron.prospecting.services import leads_rescore

    leads_rescore(organization=lead.organization, lead_ids=[lead.pk])


@transaction.atomic
def lead_mark_mql(
    *, lead: Lead, source: str = MqlSource.MANUAL, at: dt.datetime | None = None
) -> Lead:
    """Record that ``lead`` became marketing-qualified (once: a second call changes nothing)."""
    if source not in MqlSource.values:
        raise ValidationFailed(
            _("mql_source: unknown value %(value)s") % {"value": source},
            {"mql_source": _("unknown value")},
        )
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationFailed(
            _("mql_at: a moment with a time zone is needed"),
            {"mql_at": _("a moment with a time zone is needed")},
        )
    if lead.mql_at is not None:
        return lead
    lead = record_update(
        lead,
        {"mql_at": at, "mql_source": source},
        allowed=("mql_at", "mql_source"),
        unique_field="external_id",
    )
    first_touch_refresh(organization=lead.organization, lead_ids=[lead.pk])
    lead.refresh_from_db(fields=["first_touch_at"])
    return lead
