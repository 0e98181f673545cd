"""The SLA clock, table-driven and without a database: nights, lunch breaks, weekends,
holidays and China's adjusted working days (调休), in the organization's time zone."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from patron.funnel.clock import BusinessCalendar, WorkingHours, add_business_seconds_many

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = 3600
# National Day 2026 as a table: holidays on the weekdays Oct 1, 2, 5, 6, 7; the Sunday before
# (Sep 27) and the Saturday after (Oct 10) are worked instead
EXCEPTIONS = {
    dt.date(2026, 10, 1): False,
    dt.date(2026, 10, 2): False,
    dt.date(2026, 10, 5): False,
    dt.date(2026, 10, 6): False,
    dt.date(2026, 10, 7): False,
    dt.date(2026, 9, 27): True,
    dt.date(2026, 10, 10): True,
}
CALENDAR = BusinessCalendar(
    time_zone="Asia/Shanghai",
    hours=WorkingHours(dt.time(9), dt.time(18), dt.time(12), dt.time(13)),
    weekend=frozenset({5, 6}),
    exceptions=EXCEPTIONS,
)


def at(text: str) -> dt.datetime:
    """``"2026-03-02 10:00"`` in Shanghai."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


SPANS = [
    ("within one morning", "2026-03-02 10:00", "2026-03-02 11:30", 1.5 * H),
    ("over the lunch break", "2026-03-02 11:00", "2026-03-02 14:00", 2 * H),
    ("starting in the lunch break", "2026-03-02 12:30", "2026-03-02 13:30", 0.5 * H),
    ("over a night", "2026-03-02 17:00", "2026-03-03 10:00", 2 * H),
    ("before the day starts", "2026-03-02 07:00", "2026-03-02 09:30", 0.5 * H),
    ("after the day ends", "2026-03-02 19:00", "2026-03-03 09:30", 0.5 * H),
    ("over a weekend", "2026-03-06 17:00", "2026-03-09 10:00", 2 * H),
    ("inside a weekend", "2026-03-07 10:00", "2026-03-08 16:00", 0),
    ("a whole week", "2026-03-02 09:00", "2026-03-09 09:00", 40 * H),
    ("over the National Day holidays", "2026-09-30 17:00", "2026-10-08 10:00", 2 * H),
    ("on a holiday", "2026-10-01 10:00", "2026-10-01 16:00", 0),
    ("into an adjusted working Saturday", "2026-10-09 17:00", "2026-10-10 10:00", 2 * H),
    ("into an adjusted working Sunday", "2026-09-26 10:00", "2026-09-27 11:00", 2 * H),
    ("end before start", "2026-03-02 11:00", "2026-03-02 10:00", 0),
    ("to the second", "2026-03-02 09:00:00", "2026-03-02 09:00:07", 7),
]


@pytest.mark.parametrize(("case", "start", "end", "expected"), SPANS, ids=[s[0] for s in SPANS])
def test_business_seconds(case: str, start: str, end: str, expected: float) -> None:
    assert CALENDAR.business_seconds(at(start), at(end)) == int(expected)


def test_moments_in_utc_are_read_in_the_calendar_zone() -> None:
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    end = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # 17:30 in Shanghai
    assert CALENDAR.business_seconds(start, end) == int(7.5 * H)


DUES = [
    ("ends at the close of the morning", "2026-03-02 17:00", 4 * H, "2026-03-03 12:00"),
    ("over a weekend", "2026-03-06 16:00", 4 * H, "2026-03-09 11:00"),
    ("over the National Day holidays", "2026-09-30 15:00", 8 * H, "2026-10-08 15:00"),
    ("onto an adjusted working Saturday", "2026-10-09 16:00", 4 * H, "2026-10-10 11:00"),
    ("from the evening, nothing to spend", "2026-03-02 20:00", 0, "2026-03-03 09:00"),
    ("from the lunch break", "2026-03-02 12:30", 1 * H, "2026-03-02 14:00"),
    ("from a Sunday", "2026-03-08 10:00", 8 * H, "2026-03-09 18:00"),
]


@pytest.mark.parametrize(("case", "start", "budget", "due"), DUES, ids=[d[0] for d in DUES])
def test_add_business_seconds(case: str, start: str, budget: int, due: str) -> None:
    assert CALENDAR.add_business_seconds(at(start), budget) == at(due)


def test_due_and_elapsed_agree() -> None:
    start = at("2026-09-29 16:20")
    due = CALENDAR.add_business_seconds(start, 8 * H)
    assert CALENDAR.business_seconds(start, due) == 8 * H


def test_many_pairs_at_once_equal_one_by_one() -> None:
    rng = random.Random(4)
    base = at("2026-09-01 00:00")
    starts, ends = [], []
    for _ in range(400):
        start = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 50))
        starts.append(start)
        ends.append(start + dt.timedelta(minutes=rng.randrange(-600, 60 * 24 * 20)))
    expected = [CALENDAR.business_seconds(s, e) for s, e in zip(starts, ends, strict=True)]
    assert CALENDAR.business_seconds_many(starts, ends).tolist() == expected


def test_without_a_break_a_day_is_nine_hours() -> None:
    calendar = BusinessCalendar(hours=WorkingHours(dt.time(9), dt.time(18)))
    assert calendar.business_seconds(at("2026-03-02 08:00"), at("2026-03-02 20:00")) == 9 * H


@pytest.mark.parametrize(
    "hours",
    [
        (dt.time(18), dt.time(9), None, None),
        (dt.time(9), dt.time(18), dt.time(12), None),
        (dt.time(9), dt.time(18), dt.time(8), dt.time(10)),
        (dt.time(9), dt.time(18), dt.time(13), dt.time(12)),
    ],
    ids=["ends before it starts", "half a break", "break before the day", "break reversed"],
)
def test_working_hours_refuse_nonsense(hours: tuple[dt.time, ...]) -> None:
    with pytest.raises(ValueError):
        WorkingHours(*hours)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.business_seconds(dt.datetime(2026, 3, 2, 9), at("2026-03-02 10:00"))


def test_many_due_times_at_once_equal_one_by_one() -> None:
    rng = random.Random(9)
    base = at("2026-09-01 00:00")
    starts = [base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 60)) for _ in range(300)]
    budgets = [rng.randrange(1, 40 * H) for _ in starts]
    expected = [CALENDAR.add_business_seconds(s, b) for s, b in zip(starts, budgets, strict=True)]
    series = pl.Series([s.astimezone(dt.UTC) for s in starts], dtype=pl.Datetime("us", "UTC"))
    got = add_business_seconds_many(CALENDAR, series, np.array(budgets)).to_list()
    assert got == [e.astimezone(dt.UTC) for e in expected]
