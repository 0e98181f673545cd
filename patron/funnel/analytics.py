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
    bench data set). ``SET LOCAL`` limits the setting to this read-only transaction.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
