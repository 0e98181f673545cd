"""Set-at-a-time database access for imports: frames in, frames out.

Frames are written with :func:`patron.core.frames.insert_frame` (polars CSV into ``COPY`` on
PostgreSQL, ``executemany`` on SQLite) in chunks so a progress bar can follow; ids of new rows
are mapped back with one query. Reads go the other way (``COPY … TO STDOUT`` on PostgreSQL),
so no value is converted one by one in Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, models
from django.db.models.functions import Cast
from django.utils import timezone

from patron.core.audit import Actor, audit_frame_bulk
from patron.core.bulk import (
    analyze_tables,
    bulk_insert,
    deferred_foreign_keys,
    deferred_indexes,
    quote,
    reserve_ids,
)
from patron.core.frames import constants_as_defaults, read_frame, update_from_frame
from patron.core.frames import insert_frame as insert_table_frame
from patron.imports.progress import Progress, Stopwatch

CHUNK = 200_000
STATUS = "_status"
CHANGES = "_changes"
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def db_now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def column_defaults(model: type[models.Model], provided: Sequence[str]) -> dict[str, Any]:
    """Database values for every concrete column the import does not provide."""
    now = db_now()
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in provided:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.column] = now
        elif field.has_default():
            values[field.column] = field.get_db_prep_save(field.get_default(), connection)
        elif field.null:
            values[field.column] = None
        elif field.empty_strings_allowed:
            values[field.column] = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    return values


def partial_indexes_left_empty(
    model: type[models.Model], columns: Sequence[str], constants: dict[str, Any]
) -> list[str]:
    """The partial indexes of ``model`` whose every column an insert of ``columns`` and
    ``constants`` leaves NULL (by the constants or by :func:`column_defaults`). Ours index
    ``WHERE <column> IS NOT NULL``, so such a load adds no row to them, and a bulk load keeps
    them rather than rebuild them by a scan of the table (:func:`indexes_deferred`,
    ``keep``); any other predicate is still correct, only maintained row by row."""
    values = column_defaults(model, [*columns, *constants]) | constants
    written = {*columns, *(name for name, value in values.items() if value is not None)}
    column = {field.name: field.column for field in model._meta.concrete_fields}
    return [
        index.name
        for index in model._meta.indexes
        if index.condition is not None and not written & {column[name] for name in index.fields}
    ]


def insert_frame(
    model: type[models.Model],
    frame: pl.DataFrame,
    progress: Progress,
    *,
    count: bool = True,
    constants: dict[str, Any] | None = None,
    bulk: bool = False,
) -> int:
    """Insert every row of ``frame`` (columns named as database columns), ``constants`` (the
    same value in every row) and the defaults of the other columns.

    ``bulk``: the model is bulk-loaded (:func:`bulk_loads`), so the constants may become the
    columns' defaults for the load (:func:`patron.core.frames.constants_as_defaults`).
    """
    if frame.height == 0:
        return 0
    constants = dict(constants or {})
    constants = column_defaults(model, [*frame.columns, *constants]) | constants
    frame = frame.with_columns(pl.col(pl.Date).cast(pl.String))
    table = model._meta.db_table
    written = 0
    with (
        bulk_insert(table),  # once around the chunks (a trigger paused once, say)
        constants_as_defaults(table, constants) if bulk else nullcontext(constants) as sent,
    ):
        for chunk in frame.iter_slices(CHUNK):
            written += insert_table_frame(table, chunk, sent)
            if count:
                progress.advance(chunk.height)
    return written


def update_frame(model: type[models.Model], frame: pl.DataFrame, *, key: str = "id") -> int:
    """Update the columns of ``frame`` (its first column is the key) and ``updated_at``."""
    if frame.height == 0:
        return 0
    if "updated_at" in {field.column for field in model._meta.concrete_fields}:
        frame = frame.with_columns(pl.lit(db_now()).alias("updated_at"))
    columns = [name for name in frame.columns if name != key]
    rows = frame.select(key, *columns).with_columns(pl.col(pl.Date).cast(pl.String))
    return update_from_frame(model._meta.db_table, key, rows)


BULK_ROWS = 100_000  # an insert at least this big, and at least half the table, is a bulk load


def bulk_loads(incoming: dict[type[models.Model], int]) -> set[type[models.Model]]:
    """The models whose insert counts as a bulk load (decide before writing anything).

    For those, maintaining indexes and checking foreign keys row by row costs more than doing
    it once for the whole table afterwards (see :func:`indexes_deferred` and
    :func:`foreign_keys_deferred`). The table's size is estimated by its highest id.
    """
    return {
        model for model, rows in incoming.items() if rows >= BULK_ROWS and rows * 2 >= max_id(model)
    }


@contextmanager
def indexes_deferred(
    model: type[models.Model],
    bulk: set[type[models.Model]],
    steps: Stopwatch | None = None,
    *,
    unique: bool = False,
    primary_key: bool = False,
    keep: Collection[str] = (),
) -> Iterator[None]:
    """Drop the plain secondary indexes of a bulk-loaded ``model``, rebuild them afterwards
    (timed as the step "indexes" of ``steps``).

    Unique indexes and the primary key stay, unless ``unique`` / ``primary_key`` (a table no
    other table references): then they are built again at the end too, which checks them over
    the whole table, so a duplicate still fails the import. On PostgreSQL an index can only be
    rebuilt when the table has no pending foreign-key checks, which
    :func:`foreign_keys_deferred` ensures for the same models.
    """
    if model not in bulk:
        yield
        return
    steps = steps or Stopwatch()
    with deferred_indexes(
        model._meta.db_table,
        include_unique=unique,
        include_primary_key=primary_key,
        keep=keep,
        on_rebuild=steps.timed("indexes"),
    ):
        yield
    steps.run("indexes", lambda: analyze_tables(model._meta.db_table))


@contextmanager
def foreign_keys_deferred(
    bulk: set[type[models.Model]], steps: Stopwatch | None = None
) -> Iterator[None]:
    """PostgreSQL: validate the foreign keys of the bulk-loaded tables once, at the end
    (timed as the step "foreign keys" of ``steps``).

    Enter it before writing anything; see :func:`patron.core.bulk.deferred_foreign_keys`.
    """
    tables = sorted(model._meta.db_table for model in bulk)
    if not tables:
        yield
        return
    steps = steps or Stopwatch()
    with deferred_foreign_keys(tables, on_check=steps.timed("foreign keys")):
        yield


def max_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {quote(model._meta.db_table)}")
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def with_new_ids(model: type[models.Model], frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with an ``id`` column of freshly reserved primary keys, in row order, for an
    insert with explicit ids (no second query to learn the ids the database gave)."""
    frame = frame.drop("id", strict=False)
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("id"))
    first = reserve_ids(model._meta.db_table, frame.height)
    return frame.with_columns(pl.int_range(first, first + frame.height, dtype=pl.Int64).alias("id"))


