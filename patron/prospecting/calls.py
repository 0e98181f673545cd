"""Logging a call from the call list (SPEC §5): the outcome, a note and the next step become a
call activity on the lead, written through ``activity_log`` (audited in the same transaction)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.activities.models import Activity, ActivityKind, CallOutcome
from patron.activities.services import activity_log
from patron.core.errors import ValidationFailed
from patron.leads.models import Lead

NOTE_MAX = 4000


@transaction.atomic
def call_log(
    *,
    by: User,
    lead: Lead,
    outcome: str,
    note: str = "",
    next_step: str = "",
    next_step_on: dt.date | None = None,
    occurred_at: dt.datetime | None = None,
) -> Activity:
    """Record one call of ``by`` to ``lead``. The outcome is one of the five call outcomes; a
    next-step date needs the step itself. Nothing is written when a value is refused."""
    if outcome not in CallOutcome.values:
        reason = _(
            "choose an outcome: connected, no answer, meeting set, not interested or wrong person"
        )
        raise ValidationFailed(f"outcome: {reason}", {"outcome": reason})
    note = (note or "").strip()
    next_step = (next_step or "").strip()
    if len(note) > NOTE_MAX:
        reason = _("at most %(count)d characters") % {"count": NOTE_MAX}
        raise ValidationFailed(f"note: {reason}", {"note": reason})
    if next_step_on is not None and not next_step:
        reason = _("say what the next step is")
        raise ValidationFailed(f"next_step: {reason}", {"next_step": reason})
    return activity_log(
        organization=lead.organization,
        kind=ActivityKind.CALL,
        user=by,
        lead=lead,
        company=lead.company,
        contact=lead.contact,
        occurred_at=occurred_at or timezone.now(),
        outcome=outcome,
        note=note,
        next_step=next_step,
        next_step_on=next_step_on,
    )
