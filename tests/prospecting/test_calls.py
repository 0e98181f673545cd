"""The call list's reads (ranking, keyset pages, filters, scope) and ``call_log``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from patron.activities.models import Activity
from patron.core.errors import NotFound, ValidationFailed
from patron.core.models import AuditEvent
from patron.leads.models import Lead
from patron.prospecting.call_list import (
    CallFilter,
    call_list_page,
    call_list_sellers,
    calls_today,
    parse_cursor,
    recent_calls,
)
from patron.prospecting.calls import call_log
from patron.prospecting.models import LeadScore
from tests.prospecting.calls_world import CALLED_AT, CallsWorld, at, calls_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def keys(page: Any) -> list[str]:
    return [row.lead.external_id for row in page.rows]


def test_first_page_highest_score_first(calls_world: CallsWorld) -> None:
    world = calls_world
    page = call_list_page(world.li, world.li, CallFilter(), size=8)
    assert keys(page) == ["A1", "A2", "A3", "A4", "A5", "P", "B1", "B2"]
    assert page.total == 38
    assert page.total_capped is False
    assert page.next_cursor == page.rows[-1].cursor


def test_ties_by_most_recent_trigger_then_oldest_lead(calls_world: CallsWorld) -> None:
    """Score and trigger recency are in the stored rank key (1: the more recent trigger);
    among equal keys the oldest lead comes first, then the lower id."""
    world = calls_world
    rows = [
        ("T1", "2026-08-01 09:00", 2),
        ("T2", "2026-07-01 09:00", 2),
        ("T3", "2026-09-01 09:00", 1),
        ("T4", "2026-07-01 09:00", 2),
    ]
    for key, created, rank_key in rows:
        world.score(world.lead(key, world.wu, created_at=at(created)), world.wu, 7)
        LeadScore.objects.filter(lead__external_id=key).update(rank_key=rank_key)
    page = call_list_page(world.wu, world.wu, CallFilter(), size=4)
    assert keys(page) == ["T3", "T2", "T4", "T1"]
    rest = call_list_page(world.wu, world.wu, CallFilter(after=parse_cursor(page.rows[1].cursor)))
    assert keys(rest)[:2] == ["T4", "T1"]


def test_keyset_pages_walk_the_whole_list_once(calls_world: CallsWorld) -> None:
    world = calls_world
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = call_list_page(world.li, world.li, CallFilter(after=parse_cursor(cursor)), size=10)
        pages += 1
        seen.extend(keys(page))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        assert page.total == (38 if pages == 1 else None)
    assert pages == 4
    assert len(seen) == 38 == len(set(seen))
    assert seen[-2:] == ["C1", "C2"]


@pytest.mark.parametrize("text", ["", "1.2", "a.b.c", "1.2.3.4", "9" * 30 + ".1.1"])
def test_a_bad_cursor_starts_from_the_top(text: str) -> None:
    assert parse_cursor(text) is None


def test_ties_on_the_rank_key_break_by_lead_id(calls_world: CallsWorld) -> None:
    world = calls_world
    LeadScore.objects.filter(seller=world.li).update(rank_key=5)
    first = call_list_page(world.li, world.li, CallFilter(), size=20)
    rest = call_list_page(world.li, world.li, CallFilter(after=parse_cursor(first.next_cursor)))
    ids = [row.lead.pk for row in first.rows + rest.rows]
    assert ids == sorted(ids)
    assert len(ids) == 38


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CallFilter(starred=True), ["A1", "A2", "A3", "A4", "A5"]),
        (CallFilter(industry="manufacturing"), ["A1", "A2", "A3", "A4", "A5", "P"]),
        (CallFilter(band="7-9"), ["P"]),
        (CallFilter(band="0-3"), ["C1", "C2"]),
        (CallFilter(not_called=True), ["C1", "C2"]),
        (CallFilter(out_of_target=True), ["O"]),
        (CallFilter(band="10-12", industry="retail"), []),
    ],
)
def test_filters(calls_world: CallsWorld, filters: CallFilter, expected: list[str]) -> None:
    world = calls_world
    page = call_list_page(world.li, world.li, filters, size=50)
    assert keys(page) == expected
    assert page.total == len(expected)


def test_region_filter_includes_sub_regions(calls_world: CallsWorld) -> None:
    from patron.companies.models import Region

    province = Region.objects.create(code="T-JS", name="江苏", name_en="Jiangsu", level=1)
    city = Region.objects.create(
        code="T-SZ", name="苏州", name_en="Suzhou", parent=province, level=2
    )
    world = calls_world
    Lead.objects.filter(external_id__in=["B3", "C2"]).update(region=city)
    page = call_list_page(world.li, world.li, CallFilter(region_id=province.pk))
    assert keys(page) == ["B3", "C2"]


def test_page_carries_the_latest_calls_newest_first(calls_world: CallsWorld) -> None:
    world = calls_world
    lead = world.leads["A1"]
    for day in range(1, 8):
        world.call(lead, world.li, "no_answer", when=at(f"2026-11-0{day} 09:00"))
    calls = recent_calls([lead.pk, world.leads["C1"].pk], per_lead=5)
    assert [c["occurred_at"].date() for c in calls[lead.pk]] == [
        dt.date(2026, 11, d) for d in (7, 6, 5, 4, 3)
    ]
    assert world.leads["C1"].pk not in calls


def test_sellers_a_user_may_choose(calls_world: CallsWorld, user_factory: Any) -> None:
    world = calls_world
    admin = user_factory("root", roles=["admin"])
    assert [u.username for u in call_list_sellers(world.li)] == ["li"]
    assert [u.username for u in call_list_sellers(world.manager)] == ["boss", "li"]
    assert [u.username for u in call_list_sellers(admin)] == ["li", "root", "wu"]


def test_a_seller_cannot_read_another_list(calls_world: CallsWorld) -> None:
    world = calls_world
    with pytest.raises(NotFound):
        call_list_page(world.li, world.wu, CallFilter())
    with pytest.raises(NotFound):
        call_list_page(world.manager, world.wu, CallFilter())
    page = call_list_page(world.other_manager, world.wu, CallFilter())
    assert keys(page) == ["W1", "W2", "W3"]


# --- logging a call -----------------------------------------------------------------------


def test_call_log_writes_an_audited_call(calls_world: CallsWorld) -> None:
    world = calls_world
    lead = world.leads["C1"]
    activity = call_log(
        by=world.li,
        lead=lead,
        outcome="meeting_set",
        note="  Wants a demo  ",
        next_step="Send the deck",
        next_step_on=dt.date(2026, 11, 30),
        occurred_at=CALLED_AT,
    )
    activity.refresh_from_db()
    assert (
        activity.kind,
        activity.lead_id,
        activity.user_id,
        activity.outcome,
        activity.note,
        activity.next_step,
        activity.next_step_on,
        activity.company_id,
    ) == (
        "call",
        lead.pk,
        world.li.pk,
        "meeting_set",
        "Wants a demo",
        "Send the deck",
        dt.date(2026, 11, 30),
        None,
    )
    event = AuditEvent.objects.get(object_id=str(activity.pk), action="create")
    assert event.changes["outcome"] == [None, "meeting_set"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"outcome": "maybe"}, "outcome", "outcome: choose an outcome"),
        ({"outcome": ""}, "outcome", "outcome: choose an outcome"),
        (
            {"outcome": "connected", "next_step_on": dt.date(2026, 12, 1)},
            "next_step",
            "next_step: say what the next step is",
        ),
        ({"outcome": "connected", "note": "x" * 4001}, "note", "note: at most 4000 characters"),
        ({"outcome": "connected", "next_step": "y" * 301}, "next_step", "next_step"),
    ],
)
def test_call_log_refuses_bad_values_and_writes_nothing(
    calls_world: CallsWorld, values: dict[str, Any], field: str, message: str
) -> None:
    world = calls_world
    before = (Activity.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed, match=message) as failure:
        call_log(by=world.li, lead=world.leads["C1"], **values)
    assert field in failure.value.field_errors
    assert (Activity.objects.count(), AuditEvent.objects.count()) == before


def test_calls_today_counts_since_local_midnight(calls_world: CallsWorld) -> None:
    world = calls_world
    world.call(world.leads["C1"], world.li, when=at("2026-11-28 00:00"))
    world.call(world.leads["C2"], world.li, when=at("2026-11-27 23:59"))
    world.call(world.leads["C2"], world.manager, when=at("2026-11-28 09:00"))
    assert calls_today(world.li, now=at("2026-11-28 18:00")) == 1
