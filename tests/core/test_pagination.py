from __future__ import annotations

import pytest

from patron.companies.models import Company
from patron.core.models import Organization
from patron.core.pagination import DeferredJoinPaginator, page_ids, rows_by_ids


@pytest.fixture
def companies(db):
    org = Organization.objects.get_default()
    Company.objects.bulk_create(
        Company(organization=org, external_id=f"C{i:03d}", name=f"Name {i % 7} {i:03d}")
        for i in range(120)
    )
    return Company.objects.filter(organization=org).order_by("name", "id")


def test_pages_follow_the_queryset_order(companies):
    expected = list(companies.values_list("external_id", flat=True))
    seen = []
    for start in range(0, 120, 50):
        rows = rows_by_ids(companies, page_ids(companies, start, 50))
        seen.extend(row.external_id for row in rows)
    assert seen == expected


def test_rows_in_a_values_shape(companies):
    rows = rows_by_ids(
        companies, page_ids(companies, 5, 3), lambda page: page.values("id", "external_id")
    )
    assert [row["external_id"] for row in rows] == list(
        companies.values_list("external_id", flat=True)[5:8]
    )


def test_paginator_pages_and_past_the_end(companies, django_assert_max_num_queries):
    filtered = companies.filter(name__contains="Name 3")  # 17 companies
    paginator = DeferredJoinPaginator(filtered, 5)
    with django_assert_max_num_queries(3):
        page = paginator.get_page("2")
    assert (paginator.count, page.number, len(page.object_list)) == (17, 2, 5)
    assert [c.external_id for c in page.object_list] == list(
        filtered.values_list("external_id", flat=True)[5:10]
    )
    last = DeferredJoinPaginator(filtered, 5).get_page("99")
    assert (last.number, len(last.object_list)) == (4, 2)
    assert DeferredJoinPaginator(filtered, 5).get_page("junk").number == 1


def test_capped_count_stops_at_the_cap(companies):
    capped = DeferredJoinPaginator(companies, 10, count_cap=25)
    page = capped.get_page("3")
    assert (capped.count, capped.is_capped, capped.num_pages) == (25, True, 3)
    assert [c.external_id for c in page.object_list] == list(
        companies.values_list("external_id", flat=True)[20:30]
    )
    exact = DeferredJoinPaginator(companies, 10, count_cap=500)
    assert (exact.count, exact.is_capped) == (120, False)
