"""The funnel's additive parts per person, read person by person from the indexes.

Grouping a quarter's rows by owner makes the database sort (SQLite) or hash (PostgreSQL) every
row of the period: 250,000 leads for a quarter of the bench data set. Walking the people
instead — for each person, the range of their rows in an index that starts with
``(organization, owner, <moment>)`` — reads the same index entries already in person order, so
nothing is sorted. ``CROSS JOIN`` keeps SQLite's loop order (people outside, rows inside);
PostgreSQL plans the join as it likes.

An opportunity counts once for each person who worked it: as its owner, and as its source SDR
when that is someone else — the same rows the grouped query credits to both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection

from patron.funnel.choices import OpportunityStatus
from patron.funnel.metrics import FunnelCounts, FunnelQuery

WON = OpportunityStatus.WON.value
LOST = OpportunityStatus.LOST.value

LEAD_PARTS = {
    "created_at": "COUNT(*) AS leads",
    "mql_at": "COUNT(*) AS mqls, COUNT(r.first_touch_at) AS followed_up",
}
CREATED = (
    "COUNT(*) AS created_all, COUNT(r.source_sdr_id) AS opportunities_created,"
    " SUM(CASE WHEN r.source_sdr_id IS NOT NULL THEN r.base_amount END) AS new_pipeline,"
    " SUM(CASE WHEN r.max_stage_number >= 2 THEN 1 ELSE 0 END) AS reached_stage_2"
)
CLOSED = (
    f"SUM(CASE WHEN r.status = '{WON}' THEN 1 ELSE 0 END) AS won,"
    f" SUM(CASE WHEN r.status = '{LOST}' THEN 1 ELSE 0 END) AS lost,"
    f" SUM(CASE WHEN r.status = '{WON}' THEN r.base_amount END) AS closed_won_revenue,"
    f" SUM(CASE WHEN r.status = '{WON}' AND r.source_sdr_id IS NOT NULL"
    " THEN r.base_amount END) AS sdr_bookings"
)


def _moment(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _in(column: str, values: frozenset[int]) -> tuple[str, list[int]]:
    ids = sorted(values)
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


class _Part:
    """One statement: people × the rows of one part, grouped by person."""

    def __init__(self, query: FunnelQuery) -> None:
        self.query = query
        people = ["u.organization_id = %s"]
        params: list[Any] = [query.organization.pk]
        if query.team_ids is not None:
            clause, ids = _in("u.team_id", query.team_ids)
            people.append(clause)
            params += ids
        if query.user_id is not None:
            people.append("u.id = %s")
            params.append(query.user_id)
        self.people, self.people_params = people, params

    def rows(
        self, table: str, person: str, moment: str, select: str, extra: list[str], params: list[Any]
    ) -> Iterator[dict[str, Any]]:
        where = [
            *self.people,
            "r.organization_id = %s",
            f"r.{person} = u.id",
            f"r.{moment} >= %s",
            f"r.{moment} < %s",
            *extra,
        ]
        sql = (
            f"SELECT u.id AS person, {select} FROM accounts_user u CROSS JOIN {table} r"
            f" WHERE {' AND '.join(where)} GROUP BY u.id"
        )
        values = [
            *self.people_params,
            self.query.organization.pk,
            _moment(self.query.start),
            _moment(self.query.end),
            *params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            names = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                yield dict(zip(names, row, strict=True))


def person_counts(query: FunnelQuery) -> dict[int, FunnelCounts]:
    """The additive parts of every person in ``query``'s scope who has any (by user id)."""
    part = _Part(query)
    lead_extra: list[str] = []
    lead_params: list[Any] = []
    opportunity_extra: list[str] = []
    opportunity_params: list[Any] = []
    if query.team_ids is not None:
        clause, ids = _in("r.team_id", query.team_ids)
        lead_extra, lead_params = [clause], ids
        source_clause, _ids = _in("r.source_team_id", query.team_ids)
        opportunity_extra = [f"({clause} OR {source_clause})"]
        opportunity_params = [*ids, *ids]
    closed = [f"r.status IN ('{WON}', '{LOST}')"]
    statements: list[tuple[str, str, str, str, list[str], list[Any]]] = [
        (
            "leads_lead",
            "owner_id",
            moment,
            select,
            lead_extra,
            lead_params,
        )
        for moment, select in LEAD_PARTS.items()
    ]
    someone_else = ["(r.owner_id IS NULL OR r.owner_id <> u.id)"]
    for moment, select, extra in (("created_at", CREATED, []), ("closed_at", CLOSED, closed)):
        statements.append(
            (
                "funnel_opportunity",
                "owner_id",
                moment,
                select,
                [*extra, *opportunity_extra],
                opportunity_params,
            )
        )
        statements.append(
            (
                "funnel_opportunity",
                "source_sdr_id",
                moment,
                select,
                [*extra, *someone_else, *opportunity_extra],
                opportunity_params,
            )
        )
    result: dict[int, FunnelCounts] = {}
    for statement in statements:
        for row in part.rows(*statement):
            result.setdefault(row.pop("person"), FunnelCounts()).add(row)
    return result


__all__ = ["person_counts"]
