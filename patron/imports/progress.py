"""Progress reporting for long imports: a rich bar on stderr, or nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Protocol, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

LARGE_FILE_ROWS = 10_000
T = TypeVar("T")


class Stopwatch:
    """Seconds per named step of an import (a step run twice adds up)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def run(self, name: str, step: Callable[[], T]) -> T:
        with self.timed(name):
            return step()

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


class Progress(Protocol):
    def phase(self, description: str, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def phase(self, description: str, total: int) -> None:
        return None

    def advance(self, rows: int) -> None:
        return None


class BarProgress:
    """A rich progress bar on stderr; one bar per phase (validated, written)."""

    def __init__(self, console: Console | None = None) -> None:
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def phase(self, description: str, total: int) -> None:
        if self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, completed=task.total or task.completed)
        self._task = self._bar.add_task(description, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, rows)


class ThresholdProgress:
    """Shows the bar only once a file turns out to be large (over ``LARGE_FILE_ROWS`` rows)."""

    def __init__(self, console: Console | None = None, threshold: int = LARGE_FILE_ROWS) -> None:
        self._console = console
        self._threshold = threshold
        self._bar: BarProgress | None = None

    def phase(self, description: str, total: int) -> None:
        if self._bar is None and total > self._threshold:
            self._bar = BarProgress(self._console).__enter__()
        if self._bar is not None:
            self._bar.phase(description, total)

    def advance(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.advance(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
