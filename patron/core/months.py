"""Calendar months as integers and their boundaries in the organization's time zone.

A month index is ``year * 12 + (month - 1)``: consecutive months differ by one, so
"M-1" and "inactive for N months" are plain integer arithmetic. Pure Python.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """``"2026-03"`` → month index; raises ValueError naming the expected format."""
    try:
        year_text, month_text = text.strip().split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        raise ValueError(f"month must look like YYYY-MM, got {text!r}") from None
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise ValueError(f"month must look like YYYY-MM, got {text!r}")
    return year * 12 + month - 1


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The calendar date of an aware datetime in the organization's time zone."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(ZoneInfo(time_zone)).date()


def month_bounds(index: int, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month as aware datetimes in the organization's time zone."""
    zone = ZoneInfo(time_zone)
    start = dt.datetime.combine(month_start(index), dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(month_start(index + 1), dt.time.min, tzinfo=zone)
    return start, end


def current_month(time_zone: str, now: dt.datetime | None = None) -> int:
    moment = now or dt.datetime.now(dt.UTC)
    return month_index(local_date(moment, time_zone))
