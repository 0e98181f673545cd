"""The SLA clock: business time between two moments, on an organization's working calendar.

Pure Python (plus polars for the vectorised form); no Django. A working day is a weekday that
is not a holiday, or a weekend day marked as an adjusted working day (China's 调休). Working
hours are wall-clock times in the organization's time zone with an optional break, so the
clock pauses at night, over lunch, at weekends and on holidays.

``business_seconds`` walks the days between two moments (exact, used for one item);
``business_seconds_many`` maps every moment to "business seconds since the first day of the
span" with one day table and subtracts, so thousands of items cost a few vector operations.
Both give the same numbers (a test checks them against each other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

DAY = 86_400


def _seconds(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True)
class WorkingHours:
    """Working hours of a day: ``start``–``end``, minus ``break_start``–``break_end``."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(18, 0)
    break_start: dt.time | None = None
    break_end: dt.time | None = None

    def __post_init__(self) -> None:
        if _seconds(self.end) <= _seconds(self.start):
            raise ValueError("working hours must end after they start")
        if (self.break_start is None) != (self.break_end is None):
            raise ValueError("a break needs both a start and an end")
        if self.break_start is not None and self.break_end is not None:
            inside = _seconds(self.start) <= _seconds(self.break_start)
            inside = inside and _seconds(self.break_start) < _seconds(self.break_end)
            if not inside or _seconds(self.break_end) > _seconds(self.end):
                raise ValueError("the break must lie inside the working hours")

    @property
    def segments(self) -> tuple[tuple[int, int], ...]:
        """Working intervals as seconds after midnight."""
        start, end = _seconds(self.start), _seconds(self.end)
        if self.break_start is None or self.break_end is None:
            return ((start, end),)
        return ((start, _seconds(self.break_start)), (_seconds(self.break_end), end))

    @property
    def seconds_per_day(self) -> int:
        return sum(end - start for start, end in self.segments)

    def worked_until(self, second_of_day: int) -> int:
        """Working seconds of a working day from midnight up to ``second_of_day``."""
        return sum(min(max(second_of_day - start, 0), end - start) for start, end in self.segments)


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str = "Asia/Shanghai"
    hours: WorkingHours = field(default_factory=WorkingHours)
    weekend: frozenset[int] = frozenset({5, 6})  # Monday = 0
    # dates that differ from the weekly pattern: False = holiday, True = adjusted working day
    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() not in self.weekend

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("moments must be timezone-aware")
        return moment.astimezone(self.zone)

    def business_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds in [start, end); 0 when ``end`` is not after ``start``."""
        first, last = self._local(start), self._local(end)
        if last <= first:
            return 0
        total = 0
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                since = _seconds(first.time()) if day == first.date() else 0
                until = _seconds(last.time()) if day == last.date() else DAY
                total += self.hours.worked_until(until) - self.hours.worked_until(since)
            day += dt.timedelta(days=1)
        return total

    def add_business_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The moment at which ``seconds`` of working time have passed since ``start``.

        Lands on the end of the working interval that uses up the budget (an SLA due at the
        close of business is due at 18:00, not at the next morning's 09:00).
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        local = self._local(start)
        day = local.date()
        position = _seconds(local.time())
        left = seconds
        for _ in range(3660):  # ten years of days: a calendar without working days stops here
            if self.is_working_day(day):
                for segment_start, segment_end in self.hours.segments:
                    begin = max(position, segment_start)
                    if begin >= segment_end:
                        continue
                    available = segment_end - begin
                    if left <= available:
                        wall = dt.datetime.combine(day, dt.time.min) + dt.timedelta(
                            seconds=begin + left
                        )
                        return wall.replace(tzinfo=self.zone).astimezone(start.tzinfo)
                    left -= available
            day += dt.timedelta(days=1)
            position = 0
        raise ValueError("the calendar has no working time in the next ten years")

    def business_seconds_many(
        self, starts: Sequence[dt.datetime] | pl.Series, ends: Sequence[dt.datetime] | pl.Series
    ) -> np.ndarray:
        """``business_seconds`` for many (start, end) pairs at once (int64 array)."""
        start_series = _utc_series(starts)
        end_series = _utc_series(ends)
        if start_series.len() == 0:
            return np.zeros(0, dtype=np.int64)
        local_start = start_series.dt.convert_time_zone(self.time_zone)
        local_end = end_series.dt.convert_time_zone(self.time_zone)
        first_day = local_start.dt.date().min()
        last_day = max(local_end.dt.date().max(), first_day)  # type: ignore[type-var]
        assert isinstance(first_day, dt.date) and isinstance(last_day, dt.date)
        days = (last_day - first_day).days + 1
        working = np.array(
            [self.is_working_day(first_day + dt.timedelta(days=k)) for k in range(days)],
            dtype=bool,
        )
        before = np.concatenate([[0], np.cumsum(working * self.hours.seconds_per_day)[:-1]])

        def position(local: pl.Series) -> np.ndarray:
            index = (local.dt.date() - first_day).dt.total_days().to_numpy().astype(np.int64)
            second = (
                local.dt.hour().cast(pl.Int64) * 3600
                + local.dt.minute().cast(pl.Int64) * 60
                + local.dt.second().cast(pl.Int64)
            ).to_numpy()
            within = np.zeros(len(second), dtype=np.int64)
            for segment_start, segment_end in self.hours.segments:
                within += np.clip(second - segment_start, 0, segment_end - segment_start)
            return before[index] + np.where(working[index], within, 0)

        return np.maximum(position(local_end) - position(local_start), 0).astype(np.int64)


def add_business_seconds_many(
    calendar: BusinessCalendar, starts: pl.Series, seconds: np.ndarray
) -> pl.Series:
    """``add_business_seconds`` for many starts at once (UTC series); ``seconds`` > 0."""
    start_series = _utc_series(starts)
    if start_series.len() == 0:
        return start_series
    if (np.asarray(seconds) <= 0).any():
        raise ValueError("seconds must be positive")
    local = start_series.dt.convert_time_zone(calendar.time_zone)
    first_day = local.dt.date().min()
    assert isinstance(first_day, dt.date)
    per_day = calendar.hours.seconds_per_day
    needed_days = int(np.max(seconds)) // per_day + 1
    last_day = local.dt.date().max()
    assert isinstance(last_day, dt.date)
    span = (last_day - first_day).days + 7 * needed_days // 5 + 60
    days = [first_day + dt.timedelta(days=k) for k in range(span)]
    working = np.array([calendar.is_working_day(day) for day in days], dtype=bool)
    before = np.concatenate([[0], np.cumsum(working * per_day)[:-1]])
    index = (local.dt.date() - first_day).dt.total_days().to_numpy().astype(np.int64)
    second = (
        local.dt.hour().cast(pl.Int64) * 3600
        + local.dt.minute().cast(pl.Int64) * 60
        + local.dt.second().cast(pl.Int64)
    ).to_numpy()
    within = np.zeros(len(second), dtype=np.int64)
    for segment_start, segment_end in calendar.hours.segments:
        within += np.clip(second - segment_start, 0, segment_end - segment_start)
    target = before[index] + np.where(working[index], within, 0) + np.asarray(seconds)
    # the first working day whose working time reaches the target
    day_end = before + working * per_day
    landing = np.searchsorted(day_end, target, side="left")
    if (landing >= len(days)).any():
        raise ValueError("the calendar has no working time left for these durations")
    left = target - before[landing]
    wall = np.zeros(len(left), dtype=np.int64)
    spent = np.zeros(len(left), dtype=np.int64)
    placed = np.zeros(len(left), dtype=bool)
    for segment_start, segment_end in calendar.hours.segments:
        length = segment_end - segment_start
        here = ~placed & (left - spent <= length)
        wall = np.where(here, segment_start + left - spent, wall)
        placed |= here
        spent += length
    dates = np.array(days, dtype="datetime64[D]")[landing]
    naive = dates.astype("datetime64[s]") + wall.astype("timedelta64[s]")
    return (
        pl.Series("due", naive.astype("datetime64[us]"))
        .dt.replace_time_zone(calendar.time_zone)
        .dt.convert_time_zone("UTC")
    )


def _utc_series(values: Sequence[dt.datetime] | pl.Series) -> pl.Series:
    if isinstance(values, pl.Series):
        series = values
    else:
        if any(value.tzinfo is None for value in values):
            raise ValueError("moments must be timezone-aware")
        series = pl.Series(
            [value.astimezone(dt.UTC) for value in values], dtype=pl.Datetime("us", "UTC")
        )
    if series.dtype == pl.Datetime("us", "UTC") or getattr(series.dtype, "time_zone", None):
        return series.dt.convert_time_zone("UTC")
    raise ValueError("moments must be timezone-aware")
