"""Reserved primary keys: consecutive, after every id ever given, usable for explicit inserts."""

from __future__ import annotations

import pytest
from django.db import transaction

from patron.accounts.models import Team
from patron.core.bulk import reserve_ids

pytestmark = pytest.mark.django_db(transaction=True)


def test_reserved_ids_follow_every_id_ever_given_and_the_next_insert_follows_them(organization):
    first = Team.objects.create(organization=organization, name="A")
    deleted = Team.objects.create(organization=organization, name="B").pk
    Team.objects.filter(
        pk=deleted
    ).delete()  # its id must not come back: audit history may still name it
    with transaction.atomic():
        start = reserve_ids(Team._meta.db_table, 3)
        for offset, name in enumerate(["C", "D", "E"]):
            Team.objects.create(id=start + offset, organization=organization, name=name)
    after = Team.objects.create(organization=organization, name="F")

    assert start == deleted + 1
    assert list(Team.objects.order_by("id").values_list("id", "name")) == [
        (first.pk, "A"),
        (deleted + 1, "C"),
        (deleted + 2, "D"),
        (deleted + 3, "E"),
        (deleted + 4, "F"),
    ]
    assert after.pk == start + 3


def test_reserving_nothing_is_refused():
    with pytest.raises(ValueError, match="count must be positive"):
        reserve_ids(Team._meta.db_table, 0)
