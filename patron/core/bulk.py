"""Set-at-a-time writes for imports and recomputations.

PostgreSQL gets ``COPY … FROM STDIN``; SQLite gets one ``executemany`` inside the caller's
transaction. Both take plain tuples so a caller can feed rows straight from polars.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from itertools import islice
from typing import Any

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


# Per table, what wraps every bulk insert into it: an app whose triggers on a table would run
# once per row registers here (patron.funnel's roll-up pauses its SQLite insert trigger and
# marks the new rows set-wise). Registered in the app's ``ready()``.
InsertWrapper = Callable[[str], AbstractContextManager[None]]
_INSERT_WRAPPERS: dict[str, InsertWrapper] = {}


def wrap_bulk_inserts(tables: Iterable[str], wrapper: InsertWrapper) -> None:
    for table in tables:
        _INSERT_WRAPPERS[table] = wrapper


_wrapped = threading.local()  # the tables whose bulk insert wrapper this thread is inside


def bulk_insert(table: str) -> AbstractContextManager[None]:
    """The context every bulk insert into ``table`` runs in. Nested: a caller writing a big
    frame in chunks enters it once around them all, and the chunks' own entries do nothing."""
    wrapper = _INSERT_WRAPPERS.get(table)
    active: set[str] = _wrapped.__dict__.setdefault("tables", set())
    if wrapper is None or table in active:
        return nullcontext()
    return _wrapped_insert(table, wrapper, active)


