"""The SQL of the triggers that mark the funnel roll-up's hours dirty (see
``patron.funnel.rollup``): created by migration ``funnel/0005``, and on SQLite dropped and
created again around a bulk insert (:func:`insert_trigger_paused`) or a set-wise update
(:func:`update_trigger_paused`), because a row trigger costs more than the write itself there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import connection, transaction

DIRTY = "funnel_funneldirtyhour"
# table -> (the moments that date its parts, the columns the roll-up reads)
TABLES = {
    "leads_lead": (
        ("created_at", "mql_at"),
        ("organization_id", "created_at", "mql_at", "first_touch_at", "owner_id", "team_id"),
    ),
    "funnel_opportunity": (
        ("created_at", "closed_at"),
        (
            "organization_id",
            "created_at",
            "closed_at",
            "status",
            "owner_id",
            "source_sdr_id",
            "team_id",
            "source_team_id",
            "play_id",
            "max_stage_number",
            "base_amount",
        ),
    ),
}
SHORT = {"leads_lead": "lead", "funnel_opportunity": "opportunity"}


def _sqlite_mark(row: str, moment: str) -> str:
    hour = f"substr({row}.{moment}, 1, 13) || ':00:00'"
    return (
        f"INSERT INTO {DIRTY} (organization_id, hour) SELECT {row}.organization_id, {hour}"
        f" WHERE {row}.{moment} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {DIRTY}"
        f" WHERE organization_id = {row}.organization_id AND hour = {hour});"
    )


def sqlite_trigger(table: str, event: str) -> str:
    """``CREATE TRIGGER`` of one event of one table: each row marks its hours (before and
    after) unless already marked."""
    moments, columns = TABLES[table]
    name = f"funnel_dirty_{SHORT[table]}_{event}"
    new = " ".join(_sqlite_mark("NEW", moment) for moment in moments)
    old = " ".join(_sqlite_mark("OLD", moment) for moment in moments)
    if event == "insert":
        return f"CREATE TRIGGER {name} AFTER INSERT ON {table} BEGIN {new} END"
    if event == "delete":
        return f"CREATE TRIGGER {name} AFTER DELETE ON {table} BEGIN {old} END"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
    return f"CREATE TRIGGER {name} AFTER UPDATE ON {table} WHEN {changed} BEGIN {old} {new} END"


def sqlite_statements() -> list[str]:
    return [
        sqlite_trigger(table, event) for table in TABLES for event in ("insert", "update", "delete")
    ]


def _pg_hours(rows: str, moments: tuple[str, ...], where: str = "") -> str:
    values = ", ".join(f"(r.{moment})" for moment in moments)
    return (
        f"INSERT INTO {DIRTY} (organization_id, hour)"
        " SELECT DISTINCT r.organization_id,"
        " date_trunc('hour', m.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
        f" FROM {rows} r CROSS JOIN LATERAL (VALUES {values}) AS m(at)"
        f" WHERE m.at IS NOT NULL{where};"
    )


def postgresql_update_trigger(table: str) -> str:
    name = f"funnel_dirty_{SHORT[table]}"
    return (
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )


def postgresql_insert_trigger(table: str) -> str:
    name = f"funnel_dirty_{SHORT[table]}"
    return (
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )


def postgresql_statements() -> list[str]:
    statements = []
    for table, (moments, columns) in TABLES.items():
        name = f"funnel_dirty_{SHORT[table]}"
        old_columns = ", ".join(f"o.{column}" for column in columns)
        new_columns = ", ".join(f"n.{column}" for column in columns)
        changed = (
            f" AND r.id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
            f" WHERE ({old_columns}) IS DISTINCT FROM ({new_columns}))"
        )
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF TG_OP = 'INSERT' THEN "
            + _pg_hours("new_rows", moments)
            + " ELSIF TG_OP = 'DELETE' THEN "
            + _pg_hours("old_rows", moments)
            + " ELSE "
            + _pg_hours("old_rows", moments, changed)
            + " "
            + _pg_hours("new_rows", moments, changed)
            + " END IF; RETURN NULL; END $$",
            postgresql_insert_trigger(table),
            postgresql_update_trigger(table),
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table}"
            f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def mark_existing_hours(vendor: str) -> list[str]:
    statements = []
    for table, (moments, _columns) in TABLES.items():
        for moment in moments:
            if vendor == "postgresql":
                hour = f"date_trunc('hour', {moment} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            else:
                hour = f"substr({moment}, 1, 13) || ':00:00'"
            statements.append(
                f"INSERT INTO {DIRTY} (organization_id, hour) SELECT DISTINCT organization_id,"
                f" {hour} FROM {table} WHERE {moment} IS NOT NULL"
            )
    if vendor != "postgresql":  # one row per hour, as the SQLite triggers keep it
        statements.append(
            f"DELETE FROM {DIRTY} WHERE id NOT IN (SELECT MIN(id) FROM {DIRTY}"
            " GROUP BY organization_id, hour)"
        )
    return statements


def _mark_rows(table: str, where: str, params: list[Any]) -> None:
    """Mark the hours of the rows of ``table`` that ``where`` selects, set-wise.

    SQLite finds the distinct hours first and looks only those up among the marked ones (a
    million new leads: 0.25 s instead of 0.6–1.7 s); PostgreSQL's hash anti-join over the
    rows is faster than that order (0.6–0.8 s against 1.0 s)."""
    moments, _columns = TABLES[table]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for moment in moments:
            if postgres:
                hour = f"date_trunc('hour', r.{moment} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
                sql = (
                    f"INSERT INTO {DIRTY} (organization_id, hour) SELECT DISTINCT"
                    f" r.organization_id, {hour} FROM {table} r"
                    f" WHERE {where} AND r.{moment} IS NOT NULL AND NOT EXISTS (SELECT 1"
                    f" FROM {DIRTY} d WHERE d.organization_id = r.organization_id"
                    f" AND d.hour = {hour})"
                )
            else:
                hour = f"substr(r.{moment}, 1, 13) || ':00:00'"
                sql = (
                    f"INSERT INTO {DIRTY} (organization_id, hour) SELECT h.organization_id,"
                    f" h.hour FROM (SELECT DISTINCT r.organization_id, {hour} AS hour"
                    f" FROM {table} r WHERE {where} AND r.{moment} IS NOT NULL) h"
                    f" WHERE NOT EXISTS (SELECT 1 FROM {DIRTY} d"
                    " WHERE d.organization_id = h.organization_id AND d.hour = h.hour)"
                )
            cursor.execute(sql, params)


def _mark_rows_above(table: str, last_id: int) -> None:
    """Mark the hours of the rows of ``table`` whose id is above ``last_id``, set-wise."""
    _mark_rows(table, "r.id > %s", [last_id])


def hours_mark(organization_id: int, moments: pl.Series) -> None:
    """Mark the UTC hours of ``moments`` dirty, in one statement. ``moments``: UTC text as
    the database gives it (``YYYY-MM-DD HH:MM:SS…``: SQLite's stored text, PostgreSQL's
    ``… AT TIME ZONE 'UTC'``); nulls are skipped."""
    hours = (moments.drop_nulls().str.slice(0, 13) + ":00:00").unique().sort()
    if hours.is_empty():
        return
    if connection.vendor == "postgresql":
        source = "json_array_elements_text(%s::json) AS v(hour)"
        hour = "v.hour::timestamp AT TIME ZONE 'UTC'"
    else:
        source, hour = "json_each(%s) AS v", "v.value"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DIRTY} (organization_id, hour) SELECT %s, {hour} FROM {source}"
            f" WHERE NOT EXISTS (SELECT 1 FROM {DIRTY} d"
            f" WHERE d.organization_id = %s AND d.hour = {hour})",
            [organization_id, json.dumps(hours.to_list()), organization_id],
        )


@contextmanager
def update_trigger_paused(table: str) -> Iterator[bool]:
    """A set-wise UPDATE of many rows of ``table`` without the roll-up's update trigger;
    yields whether it is paused — then the caller marks the hours of the rows it changed
    (:func:`hours_mark`: the hours they had and the hours they have). PostgreSQL's statement
    trigger captures every changed row twice (old and new) first. When it pauses: see
    :func:`_trigger_paused`."""
    with _trigger_paused(table, "update") as paused:
        yield paused


@contextmanager
def insert_trigger_paused(table: str) -> Iterator[None]:
    """A bulk insert of new rows into ``table`` without the roll-up's insert trigger; their
    hours are marked afterwards in one statement per moment. New rows have ids above every
    existing one (AUTOINCREMENT, ``patron.core.bulk.reserve_ids``). PostgreSQL's statement
    trigger first copies every new row into a transition table (3 s of a million leads' 10 s
    load). When it pauses: see :func:`_trigger_paused`."""
    with _trigger_paused(table, "insert") as paused:
        last_id = 0
        if paused:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                last_id = int(cursor.fetchone()[0])
        yield
        if paused:
            _mark_rows_above(table, last_id)


@contextmanager
def _trigger_paused(table: str, event: str) -> Iterator[bool]:
    """The roll-up's ``event`` trigger on ``table`` dropped for the block; yields whether.

    SQLite: always (its row trigger runs a program per row, most of a bulk write's time).
    PostgreSQL: only when this transaction holds ``table`` exclusively already (a bulk load
    with its indexes dropped), as dropping a trigger locks the table until commit. The
    trigger is created again when the block ends; if the block fails, the rollback of its
    savepoint restores it (DDL is transactional on both databases). No DDL runs after a
    failure: on an aborted PostgreSQL transaction it would hide the error.
    """
    postgres = connection.vendor == "postgresql"
    if table not in TABLES or (postgres and not _held_exclusively(table)):
        yield False
        return
    if postgres:
        drop = f"DROP TRIGGER funnel_dirty_{SHORT[table]}_{event} ON {table}"
        create = (postgresql_insert_trigger if event == "insert" else postgresql_update_trigger)(
            table
        )
    else:
        drop = f"DROP TRIGGER funnel_dirty_{SHORT[table]}_{event}"
        create = sqlite_trigger(table, event)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(drop)
        yield True
        with connection.cursor() as cursor:
            cursor.execute(create)


def _held_exclusively(table: str) -> bool:
    """PostgreSQL: whether this transaction holds ``table``'s ACCESS EXCLUSIVE lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid()"
            " AND locktype = 'relation' AND relation = %s::regclass"
            " AND mode = 'AccessExclusiveLock' AND granted)",
            [table],
        )
        return bool(cursor.fetchone()[0])
