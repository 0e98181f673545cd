"""How the funnel's aggregate reads run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def analytic_reads() -> Iterator[None]:
    """PostgreSQL: run the block's queries without JIT compilation.

    The funnel's aggregates take a few hundred milliseconds; their estimated cost is high
    enough for PostgreSQL to compile them, which alone costs 300–400 ms each (measured on the
    bench data set). ``SET LOCAL`` limits the setting to this read-only transaction. Nested
    blocks (a trend asks bucket by bucket) run in the outer one: no savepoint per query.
    """
    if connection.vendor != "postgresql" or getattr(connection, "_analytic_reads", False):
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        connection._analytic_reads = True  # type: ignore[attr-defined]
        try:
            yield
        finally:
            connection._analytic_reads = False  # type: ignore[attr-defined]
