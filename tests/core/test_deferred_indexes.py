"""Indexes and keys dropped for a bulk load come back, and still refuse duplicates."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from patron.core.bulk import deferred_indexes, is_postgres
from patron.prospecting.models import LeadScore

pytestmark = pytest.mark.django_db(transaction=True)
TABLE = LeadScore._meta.db_table


def _indexes() -> set[str]:
    """The table's indexes, its primary key named "primary key"."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {
        "primary key" if info["primary_key"] else name
        for name, info in constraints.items()
        if info["index"] or info["primary_key"]
    }


def _insert(lead_id: int, organization, user) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (lead_id, organization_id, seller_id, profile_version,"
            " in_target, out_reasons, score, industry_points, title_points, territory_points,"
            " trigger_points, won_points, reference_points, involved_points, industry,"
            " title_target, territory_target, trigger_type, starred, lead_created_at, rank_key,"
            " computed_at) VALUES (%s, %s, %s, 1, %s, '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', '',"
            " '', %s, %s, 0, %s)",
            [lead_id, organization.pk, user.pk, True, False, "2026-01-01", "2026-01-01"],
        )


def test_the_primary_key_is_dropped_during_the_load_and_added_back(organization, seller):
    before = _indexes()
    with transaction.atomic(), deferred_indexes(TABLE, include_primary_key=True):
        during = _indexes()
        _insert(1, organization, seller)
        _insert(2, organization, seller)

    assert before == {"primary key", "lead_score_ranked"}
    # PostgreSQL drops the key for the load; SQLite's integer key is the table itself
    assert during == (set() if is_postgres() else {"primary key"})
    assert _indexes() == before
    assert list(LeadScore.objects.order_by("lead_id").values_list("lead_id", flat=True)) == [1, 2]


def test_a_duplicate_key_written_during_the_load_fails_it_and_nothing_is_kept(organization, seller):
    before = _indexes()
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        deferred_indexes(TABLE, include_primary_key=True),
    ):
        _insert(7, organization, seller)
        _insert(7, organization, seller)

    assert LeadScore.objects.count() == 0
    assert _indexes() == before