@contextmanager
def _wrapped_insert(table: str, wrapper: InsertWrapper, active: set[str]) -> Iterator[None]:
    active.add(table)
    try:
        with wrapper(table):
            yield
    finally:
        active.discard(table)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows without returning ids. Returns the number of rows written.

    The driver's errors (the raw connection is used) are raised as Django's."""
    with bulk_insert(table), connection.wrap_database_errors:
        return _insert_rows(table, columns, rows)


def _insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    column_sql = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {quote(table)} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
    # SQLite: the DB-API connection under Django's wrapper, inside the caller's transaction;
    # Django registers the Decimal adapter globally, dates and bools adapt natively.
    connection.ensure_connection()
    raw_connection = connection.connection
    placeholders = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({placeholders})"
    iterator = iter(rows)
    while batch := list(islice(iterator, 100_000)):
        raw_connection.executemany(sql, batch)
        count += len(batch)
    return count


@contextmanager
def deferred_indexes(
    table: str,
    *,
    include_unique: bool = False,
    include_primary_key: bool = False,
    keep: Collection[str] = (),
    on_rebuild: AbstractContextManager[None] | None = None,
) -> Iterator[None]:
    """Drop the table's plain secondary indexes and build them again afterwards.

    Building an index once over sorted data is several times faster than updating it row by
    row during a bulk insert. Indexes that back constraints (unique, primary key) stay,
    unless ``include_unique`` (for derived tables rebuilt whole): then unique constraints are
    dropped too and added back at the end, which checks them over the whole table — a
    duplicate still fails the transaction. ``include_primary_key`` does the same with the
    primary key on PostgreSQL, where inserting a million rows into its index costs more than
    building it once (1.5 s of 5.5 s measured); SQLite's integer primary key is the table's
    own B-tree and stays. The foreign keys that reference a dropped primary key are dropped
    with it and added back after it, which validates them once. ``on_rebuild``
    is entered around the rebuild (a timer). ``keep``: indexes left in place (a partial
    index the load adds no row to: building it again would still read the whole table).
    """
    constraints: list[tuple[str, str]] = []
    referencing: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conname = i.indexname)",
                [table],
            )
            indexes = cursor.fetchall()
            kinds = [
                kind
                for kind, included in (("p", include_primary_key), ("u", include_unique))
                if included
            ]
            if kinds:
                # the primary key first: it is added back first too
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype::text = ANY(%s) ORDER BY contype",
                    [table, kinds],
                )
                constraints = cursor.fetchall()
            if include_primary_key:
                referencing = _referencing_keys(cursor, table)
        else:
            unique = "" if include_unique else " AND sql NOT LIKE 'CREATE UNIQUE%%'"
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                f" AND sql IS NOT NULL{unique}",
                [table],
            )
            indexes = cursor.fetchall()
        indexes = [(name, sql) for name, sql in indexes if name not in keep]
        if referencing:
            # a table with queued foreign-key checks cannot be altered: fire them first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for source, name, _ in referencing:
                cursor.execute(f"ALTER TABLE {quote(source)} DROP CONSTRAINT {quote(name)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with on_rebuild or nullcontext(), connection.cursor() as cursor:
        if is_postgres() and (indexes or constraints):
            # deferred foreign-key checks of the rows just written must run before an index
            # can be built on the table in the same transaction
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # sort each index in memory rather than in temporary files (this transaction only)
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for source, name, definition in referencing:
            cursor.execute(f"ALTER TABLE {quote(source)} ADD CONSTRAINT {quote(name)} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)
        if is_postgres() and (indexes or constraints):
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _referencing_keys(cursor: Any, table: str) -> list[tuple[str, str, str]]:
    """PostgreSQL: (table, name, definition) of every foreign key to ``table``."""
    cursor.execute(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE c.contype = 'f' AND c.confrelid = %s::regclass"
        " ORDER BY t.relname, c.conname",
        [table],
    )
    return list(cursor.fetchall())


@contextmanager
def deferred_foreign_keys(
    tables: Sequence[str], *, on_check: AbstractContextManager[None] | None = None
) -> Iterator[None]:
    """PostgreSQL: check the foreign keys of ``tables`` once, set-wise, after a bulk load.

    Each foreign key is dropped before the load and added back afterwards, in the same
    transaction; adding it validates every row with one join instead of one trigger call per
    inserted row (which costs ~3 µs per key per row at commit). Nothing goes unchecked: a
    dangling reference makes the ``ADD CONSTRAINT`` fail and the transaction roll back.
    The price is an exclusive lock on the tables and the tables they reference until
    commit, so callers use this only for loads that are large relative to the table.
    Must run inside a transaction, before the load writes to these tables. No-op on SQLite.
    ``on_check`` is entered around the final check (a timer).
    """
    if not is_postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid"
            " WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])"
            " ORDER BY t.relname, c.conname",
            [list(tables)],
        )
        keys = cursor.fetchall()
        # Fire the checks still queued in this transaction first: a table (or a table it
        # references) with pending trigger events cannot be altered. Django's foreign keys
        # are all INITIALLY DEFERRED, so SET … DEFERRED restores the transaction's mode.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with on_check or nullcontext(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def update_rows(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Update ``columns`` of the rows whose ``key`` is the first value of each tuple."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if is_postgres():
            temp = f"tmp_update_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {quote(temp)}")
            all_columns = [key, *columns]
            cursor.execute(
                f"CREATE TEMP TABLE {quote(temp)} AS SELECT "
                + ", ".join(quote(c) for c in all_columns)
                + f" FROM {quote(table)} WITH NO DATA"
            )
            insert_rows(temp, all_columns, rows)
            assignments = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {quote(table)} AS o SET {assignments} FROM {quote(temp)} AS t "
                f"WHERE o.{quote(key)} = t.{quote(key)}"
            )
            cursor.execute(f"DROP TABLE {quote(temp)}")
            return len(rows)
        assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
        sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(key)} = %s"
        cursor.executemany(sql, [(*row[1:], row[0]) for row in rows])
    return len(rows)


def reserve_ids(table: str, count: int) -> int:
    """Reserve ``count`` consecutive primary keys of ``table`` for rows the caller is about to
    insert with explicit ids; returns the first. Must run inside the caller's transaction.

    PostgreSQL: the table is locked against other writers until commit (a concurrent insert
    would draw from the sequence between our two steps), then the sequence jumps by
    ``count`` in one call. SQLite: the transaction already holds the database's write lock;
    ids continue after both the highest id and the AUTOINCREMENT counter, so the id of a
    deleted row (which its audit history still names) is never given out again.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
            return int(last) - count + 1
        cursor.execute(
            f"SELECT MAX(top) FROM (SELECT MAX(id) AS top FROM {quote(table)}"
            " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        row = cursor.fetchone()
    return int(row[0] or 0) + 1


def delete_where_in(table: str, column: str, values: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(column)} IN ({placeholders})", chunk
            )


ANALYSIS_LIMIT = 10_000  # SQLite: index entries sampled per index by ANALYZE


def analyze_tables(*tables: str) -> None:
    """Refresh the planner's statistics after a bulk write, so that e.g. a region filter uses
    its index instead of scanning the organization (SQLite has no statistics until ANALYZE).

    SQLite samples about ``ANALYSIS_LIMIT`` entries of each index (``PRAGMA analysis_limit``)
    instead of reading every index whole: the planner needs the shape, not exact counts, and
    PostgreSQL samples too."""
    with connection.cursor() as cursor:
        if not is_postgres():
            cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
