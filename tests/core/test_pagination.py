from __future__ import annotations

import pytest

from patron.companies.models import Company
from patron.core import pagination
from patron.core.models import Organization
from patron.core.pagination import DeferredJoinPaginator, page_rows


@pytest.fixture
def companies(db):
    org = Organization.objects.get_default()
    Company.objects.bulk_create(
        Company(organization=org, external_id=f"C{i:03d}", name=f"Name {i % 7} {i:03d}")
        for i in range(120)
    )
    return Company.objects.filter(organization=org).order_by("name", "id")


@pytest.mark.parametrize("single_scan", [False, True])
def test_pages_follow_the_queryset_order(companies, single_scan):
    expected = list(companies.values_list("external_id", flat=True))
    seen = []
    for start in range(0, 120, 50):
        rows, total = page_rows(companies, start, 50, single_scan=single_scan)
        assert total == 120
        seen.extend(row.external_id for row in rows)
    assert seen == expected


def test_single_scan_falls_back_to_count_past_its_limit(companies, monkeypatch):
    monkeypatch.setattr(pagination, "SINGLE_SCAN_LIMIT", 10)
    rows, total = page_rows(companies, 100, 50, single_scan=True)
    assert (total, len(rows)) == (120, 20)
    assert rows[0].external_id == list(companies.values_list("external_id", flat=True))[100]


@pytest.mark.parametrize("single_scan", [False, True])
def test_paginator_pages_and_past_the_end(companies, single_scan, django_assert_max_num_queries):
    filtered = companies.filter(name__contains="Name 3")  # 17 companies
    paginator = DeferredJoinPaginator(filtered, 5, single_scan=single_scan)
    with django_assert_max_num_queries(3):
        page = paginator.get_page("2")
    assert (paginator.count, page.number, len(page.object_list)) == (17, 2, 5)
    assert [c.external_id for c in page.object_list] == list(
        filtered.values_list("external_id", flat=True)[5:10]
    )
    last = DeferredJoinPaginator(filtered, 5, single_scan=single_scan).get_page("99")
    assert (last.number, len(last.object_list)) == (4, 2)
    first = DeferredJoinPaginator(filtered, 5, single_scan=single_scan).get_page("junk")
    assert first.number == 1