def new_ids(
    model: type[models.Model], *, organization_id: int, after_id: int, key: str
) -> pl.DataFrame:
    """One query: ``key → id`` of the rows inserted after ``after_id`` (the watermark)."""
    table = quote(model._meta.db_table)
    return read_sql(
        f"SELECT {quote(key)}, id FROM {table} WHERE organization_id = %s AND id > %s",
        [organization_id, after_id],
        {key: pl.String(), "id": pl.Int64()},
    )


def read_sql(sql: str, params: Sequence[Any], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of a SELECT as a frame (see :func:`patron.core.frames.read_frame`)."""
    return read_frame(sql, schema, params)


def fetch(queryset: models.QuerySet[Any], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``queryset.values_list(*schema)`` as a frame with the given dtypes.

    The compiled SQL runs on a plain cursor (no per-value ORM conversion). Dates and decimals
    are selected as text and parsed by polars, so both databases give the same canonical
    values (``"12.50"``, ``2024-01-05``).
    """
    textual = {
        name: Cast(name, output_field=models.CharField())
        for name, dtype in schema.items()
        if isinstance(dtype, pl.Decimal | pl.Date)
    }
    selected = [f"{name}__text" if name in textual else name for name in schema]
    queryset = queryset.annotate(**{f"{name}__text": cast for name, cast in textual.items()})
    sql, params = queryset.values_list(*selected).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    text_schema = {
        name: pl.String() if name in textual else dtype for name, dtype in schema.items()
    }
    frame = pl.DataFrame(rows, schema=text_schema, orient="row")
    return frame.with_columns(
        pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d")
        if isinstance(dtype, pl.Date)
        else pl.col(name).cast(dtype)
        for name, dtype in schema.items()
        if name in textual
    )


def json_value(expression: pl.Expr) -> pl.Expr:
    """The JSON text of each value (``"a\\"b"``, ``12``, ``null``), vectorised."""
    return pl.struct(expression.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


def classify(
    new: pl.DataFrame,
    old: pl.DataFrame,
    *,
    key: str,
    fields: Sequence[str],
    hidden: Sequence[str] = (),
) -> pl.DataFrame:
    """Join incoming rows to stored ones on ``key``: add ``id``, ``_status`` and ``_changes``.

    ``old`` has ``key``, ``id`` and ``fields`` in the same dtypes as ``new``. ``_changes`` is
    the audit JSON ``{"field": [old, new], …}`` of the fields that differ (null for new rows).
    ``hidden`` fields (e.g. a fingerprint of an order's lines) count as a difference but show
    as ``"changed"``.
    """
    compared = [*fields, *hidden]
    # one chunk: polars 2.1 panics ("i < self.len()" in a string view) building the change
    # JSON of stored rows filtered out of a frame of several chunks (a file's new rows in one
    # chunk, its stored rows in the next)
    new = new.rechunk()
    renamed = old.select(key, "id", *[pl.col(name).alias(f"{name}__old") for name in compared])
    joined = new.join(renamed, on=key, how="left")
    differs = [~pl.col(name).eq_missing(pl.col(f"{name}__old")) for name in fields]
    hidden_differs = [~pl.col(name).eq_missing(pl.col(f"{name}__old")) for name in hidden]
    any_difference = pl.any_horizontal([*differs, *hidden_differs]) if compared else pl.lit(False)
    fragments = [
        pl.when(difference).then(
            pl.format(
                '"{}":[{},{}]',
                pl.lit(name),
                json_value(pl.col(f"{name}__old")),
                json_value(pl.col(name)),
            )
        )
        for name, difference in zip(fields, differs, strict=True)
    ] + [
        pl.when(difference & pl.col("id").is_not_null()).then(pl.lit(f'"{name}":"changed"'))
        for name, difference in zip(hidden, hidden_differs, strict=True)
    ]
    changes = pl.concat_str(
        [
            pl.lit("{"),
            pl.concat_str(fragments, separator=",", ignore_nulls=True) if fragments else pl.lit(""),
            pl.lit("}"),
        ]
    )
    # New rows have nothing to compare (and no audit row: they name their import run), so
    # the change JSON is built only for the stored ones; the file's row order is kept.
    joined = joined.with_row_index("__order")
    created = joined.filter(pl.col("id").is_null()).with_columns(
        pl.lit(CREATED).alias(STATUS), pl.lit(None, dtype=pl.String).alias(CHANGES)
    )
    stored = joined.filter(pl.col("id").is_not_null()).with_columns(
        pl.when(any_difference).then(pl.lit(UPDATED)).otherwise(pl.lit(UNCHANGED)).alias(STATUS),
        changes.alias(CHANGES),
    )
    return (
        pl.concat([created, stored])
        .sort("__order")
        .drop("__order", *[f"{name}__old" for name in compared])
    )


@dataclass(frozen=True)
class AuditSpec:
    organization_id: int
    actor: Actor


def audit_frame(
    spec: AuditSpec,
    model: type[models.Model],
    action: str,
    frame: pl.DataFrame,
    *,
    label: str,
) -> int:
    """One AuditEvent per row of ``frame`` (columns ``id``, ``label``, ``_changes``)."""
    if frame.height == 0:
        return 0
    return audit_frame_bulk(
        organization_id=spec.organization_id,
        model=model,
        action=action,
        frame=frame.select(
            pl.col("id").alias("object_id"),
            pl.col(label).fill_null("").alias("object_repr"),
            pl.col(CHANGES).alias("changes"),
        ),
        actor=spec.actor,
    )
