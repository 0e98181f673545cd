"""A lead's first touch: the first call, email or meeting on it by a hunter (an SDR or a BDM)
at or after the moment it became an MQL (SPEC §9: follow-up rate, the MQL first-touch SLA).

The moment is kept on the lead (``Lead.first_touch_at``) so that the funnel's metrics, its
dashboard and the SLA read one indexed column instead of searching millions of activities. It
is derived, never typed: :func:`first_touch_refresh` sets it from the activities, set-wise, and
every write that can move it calls that — logging an activity on a lead, marking a lead MQL
(by hand, by rule, by import), merging leads, changing who holds a hunter role — as does
``patron funnel refresh-touches`` for the whole organization.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import OuterRef, Subquery

from patron.accounts.models import Role, UserRole
from patron.activities.models import Activity, ActivityKind
from patron.core.bulk import quote
from patron.core.frames import in_values
from patron.core.models import Organization

HUNTER_ROLES = (Role.SDR.value, Role.BDM.value)  # SPEC §0: "BDM / SDR (hunter)"
TOUCH_KINDS = (ActivityKind.CALL.value, ActivityKind.EMAIL.value, ActivityKind.MEETING.value)


def hunter_ids() -> Subquery:
    return Subquery(UserRole.objects.filter(role__in=HUNTER_ROLES).values("user_id"))


def first_touch() -> Subquery:
    """The definition, as a subquery on a lead: its first touch at or after ``mql_at``."""
    touches = Activity.objects.filter(
        lead_id=OuterRef("pk"),
        occurred_at__gte=OuterRef("mql_at"),
        kind__in=TOUCH_KINDS,
        user_id__in=hunter_ids(),
    ).order_by("occurred_at")
    return Subquery(touches.values("occurred_at")[:1])


def _update_sql(where: str) -> str:
    """Set the first touch of the leads ``where`` selects, writing only the rows whose value
    changes (an UPDATE rewrites every index entry of the row it touches)."""
    lead = quote("leads_lead")
    activity = quote("activities_activity")
    kinds = ", ".join(f"'{kind}'" for kind in TOUCH_KINDS)
    roles = ", ".join(f"'{role}'" for role in HUNTER_ROLES)
    touch = (
        f"SELECT MIN(a.occurred_at) FROM {activity} a WHERE a.lead_id = l.id"
        f" AND a.occurred_at >= l.mql_at AND a.kind IN ({kinds})"
        f" AND a.user_id IN (SELECT r.user_id FROM {quote('accounts_userrole')} r"
        f" WHERE r.role IN ({roles}))"
    )
    return (
        f"UPDATE {lead} SET first_touch_at = t.touch FROM (SELECT l.id, ({touch}) AS touch"
        f" FROM {lead} l WHERE l.organization_id = %s"
        f" AND (l.mql_at IS NOT NULL OR l.first_touch_at IS NOT NULL){where}) t"
        f" WHERE {lead}.id = t.id AND {lead}.first_touch_at IS DISTINCT FROM t.touch"
    )


def _id_list(ids: Iterable[int] | pl.Series) -> tuple[str, list[Any]]:
    """``ids`` for ``IN (…)``: bound one by one when few, else one JSON parameter."""
    values = in_values((ids if isinstance(ids, pl.Series) else pl.Series(list(ids))).cast(pl.Int64))
    if isinstance(values, list):
        return ", ".join(["%s"] * len(values)), values
    return values.sql, list(values.params)


def first_touch_refresh(
    *,
    organization: Organization,
    lead_ids: Iterable[int] | pl.Series | None = None,
    user_ids: Iterable[int] | None = None,
) -> None:
    """Set ``first_touch_at`` from the activities: of ``lead_ids``, of the leads that the
    people ``user_ids`` touched (their role changed), or (neither) of every lead. One
    statement each, however many ids (many go as one JSON parameter)."""
    with connection.cursor() as cursor:
        if lead_ids is None and user_ids is None:
            cursor.execute(_update_sql(""), [organization.pk])
            return
        activity = quote("activities_activity")
        scopes = [
            (
                user_ids,
                f" AND l.id IN (SELECT lead_id FROM {activity} WHERE user_id IN ({{ids}})"
                " AND lead_id IS NOT NULL)",
            ),
            (lead_ids, " AND l.id IN ({ids})"),
        ]
        for ids, where in scopes:
            if ids is None:
                continue
            sql, params = _id_list(ids)
            if params:
                cursor.execute(_update_sql(where.format(ids=sql)), [organization.pk, *params])


__all__ = ["HUNTER_ROLES", "TOUCH_KINDS", "first_touch", "first_touch_refresh", "hunter_ids"]
