"""The organization's working calendar as the SLA clock sees it, and its edits.

Weekend days live on the organization and holidays / adjusted working days (调休) in
``CalendarDay``: both are the organization's, shared with pacing (SPEC §3). The SLA pages edit
them through these services, which audit each change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.audit import audit_bulk, audit_record
from patron.core.errors import ValidationFailed
from patron.core.models import AuditEvent, CalendarDay, Organization
from patron.funnel.clock import BusinessCalendar, WorkingHours
from patron.funnel.models import SlaPolicy
from patron.funnel.permissions import ensure_can_configure


def business_calendar(
    organization: Organization,
    policy: SlaPolicy,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> BusinessCalendar:
    """The clock of ``policy``: its hours, the organization's weekend and calendar days
    (only those between ``start`` and ``end`` when given)."""
    days = CalendarDay.objects.filter(organization=organization)
    if start is not None:
        days = days.filter(date__gte=start)
    if end is not None:
        days = days.filter(date__lte=end)
    return BusinessCalendar(
        time_zone=organization.time_zone,
        hours=WorkingHours(
            start=policy.day_start,
            end=policy.day_end,
            break_start=policy.break_start,
            break_end=policy.break_end,
        ),
        weekend=frozenset(int(day) for day in organization.weekend_days or []),
        exceptions=dict(days.values_list("date", "is_working")),
    )


@transaction.atomic
def weekend_days_set(*, organization: Organization, by: User, days: Sequence[int]) -> None:
    ensure_can_configure(by)
    cleaned = sorted(set(days))
    if any(day not in range(7) for day in cleaned) or len(cleaned) > 6:
        reason = _("weekend days are 0 (Monday) … 6 (Sunday), at most six of them")
        raise ValidationFailed(f"weekend_days: {reason}", {"weekend_days": reason})
    before = list(organization.weekend_days or [])
    if before == cleaned:
        return
    Organization.objects.filter(pk=organization.pk).update(weekend_days=cleaned)
    organization.weekend_days = cleaned
    audit_bulk(
        organization_id=organization.pk,
        model=Organization,
        action=AuditEvent.Action.UPDATE,
        entries=[(organization.pk, organization.name, {"weekend_days": [before, cleaned]})],
    )


@transaction.atomic
def calendar_day_set(
    *, organization: Organization, by: User, date: dt.date, is_working: bool, name: str = ""
) -> CalendarDay:
    """Mark ``date`` a holiday (``is_working=False``) or an adjusted working day."""
    ensure_can_configure(by)
    if len(name) > 100:
        reason = _("at most 100 characters")
        raise ValidationFailed(f"name: {reason}", {"name": reason})
    day = CalendarDay.objects.filter(organization=organization, date=date).first()
    if day is None:
        day = CalendarDay.objects.create(
            organization=organization, date=date, is_working=is_working, name=name
        )
        audit_record(
            day,
            AuditEvent.Action.CREATE,
            {"date": [None, date.isoformat()], "is_working": [None, is_working]},
        )
        return day
    changes: dict[str, list[Any]] = {}
    if day.is_working != is_working:
        changes["is_working"] = [day.is_working, is_working]
    if day.name != name:
        changes["name"] = [day.name, name]
    if changes:
        day.is_working, day.name = is_working, name
        day.save(update_fields=["is_working", "name"])
        audit_record(day, AuditEvent.Action.UPDATE, changes)
    return day


@transaction.atomic
def calendar_day_clear(*, organization: Organization, by: User, date: dt.date) -> bool:
    """Let ``date`` follow the weekly pattern again; False when it had no entry."""
    ensure_can_configure(by)
    day = CalendarDay.objects.filter(organization=organization, date=date).first()
    if day is None:
        return False
    audit_record(day, AuditEvent.Action.DELETE, {"is_working": [day.is_working, None]})
    day.delete()
    return True
