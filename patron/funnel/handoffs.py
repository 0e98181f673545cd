"""The SDR → AE hand-off: the SDR hands an opportunity to an AE; only that AE accepts it, or
rejects it with a reason (it then goes back to the SDR, who may hand it to another AE or close
it lost). The AE's answer is measured against the hand-off SLA."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.audit import audit_record, jsonable
from patron.core.errors import Conflict, PermissionDenied, ValidationFailed
from patron.core.models import AuditEvent
from patron.funnel import permissions
from patron.funnel.choices import HandoffStatus, RejectionReason
from patron.funnel.models import Opportunity, OpportunityHandoff


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


def _moment(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise _invalid("at", _("a moment with a time zone is needed"))
    return at


@transaction.atomic
def opportunity_hand_off(
    *, opportunity: Opportunity, by: User, to: User, at: dt.datetime | None = None
) -> OpportunityHandoff:
    """The source SDR (or a manager) hands an open opportunity to an AE, who must answer."""
    at = _moment(at)
    original = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not permissions.can_hand_off(by, original):
        raise permissions.denied(_("hand off"))
    if not original.is_open:
        raise Conflict(_("The opportunity is already closed."), {"status": _("already closed")})
    if original.source_sdr_id is None:
        raise _invalid("source_sdr", _("only an SDR-sourced opportunity is handed off"))
    if original.handoff_status in (HandoffStatus.PENDING, HandoffStatus.ACCEPTED):
        raise Conflict(_("The opportunity is already with an AE."), {"to": _("already handed off")})
    if (
        to.organization_id != original.organization_id
        or not to.is_active
        or not permissions.is_closer(to)
    ):
        raise _invalid("to", _("hand the opportunity to a user holding the AE role"))
    if at < original.created_at:
        raise _invalid("at", _("must not be before the opportunity was created"))
    before = {"owner": original.owner_id, "handoff_status": original.handoff_status}
    handoff = OpportunityHandoff.objects.create(
        organization_id=original.organization_id,
        opportunity=original,
        from_user_id=original.source_sdr_id,
        to_user=to,
        to_team_id=to.team_id,
        handed_at=at,
    )
    original.owner = to
    original.team_id = to.team_id
    original.handoff_status = HandoffStatus.PENDING
    original.save(update_fields=["owner", "team", "handoff_status", "updated_at"])
    audit_record(
        handoff,
        AuditEvent.Action.CREATE,
        {
            "opportunity": [None, original.pk],
            "to_user": [None, to.pk],
            "handed_at": [None, jsonable(at)],
        },
    )
    audit_record(
        original,
        AuditEvent.Action.HANDOFF,
        {
            "owner": [before["owner"], to.pk],
            "handoff_status": [before["handoff_status"], HandoffStatus.PENDING.value],
        },
    )
    return handoff


def _answerable(handoff: OpportunityHandoff, by: User) -> OpportunityHandoff:
    locked = OpportunityHandoff.objects.select_for_update().get(pk=handoff.pk)
    if locked.to_user_id != by.pk:
        raise PermissionDenied(
            _("Only the AE it was handed to may accept or reject this hand-off."),
            {"__all__": _("not the AE it was handed to")},
        )
    if locked.status != HandoffStatus.PENDING:
        raise Conflict(
            _("This hand-off was already answered (%(status)s).")
            % {"status": HandoffStatus(locked.status).label},
            {"status": _("already answered")},
        )
    return locked


@transaction.atomic
def handoff_accept(
    *, handoff: OpportunityHandoff, by: User, at: dt.datetime | None = None
) -> OpportunityHandoff:
    at = _moment(at)
    locked = _answerable(handoff, by)
    if at < locked.handed_at:
        raise _invalid("at", _("must not be before the hand-off"))
    locked.status = HandoffStatus.ACCEPTED
    locked.responded_at = at
    locked.save(update_fields=["status", "responded_at", "updated_at"])
    opportunity = Opportunity.objects.select_for_update().get(pk=locked.opportunity_id)
    opportunity.handoff_status = HandoffStatus.ACCEPTED
    opportunity.save(update_fields=["handoff_status", "updated_at"])
    audit_record(
        locked,
        AuditEvent.Action.UPDATE,
        {"status": ["pending", "accepted"], "responded_at": [None, jsonable(at)]},
    )
    audit_record(opportunity, AuditEvent.Action.UPDATE, {"handoff_status": ["pending", "accepted"]})
    return locked


@transaction.atomic
def handoff_reject(
    *,
    handoff: OpportunityHandoff,
    by: User,
    reason: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> OpportunityHandoff:
    """Reject with a reason (a note too when the reason is "other"); the opportunity goes back
    to its source SDR."""
    at = _moment(at)
    locked = _answerable(handoff, by)
    if reason not in RejectionReason.values:
        raise _invalid("reason", _("a rejection needs a reason"))
    if reason == RejectionReason.OTHER and not note.strip():
        raise _invalid("note", _("say why when the reason is “other”"))
    if at < locked.handed_at:
        raise _invalid("at", _("must not be before the hand-off"))
    locked.status = HandoffStatus.REJECTED
    locked.responded_at = at
    locked.reason = reason
    locked.note = note.strip()
    locked.save(update_fields=["status", "responded_at", "reason", "note", "updated_at"])
    opportunity = Opportunity.objects.select_for_update().get(pk=locked.opportunity_id)
    previous_owner = opportunity.owner_id
    opportunity.handoff_status = HandoffStatus.REJECTED
    opportunity.owner = None
    opportunity.team_id = opportunity.source_team_id
    opportunity.save(update_fields=["handoff_status", "owner", "team", "updated_at"])
    audit_record(
        locked,
        AuditEvent.Action.UPDATE,
        {
            "status": ["pending", "rejected"],
            "responded_at": [None, jsonable(at)],
            "reason": ["", reason],
        },
    )
    audit_record(
        opportunity,
        AuditEvent.Action.UPDATE,
        {"handoff_status": ["pending", "rejected"], "owner": [previous_owner, None]},
    )
    return locked
