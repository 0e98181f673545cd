"""Set-at-a-time writes for imports and recomputations.

PostgreSQL gets ``COPY … FROM STDIN``; SQLite gets one ``executemany`` inside the caller's
transaction. Both take plain tuples so a caller can feed rows straight from polars.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows without returning ids. Returns the number of rows written."""
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
        placeholders = ", ".join(["%s"] * len(columns))
        batch: list[Sequence[Any]] = []
        sql = f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({placeholders})"
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


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


def delete_where_in(table: str, column: str, values: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(column)} IN ({placeholders})", chunk
            )
