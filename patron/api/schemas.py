"""Shared API types: safe text, bounded ids, money, pagination.

Input schemas repeat the model limits (length, digits, ranges, choices) so that bad input is
answered with a 422 naming the field and never reaches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from ninja.params import P, PathEx
from pydantic import AfterValidator, ConfigDict, Field

MAX_ID = 2**53 - 1  # fits every database integer and a JSON number exactly
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid UTF-8 text") from None
    return value


# Text the database accepts (PostgreSQL refuses NUL characters and lone surrogates).
Text = Annotated[str, AfterValidator(_clean_text)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = PathEx[int, P(ge=1, le=MAX_ID)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY")]
Day = dt.date


def money(
    *, default: Any = ..., ge: Decimal | None = Decimal("0"), digits: int = 16, **kwargs: Any
) -> Any:
    """A Decimal field with the model's digits and 2 decimal places (non-negative by default)."""
    return Field(default, max_digits=digits, decimal_places=2, ge=ge, allow_inf_nan=False, **kwargs)


class InputSchema(Schema):
    """Base for request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description="rows matching the filters (see count_is_exact)")
    count_is_exact: bool = Field(
        True,
        description="false when a substring search stopped counting at 1,000 matches",
    )
    page: int
    page_size: int
    results: list[T]


from patron.core.pagination import page_ids, rows_by_ids  # noqa: E402


def paginate(
    queryset: QuerySet[Any],
    query: PageQuery,
    shape: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    *,
    count_cap: int | None = None,
) -> dict[str, Any]:
    """A COUNT and a page of ids over the plain filtered queryset, then the page's rows in
    ``shape`` (a ``.values()`` with joined fields, including ``id``). With ``count_cap`` the
    count stops there (for substring searches) and ``count_is_exact`` says so."""
    start = (query.page - 1) * query.page_size
    ids = page_ids(queryset, start, query.page_size)
    if count_cap is None:
        count, exact = queryset.order_by().count(), True
    else:
        counted = queryset.order_by()[: count_cap + 1].count()
        count, exact = min(counted, count_cap), counted <= count_cap
    return {
        "count": count,
        "count_is_exact": exact,
        "page": query.page,
        "page_size": query.page_size,
        "results": rows_by_ids(queryset, ids, shape),
    }


def choice_type(choices: type[Any], *, blank: bool = False) -> Any:
    """A ``Literal`` of a TextChoices' values (plus ``""`` when the field may be blank)."""
    values = tuple(([""] if blank else []) + [str(value) for value in choices.values])
    return Literal[values]  # type: ignore[valid-type]


def omittable(**kwargs: Any) -> Any:
    """A field a request may leave out (``None`` means "not given"; ``exclude_unset`` drops it).
    Unless its type says ``| None``, an explicit ``null`` is still refused."""
    return Field(None, **kwargs)
