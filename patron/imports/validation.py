"""Collect per-row errors from parsers and checks, and split rows into good and rejected.

A row's ``_field`` lists the fields that failed (comma separated) and ``_reason`` the reasons
(semicolon separated); ``_bad`` is true when there is at least one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _

from patron.imports.parsing import Parsed
from patron.imports.readers import ROW, ImportFileError

FIELD = "_field"
REASON = "_reason"
BAD = "_bad"
DISTINCT_THRESHOLD = 5_000  # rows; above it parsers run once per distinct value


@dataclass
class Checks:
    """Named error columns, each belonging to one field."""

    columns: list[tuple[str, str]] = field(default_factory=list)

    def error(self, field_name: str, expression: pl.Expr) -> pl.Expr:
        name = f"_error_{len(self.columns)}"
        self.columns.append((name, field_name))
        return expression.alias(name)

    def parse(self, raw: pl.DataFrame, parsers: Mapping[str, Parsed]) -> pl.DataFrame:
        """Typed values (same column names) plus their error columns, from the raw strings.

        Each parser depends only on its own cell, so on a big file it runs once per distinct
        value (dates, amounts and codes repeat a lot) and the result is joined back.
        """
        # lazily: an error expression repeats its value's, which is then computed once
        if raw.height < DISTINCT_THRESHOLD:
            return (
                raw.lazy()
                .select(
                    ROW,
                    *[parser.value.alias(name) for name, parser in parsers.items()],
                    *[self.error(name, parser.error) for name, parser in parsers.items()],
                )
                .collect()
            )
        whole: list[pl.Expr] = []  # cheap parsers, over the whole column
        distinct: dict[str, pl.DataFrame] = {}
        for name, parser in parsers.items():  # error columns are numbered in parser order
            if parser.cheap:
                whole += [parser.value.alias(name), self.error(name, parser.error)]
            else:
                distinct[name] = (
                    raw.lazy()
                    .select(pl.col(name).unique())
                    .with_columns(
                        parser.value.alias(f"{name}__value"), self.error(name, parser.error)
                    )
                    .collect()
                )
        result = raw.lazy().select(ROW, *[pl.col(name) for name in distinct], *whole).collect()
        for name, values in distinct.items():
            result = (
                result.join(values, on=name, how="left", nulls_equal=True, maintain_order="left")
                .with_columns(pl.col(f"{name}__value").alias(name))
                .drop(f"{name}__value")
            )
        return result

    def summarise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Fold the error columns into ``_field`` / ``_reason`` / ``_bad``."""
        names = [name for name, _field in self.columns]
        if not names:
            return frame.with_columns(
                pl.lit("").alias(FIELD), pl.lit("").alias(REASON), pl.lit(False).alias(BAD)
            )
        fields = [
            pl.when(pl.col(name).is_not_null()).then(pl.lit(field_name))
            for name, field_name in self.columns
        ]
        frame = frame.with_columns(
            pl.concat_str(fields, separator=", ", ignore_nulls=True).alias(FIELD),
            pl.concat_str(
                [pl.col(name) for name in names], separator="; ", ignore_nulls=True
            ).alias(REASON),
        ).drop(names)
        self.columns = []
        return frame.with_columns((pl.col(REASON) != "").alias(BAD))


def ensure_columns(
    raw: pl.DataFrame, *, required: Sequence[str], optional: Sequence[str]
) -> tuple[pl.DataFrame, set[str], list[str]]:
    """Check the header; add missing optional columns as nulls.

    Returns the frame, the set of columns present in the file, and the ignored (unknown) ones.
    """
    present = set(raw.columns) - {ROW}
    missing = [name for name in required if name not in present]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)},
            {name: _("column is missing") for name in missing},
        )
    known = set(required) | set(optional)
    ignored = sorted(present - known)
    additions = [
        pl.lit(None, dtype=pl.String).alias(name) for name in optional if name not in present
    ]
    return raw.with_columns(additions), present & known, ignored


def duplicate_error(key: str) -> pl.Expr:
    """Reject the second and later rows that repeat ``key`` (the first one is imported)."""
    first_row = pl.col(ROW).min().over(key)
    template = _("%(field)s appears more than once in the file (first on row {})") % {"field": key}
    return (
        pl.when(pl.col(key).is_not_null() & (pl.col(ROW) != first_row))
        .then(pl.format(template, first_row))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def rejected_rows(raw: pl.DataFrame, checked: pl.DataFrame) -> pl.DataFrame:
    """The rejects: ``row, field, reason`` followed by the original columns as read."""
    bad = checked.filter(pl.col(BAD)).select(ROW, FIELD, REASON)
    original = [name for name in raw.columns if name != ROW]
    return (
        bad.join(raw, on=ROW, how="left")
        .sort(ROW)
        .select(
            pl.col(ROW).alias("row"),
            pl.col(FIELD).alias("field"),
            pl.col(REASON).alias("reason"),
            *original,
        )
    )
