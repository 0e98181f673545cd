"""Every write to activities. Each records an audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patron.activities.models import Activity, ActivityKind
from patron.core.errors import ValidationFailed
from patron.core.models import Organization
from patron.core.records import record_create
from patron.leads.touches import TOUCH_KINDS, first_touch_refresh

ACTIVITY_FIELDS = (
    "kind",
    "user",
    "company",
    "contact",
    "lead",
    "opportunity",
    "occurred_at",
    "duration_seconds",
    "outcome",
    "subject",
    "note",
    "next_step",
    "next_step_on",
)


@transaction.atomic
def activity_log(*, organization: Organization, **values: Any) -> Activity:
    """Record an activity (a call with its outcome, an email, a meeting, a task, a note)."""
    if values.get("outcome") and values.get("kind") != ActivityKind.CALL:
        reason = _("only a call has an outcome")
        raise ValidationFailed(f"outcome: {reason}", {"outcome": reason})
    if not any(values.get(name) for name in ("company", "contact", "lead", "opportunity")):
        reason = _("an activity is about a company, a contact, a lead or an opportunity")
        raise ValidationFailed(f"company: {reason}", {"company": reason})
    contact = values.get("contact")
    if contact is not None and values.get("company") is None:
        values["company"] = contact.company
    opportunity = values.get("opportunity")
    if opportunity is not None and values.get("company") is None:
        values["company"] = opportunity.company
    activity = Activity(organization=organization, **values)
    activity = record_create(activity, values, allowed=ACTIVITY_FIELDS)
    if activity.lead_id is not None and activity.kind in TOUCH_KINDS:
        first_touch_refresh(organization=organization, lead_ids=[activity.lead_id])
    return activity
