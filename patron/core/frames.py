"""Moving polars frames in and out of the database without per-value Python conversions.

PostgreSQL: ``COPY (query) TO STDOUT`` / ``COPY table FROM STDIN`` in CSV, parsed and written
by polars. SQLite: the DB-API connection directly; callers select expressions rather than bare
columns where Django's declared-type converters would otherwise turn every date and decimal
into a Python object (``sqlite_text``/``sqlite_number`` below).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from itertools import islice
from typing import Any

import polars as pl
from django.db import connection

from patron.core.bulk import is_postgres, quote


def sqlite_text(column: str) -> str:
    """A column read as plain text on SQLite (no date converter); unchanged on PostgreSQL."""
    return column if is_postgres() else f"({column} || '')"


def sqlite_number(column: str) -> str:
    """A decimal column read as a float on SQLite (no Decimal converter)."""
    return column if is_postgres() else f"({column} + 0.0)"


def read_frame(sql: str, schema: Mapping[str, Any]) -> pl.DataFrame:
    """Run a parameterless SELECT (inline only integers) and return a frame with ``schema``."""
    columns = list(schema)
    if is_postgres():
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        text_schema = dict.fromkeys(columns, pl.String)
        frame = pl.read_csv(buffer, has_header=False, new_columns=columns, schema=text_schema)
        return _cast(frame, schema)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    raw_schema = {
        name: (pl.String if dtype == pl.Date else (pl.Float64 if dtype == pl.Decimal else dtype))
        for name, dtype in schema.items()
    }
    return _cast(pl.DataFrame(rows, schema=raw_schema, orient="row"), schema)


def _cast(frame: pl.DataFrame, schema: Mapping[str, Any]) -> pl.DataFrame:
    expressions = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Date:
            expressions.append(column.cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d"))
        elif dtype == pl.Boolean and frame.schema[name] == pl.String:
            expressions.append(column.is_in(["t", "true", "1"]))
        else:
            expressions.append(column.cast(dtype))
    return frame.select(expressions)


def insert_frame(table: str, frame: pl.DataFrame, columns: Sequence[str] | None = None) -> int:
    """Insert every row of ``frame`` (its columns in order name the table's columns)."""
    names = list(columns or frame.columns)
    if frame.is_empty():
        return 0
    column_sql = ", ".join(quote(name) for name in names)
    if is_postgres():
        with connection.cursor() as cursor:
            sql = f"COPY {quote(table)} ({column_sql}) FROM STDIN WITH (FORMAT csv)"
            with cursor.cursor.copy(sql) as copy:
                for start in range(0, frame.height, 200_000):
                    block = frame.slice(start, 200_000)
                    copy.write(block.write_csv(include_header=False, null_value=""))
        return frame.height
    connection.ensure_connection()
    placeholders = ", ".join(["?"] * len(names))
    sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({placeholders})"
    iterator = frame.iter_rows()
    while batch := list(islice(iterator, 100_000)):
        connection.connection.executemany(sql, batch)
    return frame.height


def update_from_frame(table: str, key: str, frame: pl.DataFrame) -> int:
    """``UPDATE table SET <other columns> FROM frame WHERE table.key = frame.key`` in one go."""
    if frame.is_empty():
        return 0
    temp = f"tmp_{table}_update"
    columns = [name for name in frame.columns if name != key]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(temp)}")
        select = ", ".join(quote(name) for name in [key, *columns])
        if is_postgres():
            cursor.execute(
                f"CREATE TEMP TABLE {quote(temp)} AS SELECT {select} FROM {quote(table)}"
                " WITH NO DATA"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TABLE {quote(temp)} AS SELECT {select} FROM {quote(table)} WHERE 0"
            )
        insert_frame(temp, frame.select(key, *columns))
        assignments = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in columns)
        target = quote(table)
        cursor.execute(
            f"UPDATE {target} SET {assignments} FROM {quote(temp)} AS t"
            f" WHERE {target}.{quote(key)} = t.{quote(key)}"
        )
        cursor.execute(f"DROP TABLE {quote(temp)}")
    return frame.height
