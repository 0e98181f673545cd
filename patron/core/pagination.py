"""Page fetching that stays fast deep into a large list.

``OFFSET 75000`` over whole rows reads and throws away 75,000 rows. Fetching the page's ids
first walks only the ordering index (a covering index scan), then the page's 50 rows are read
by primary key: the "deferred join". One extra cheap query, flat cost on any page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_rows(
    queryset: QuerySet[Any],
    start: int,
    size: int,
    shape: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> list[Any]:
    """Rows ``start … start + size`` of an ordered queryset, in its order. ``shape`` turns the
    page's queryset into what is returned (e.g. a ``values()`` with joined fields, which must
    include ``id``) — applied to the page's rows only, never to the scan."""
    ids = list(queryset.values_list("pk", flat=True)[start : start + size])
    if not ids:
        return []
    page = queryset.filter(pk__in=ids)
    if shape is not None:
        page = shape(page)
    by_id = {(row["id"] if isinstance(row, dict) else row.pk): row for row in page}
    return [by_id[pk] for pk in ids if pk in by_id]


class DeferredJoinPaginator(Paginator):
    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = page_rows(self.object_list, bottom, self.per_page)  # type: ignore[arg-type]
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]
