"""A bulk load's constants become column defaults for the load and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from patron.core.bulk import is_postgres
from patron.core.frames import constants_as_defaults, insert_frame

pytestmark = pytest.mark.django_db
TABLE = "bulk_defaults_probe"
MOMENT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.fixture
def probe() -> None:
    moment = "timestamp with time zone" if is_postgres() else "text"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {TABLE} (id integer PRIMARY KEY, kind integer,"
            f" label varchar(20) NOT NULL DEFAULT 'keep', moment {moment})"
        )


def rows() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, kind, label, moment FROM {TABLE} ORDER BY id")
        return list(cursor.fetchall())


def insert_bare(identifier: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (id) VALUES (%s)", [identifier])


def test_the_constants_are_written_and_the_defaults_come_back(probe: None) -> None:
    moment = connection.ops.adapt_datetimefield_value(MOMENT)
    constants = {"kind": 7, "label": "it's", "moment": moment}

    with transaction.atomic(), constants_as_defaults(TABLE, constants) as sent:
        insert_frame(TABLE, pl.DataFrame({"id": [1, 2]}), sent)
    insert_bare(3)

    # PostgreSQL's COPY sends no constant (the defaults carry them); SQLite inlines them
    assert sent == ({} if is_postgres() else constants)
    written = MOMENT if is_postgres() else moment
    assert rows() == [
        (1, 7, "it's", written),
        (2, 7, "it's", written),
        (3, None, "keep", None),  # the table's own defaults again
    ]


def test_a_failed_load_leaves_no_row_and_the_defaults_as_they_were(probe: None) -> None:
    insert_bare(1)

    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        constants_as_defaults(TABLE, {"kind": 5, "label": "bulk"}) as sent,
    ):
        insert_frame(TABLE, pl.DataFrame({"id": [2, 1]}), sent)  # 1 is taken
    insert_bare(3)

    assert rows() == [(1, None, "keep", None), (3, None, "keep", None)]
