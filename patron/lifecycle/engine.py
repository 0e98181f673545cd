"""The lifecycle rules of SPEC §2, set-at-a-time with polars.

Input frames (months are integer month indexes, money integer cents):
- ``family_revenue``: company_id, month, family_id, cents — counted orders by order month
- ``service_periods``: company_id, start_month, end_month — counted lines with a service period
Output frames: ``months`` (company_id, month, stage, is_active, cents, families_owned) and
``events`` (company_id, month, kind, cents). Same rules as ``patron.lifecycle.rules``; the tests
check that the two agree on generated histories.

The grid (one row per company and month from its first order) is sorted by company and month
and dense, so "the same company k months earlier" is a plain shift by k rows guarded by
``month - k >= first``, and per-company running values are global cumulative sums minus the
value before the company's first row. No per-group window is needed on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from patron.lifecycle import rules

ID = pl.Int64
SPAN = 1 << 12  # months per company in the join key: more than 300 years


@dataclass(frozen=True)
class EngineResult:
    months: pl.DataFrame
    events: pl.DataFrame


def empty_family_revenue() -> pl.DataFrame:
    return pl.DataFrame(schema={"company_id": ID, "month": ID, "family_id": ID, "cents": ID})


def empty_service_periods() -> pl.DataFrame:
    return pl.DataFrame(schema={"company_id": ID, "start_month": ID, "end_month": ID})


def _key(company: pl.Expr, month: pl.Expr, base: int) -> pl.Expr:
    return company * SPAN + (month - base)


def compute(
    family_revenue: pl.DataFrame,
    service_periods: pl.DataFrame,
    *,
    through: int,
    lapse_months: int,
    upsell_threshold: Fraction,
) -> EngineResult:
    family_revenue = family_revenue.filter(pl.col("month") <= through)
    if family_revenue.is_empty():
        return EngineResult(
            months=pl.DataFrame(
                schema={
                    "company_id": ID,
                    "month": ID,
                    "stage": pl.String,
                    "is_active": pl.Boolean,
                    "cents": ID,
                    "families_owned": ID,
                }
            ),
            events=pl.DataFrame(
                schema={"company_id": ID, "month": ID, "kind": pl.String, "cents": ID}
            ),
        )
    base = int(family_revenue["month"].min()) - 1  # type: ignore[arg-type]
    per_month = _per_month(family_revenue, base)
    firsts = per_month.group_by("company_id").agg(pl.col("month").min().alias("first"))
    grid = (
        firsts.with_columns(pl.int_ranges("first", through + 1, dtype=ID).alias("month"))
        .explode("month")
        .sort("company_id", "month")
        .with_columns(_key(pl.col("company_id"), pl.col("month"), base).alias("key"))
        .join(per_month.drop("company_id", "month"), on="key", how="left")
        .join(_service_deltas(service_periods, firsts, through, base), on="key", how="left")
        .with_columns(
            pl.col("cents", "new_cents", "owned_cents", "new_families", "delta").fill_null(0),
            pl.col("ordered").fill_null(False),
        )
    )
    frame = _running(grid)
    frame = _stages(frame, lapse_months)
    events = _events(frame, lapse_months, upsell_threshold)
    months = frame.select("company_id", "month", "stage", "is_active", "cents", "families_owned")
    return EngineResult(months=months, events=events)


def _per_month(family_revenue: pl.DataFrame, base: int) -> pl.DataFrame:
    """Revenue per company and month, split into families bought for the first time or owned."""
    first_seen = pl.col("month").min().over("company_id", "family_id")
    is_new = pl.col("month") == first_seen
    return (
        family_revenue.with_columns(is_new.alias("is_new"))
        .group_by("company_id", "month")
        .agg(
            pl.col("cents").sum(),
            pl.when(pl.col("is_new")).then(pl.col("cents")).otherwise(0).sum().alias("new_cents"),
            pl.when(pl.col("is_new")).then(0).otherwise(pl.col("cents")).sum().alias("owned_cents"),
            pl.col("is_new").sum().cast(ID).alias("new_families"),
        )
        .with_columns(
            _key(pl.col("company_id"), pl.col("month"), base).alias("key"),
            pl.lit(True).alias("ordered"),
        )
    )


def _service_deltas(
    service_periods: pl.DataFrame, firsts: pl.DataFrame, through: int, base: int
) -> pl.DataFrame:
    """+1 where a service period starts and −1 the month after it ends, clipped to the grid."""
    clipped = (
        service_periods.join(firsts, on="company_id")
        .with_columns(
            pl.max_horizontal("start_month", "first").alias("start"),
            pl.min_horizontal("end_month", pl.lit(through)).alias("end"),
        )
        .filter(pl.col("start") <= pl.col("end"))
    )
    starts = clipped.select(
        _key(pl.col("company_id"), pl.col("start"), base).alias("key"), pl.lit(1, ID).alias("d")
    )
    ends = clipped.filter(pl.col("end") < through).select(
        _key(pl.col("company_id"), pl.col("end") + 1, base).alias("key"),
        pl.lit(-1, ID).alias("d"),
    )
    return pl.concat([starts, ends]).group_by("key").agg(pl.col("d").sum().alias("delta"))


def _per_company_cumsum(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    """Running sum of ``column`` within each company: the global running sum minus its value
    just before the company's first row (rows are sorted by company and month)."""
    total = f"_{name}_total"
    frame = frame.with_columns(pl.col(column).cum_sum().alias(total))
    before = (pl.col(total) - pl.col(column)).first().over("company_id")
    return frame.with_columns((pl.col(total) - before).alias(name)).drop(total)


