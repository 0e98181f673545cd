"""Periods of the funnel reports: [from, to] as calendar days of the organization's time zone,
turned into aware [start, end) moments, and split into weekly or monthly buckets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEK = "week"
MONTH = "month"
BUCKETS = (WEEK, MONTH)


def day_start(day: dt.date, time_zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(time_zone))


@dataclass(frozen=True)
class Bucket:
    label: str  # 2026-W14 or 2026-04
    first: dt.date
    last: dt.date


def buckets(date_from: dt.date, date_to: dt.date, size: str) -> list[Bucket]:
    """Weeks (Monday–Sunday, ISO numbered) or calendar months covering the period, clipped
    to it."""
    if size not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    result: list[Bucket] = []
    first = date_from
    while first <= date_to:
        if size == WEEK:
            natural_end = first + dt.timedelta(days=6 - first.weekday())
            year, week, _ = first.isocalendar()
            label = f"{year}-W{week:02d}"
        else:
            next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            natural_end = next_month - dt.timedelta(days=1)
            label = f"{first:%Y-%m}"
        last = min(natural_end, date_to)
        result.append(Bucket(label, first, last))
        first = last + dt.timedelta(days=1)
    return result
