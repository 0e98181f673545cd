"""Vectorised field parsers: each turns a string column into a typed value and a reason.

A parser returns :class:`Parsed` — two polars expressions over the raw string column: the
typed ``value`` (null when empty or invalid) and the ``error`` (a translated reason, or null
when the cell is fine). Nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from django.db import models
from django.utils.translation import gettext as _

DATE_PATTERN = (
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
NUMBER_PATTERN = r"^[+-]?(?:\d+\.?\d*|\.\d+)$"
EMAIL_PATTERN = r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
TRUE_WORDS = ("true", "1", "yes", "y", "t", "是", "对", "真")
FALSE_WORDS = ("false", "0", "no", "n", "f", "否", "不", "假")


@dataclass(frozen=True)
class Parsed:
    value: pl.Expr
    error: pl.Expr
    # Cheap parsers (plain text) run over the whole column; the others run once per distinct
    # value on big files (see :meth:`patron.imports.validation.Checks.parse`).
    cheap: bool = False


def reason(template: str, **values: object) -> pl.Expr:
    return pl.lit(template % values, dtype=pl.String)


def first_error(*conditions: tuple[pl.Expr, str]) -> pl.Expr:
    """The reason of the first condition that holds, else null."""
    expression = pl.lit(None, dtype=pl.String)
    for condition, text in reversed(conditions):
        expression = pl.when(condition).then(pl.lit(text, dtype=pl.String)).otherwise(expression)
    return expression


def required_error(name: str) -> tuple[pl.Expr, str]:
    return pl.col(name).is_null(), _("%(field)s is required") % {"field": name}


def text(name: str, *, max_length: int | None, required: bool = False) -> Parsed:
    column = pl.col(name)
    conditions = [required_error(name)] if required else []
    if max_length:
        conditions.append(
            (
                column.str.len_chars() > max_length,
                _("%(field)s is longer than %(max)d characters")
                % {"field": name, "max": max_length},
            )
        )
    return Parsed(value=column, error=first_error(*conditions), cheap=True)


def model_text(
    model: type[models.Model], name: str, field: str | None = None, **kw: bool
) -> Parsed:
    """A text column limited by the model field's ``max_length``."""
    max_length = model._meta.get_field(field or name).max_length  # type: ignore[union-attr]
    return text(name, max_length=max_length, **kw)


def decimal(
    name: str,
    *,
    digits: int,
    places: int,
    minimum: str | None = "0",
    strictly_positive: bool = False,
    maximum: str | None = None,
    required: bool = False,
) -> Parsed:
    """A decimal with at most ``digits`` digits of which ``places`` after the point.

    The value is a string in canonical form (``"12.50"``), ready for the database and for
    comparison with stored values. Thousands separators (``1,234.5``) are accepted.
    """
    cleaned = pl.col(name).str.replace_all(r"[,\s]", "")
    is_number = cleaned.str.contains(NUMBER_PATTERN)
    integer_digits = cleaned.str.extract(r"^[+-]?0*(\d*)", 1).str.len_chars()
    fraction_digits = cleaned.str.extract(r"\.(\d*?)0*$", 1).fill_null("").str.len_chars()
    number = pl.when(is_number).then(cleaned).cast(pl.Decimal(38, places), strict=False)
    conditions = [required_error(name)] if required else []
    conditions += [
        (
            pl.col(name).is_not_null() & ~is_number,
            _("%(field)s is not a number") % {"field": name},
        ),
        (
            fraction_digits > places,
            _("%(field)s has more than %(places)d decimal places")
            % {"field": name, "places": places},
        ),
        (
            integer_digits > digits - places,
            _("%(field)s is too large (at most %(digits)d digits before the decimal point)")
            % {"field": name, "digits": digits - places},
        ),
    ]
    if strictly_positive:
        conditions.append((number <= 0, _("%(field)s must be greater than 0") % {"field": name}))
    elif minimum is not None:
        conditions.append(
            (
                number < pl.lit(minimum).cast(pl.Decimal(38, places)),
                _("%(field)s must not be negative") % {"field": name}
                if minimum == "0"
                else _("%(field)s must be at least %(min)s") % {"field": name, "min": minimum},
            )
        )
    if maximum is not None:
        conditions.append(
            (
                number > pl.lit(maximum).cast(pl.Decimal(38, places)),
                _("%(field)s must be between %(min)s and %(max)s")
                % {"field": name, "min": minimum or "0", "max": maximum},
            )
        )
    return Parsed(value=number.cast(pl.String), error=first_error(*conditions))