def _running(grid: pl.DataFrame) -> pl.DataFrame:
    frame = _per_company_cumsum(grid, "delta", "served")
    frame = _per_company_cumsum(frame, "new_families", "families_owned")
    frame = frame.with_columns((pl.col("ordered") | (pl.col("served") > 0)).alias("is_active"))
    month, first = pl.col("month"), pl.col("first")
    # last active month after F: forward-fill the row number, keep it only inside the company
    row = pl.int_range(pl.len(), dtype=ID)
    company_start = row - (month - first)
    marked = pl.when(pl.col("is_active") & (month > first)).then(row)
    frame = frame.with_columns(
        marked.forward_fill().alias("_last_row"), company_start.alias("_start_row")
    )
    last_active = (
        pl.when(pl.col("_last_row") >= pl.col("_start_row"))
        .then(pl.col("_last_row") - pl.col("_start_row") + first)
        .otherwise(None)
    )
    first_after = pl.when(pl.col("is_active") & (month > first)).then(month).min()
    return frame.with_columns(
        last_active.alias("last_active"),
        first_after.over("company_id").alias("first_after"),
    ).drop("_last_row", "_start_row")


def _shifted(column: str, k: int) -> pl.Expr:
    """The same company's value k months earlier, else null."""
    return pl.when(pl.col("month") - k >= pl.col("first")).then(pl.col(column).shift(k))


def _stages(frame: pl.DataFrame, lapse_months: int) -> pl.DataFrame:
    month, first, last = pl.col("month"), pl.col("first"), pl.col("last_active")
    stage = (
        pl.when(month == first)
        .then(pl.lit(rules.NEW_CUSTOMER))
        .when(last.is_null())
        .then(pl.lit(rules.VISITOR))
        .when(pl.col("is_active") | (month - last < lapse_months))
        .then(pl.lit(rules.ACCOUNT))
        .otherwise(pl.lit(rules.LAPSED))
    )
    frame = frame.with_columns(stage.alias("stage"))
    return frame.with_columns(_shifted("stage", 1).alias("previous"))


def _events(frame: pl.DataFrame, lapse_months: int, upsell_threshold: Fraction) -> pl.DataFrame:
    month, first, active = pl.col("month"), pl.col("first"), pl.col("is_active")
    after_first = month > first
    window = pl.min_horizontal(month - first, pl.lit(3))
    trailing = pl.sum_horizontal(*(_shifted("cents", k).fill_null(0) for k in (1, 2, 3)))
    frame = frame.with_columns(window.alias("window"), trailing.alias("trailing"))
    numerator, denominator = upsell_threshold.numerator, upsell_threshold.denominator
    # owned > average × (1 + t)  ⇔  owned × window × d > trailing × (d + n), all integers
    upsold = (
        after_first
        & (pl.col("trailing") > 0)
        & (
            pl.col("owned_cents") * pl.col("window") * denominator
            > pl.col("trailing") * (denominator + numerator)
        )
    )
    upsell_amount = (pl.col("owned_cents") * pl.col("window") - pl.col("trailing")) // pl.col(
        "window"
    )
    zero = pl.lit(0, dtype=ID)
    last = pl.col("last_active")
    specs = [
        (rules.BECAME_CUSTOMER, month == first, zero),
        (rules.BECAME_ACCOUNT, month == pl.col("first_after"), zero),
        (rules.BECAME_VISITOR, (month == first + 1) & ~active, zero),
        (rules.LAPSED_EVENT, ~active & last.is_not_null() & (month - last == lapse_months), zero),
        (rules.WON_BACK, after_first & active & (pl.col("previous") == rules.LAPSED), zero),
        (rules.RETURNED, after_first & active & (pl.col("previous") == rules.VISITOR), zero),
        (rules.CROSS_SOLD, after_first & (pl.col("new_families") > 0), pl.col("new_cents")),
        (rules.UPSOLD, upsold, upsell_amount),
    ]
    parts = [
        frame.filter(condition).select(
            "company_id", "month", pl.lit(kind).alias("kind"), amount.cast(ID).alias("cents")
        )
        for kind, condition, amount in specs
    ]
    return pl.concat(parts).sort("company_id", "month", "kind")