def model_decimal(
    model: type[models.Model], name: str, field: str | None = None, **kw: object
) -> Parsed:
    model_field = model._meta.get_field(field or name)
    return decimal(
        name,
        digits=model_field.max_digits,  # type: ignore[union-attr]
        places=model_field.decimal_places,  # type: ignore[union-attr]
        **kw,  # type: ignore[arg-type]
    )


def _moment_parts(name: str, time_zone: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The cell as a naive datetime, as an aware one when it has an offset (else null,
    converted to ``time_zone``), and the offset text."""
    parts = pl.col(name).str.extract_groups(DATE_PATTERN)
    year, month, day = (parts.struct.field(str(index)) for index in (1, 2, 3))
    hour, minute, second, offset = (parts.struct.field(str(index)) for index in (4, 5, 6, 7))
    day_text = pl.format("{}-{}-{}", year, month.str.zfill(2), day.str.zfill(2))
    moment_text = pl.format(
        "{}T{}:{}:{}",
        day_text,
        hour.fill_null("0").str.zfill(2),
        minute.fill_null("0").str.zfill(2),
        second.fill_null("0").str.zfill(2),
    )
    offset_text = (
        pl.when(offset.str.to_uppercase() == "Z")
        .then(pl.lit("+00:00"))
        .otherwise(
            pl.format(
                "{}:{}",
                offset.str.slice(0, 3),
                offset.str.replace(":", "").str.slice(3, 2).replace("", "00").fill_null("00"),
            )
        )
    )
    naive = moment_text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False)
    aware = (
        pl.concat_str([moment_text, offset_text])
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False)
        .dt.convert_time_zone(time_zone)
    )
    return naive, aware, offset


def date(name: str, *, time_zone: str, required: bool = False) -> Parsed:
    """YYYY-MM-DD or YYYY/MM/DD, optionally with a time; with an offset (or Z) the moment is
    converted to ``time_zone`` before the date is taken."""
    naive, aware, offset = _moment_parts(name, time_zone)
    value = pl.when(offset.is_not_null()).then(aware.dt.date()).otherwise(naive.dt.date())
    conditions = [required_error(name)] if required else []
    conditions.append(
        (
            pl.col(name).is_not_null() & value.is_null(),
            _("%(field)s is not a valid date (use YYYY-MM-DD)") % {"field": name},
        )
    )
    return Parsed(value=value, error=first_error(*conditions))


MOMENT = pl.Datetime("us", "UTC")
# the layouts most files use, parsed directly; any other goes through DATE_PATTERN
MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _moments(cells: pl.Series, time_zone: str) -> pl.Series:
    """Parse a column of moments: the common layouts at once, the rest by pattern."""
    frame = cells.rename("v").to_frame()
    parsed = frame.with_columns(pl.lit(None, dtype=MOMENT).alias("m"))["m"]
    pending = frame["v"].is_not_null()
    for layout in MOMENT_FORMATS:
        if not pending.any():
            break
        cells_left = frame.filter(pending)
        local = cells_left.select(
            pl.col("v")
            .str.to_datetime(layout, strict=False, time_unit="us")
            .dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )["v"]
        parsed = parsed.scatter(pending.arg_true(), local)
        pending = pending & parsed.is_null()
    if not pending.any():
        return parsed
    naive, aware, offset = _moment_parts("v", time_zone)
    slow = (
        pl.when(offset.is_not_null())
        .then(aware)
        .otherwise(naive.dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null"))
        .dt.convert_time_zone("UTC")
    )
    # a fresh column: the pattern on a filtered string view trips a polars assertion
    left = pl.DataFrame({"v": frame.filter(pending)["v"].to_list()}, schema={"v": pl.String})
    rest = left.select(slow.cast(MOMENT).alias("m"))["m"]
    return parsed.scatter(pending.arg_true(), rest)


def moment(name: str, *, time_zone: str, required: bool = False) -> Parsed:
    """A date with an optional time (``YYYY-MM-DD[ HH:MM[:SS]][offset]``) as an aware moment
    in UTC; without an offset it is a wall-clock time in ``time_zone``. Whole-column: the
    usual layouts are parsed directly, only the other cells by pattern."""
    value = pl.col(name).map_batches(lambda cells: _moments(cells, time_zone), return_dtype=MOMENT)
    conditions = [required_error(name)] if required else []
    conditions.append(
        (
            pl.col(name).is_not_null() & value.is_null(),
            _("%(field)s is not a valid date and time (use YYYY-MM-DD HH:MM)") % {"field": name},
        )
    )
    return Parsed(value=value, error=first_error(*conditions), cheap=True)


def boolean(name: str) -> Parsed:
    lowered = pl.col(name).str.to_lowercase()
    value = (
        pl.when(lowered.is_in(TRUE_WORDS))
        .then(pl.lit(True))
        .when(lowered.is_in(FALSE_WORDS))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )
    error = first_error(
        (
            lowered.is_not_null() & value.is_null(),
            _("%(field)s must be true or false (or yes/no, 1/0, 是/否)") % {"field": name},
        )
    )
    return Parsed(value=value, error=error)


def mapped(
    name: str,
    keys: Sequence[str] | pl.Series,
    values: Sequence[object] | pl.Series,
    *,
    dtype: pl.DataType,
    message: str,
    required: bool = False,
    case_insensitive: bool = False,
) -> Parsed:
    """Look the cell up in ``keys → values`` (choices, usernames, codes, external ids …).

    An unknown non-empty cell gets ``message``. The first of repeated keys wins.
    """
    column = pl.col(name).str.to_lowercase() if case_insensitive else pl.col(name)
    lookup = pl.DataFrame(
        {"key": pl.Series(keys, dtype=pl.String), "value": pl.Series(values, dtype=dtype)}
    )
    if case_insensitive:
        lookup = lookup.with_columns(pl.col("key").str.to_lowercase())
    lookup = lookup.unique("key", keep="first", maintain_order=True)
    value = column.replace_strict(lookup["key"], lookup["value"], default=None, return_dtype=dtype)
    conditions = [required_error(name)] if required else []
    conditions.append((pl.col(name).is_not_null() & value.is_null(), message))
    return Parsed(value=value, error=first_error(*conditions))


def choice(name: str, choices: type[models.TextChoices], *, required: bool = False) -> Parsed:
    """A TextChoices value, matched without regard to case; the English label also works."""
    mapping: dict[str, object] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        mapping.setdefault(str(value).lower(), value)
        mapping.setdefault(str(label).lower(), value)
    return mapped(
        name,
        list(mapping.keys()),
        list(mapping.values()),
        dtype=pl.String(),
        case_insensitive=True,
        required=required,
        message=_("%(field)s must be one of: %(choices)s")
        % {"field": name, "choices": ", ".join(str(value) for value in choices.values)},
    )


def too_long(name: str, max_length: int) -> pl.Expr:
    """The reason when a cell has more than ``max_length`` characters, else null."""
    return first_error(
        (
            pl.col(name).str.len_chars() > max_length,
            _("%(field)s is longer than %(max)d characters") % {"field": name, "max": max_length},
        )
    )


def pattern(name: str, regex: str, message: str) -> pl.Expr:
    return first_error((pl.col(name).is_not_null() & ~pl.col(name).str.contains(regex), message))


def email(name: str) -> Parsed:
    error = pattern(
        name, EMAIL_PATTERN, _("%(field)s is not a valid email address") % {"field": name}
    )
    return Parsed(value=pl.col(name), error=error)


def currency(name: str, known: Iterable[str], *, default: str) -> Parsed:
    """A currency code that is the organization's or has a CurrencyRate; empty → default."""
    codes = sorted({code.upper() for code in known} | {default.upper()})
    upper = pl.col(name).str.to_uppercase()
    value = upper.fill_null(pl.lit(default))
    error = first_error(
        (
            upper.is_not_null() & ~upper.is_in(codes),
            _("%(field)s must be %(currencies)s (other currencies need an exchange rate)")
            % {"field": name, "currencies": ", ".join(codes)},
        )
    )
    return Parsed(value=value, error=error)
