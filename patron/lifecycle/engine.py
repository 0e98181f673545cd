"""The lifecycle rules of SPEC §2, set-at-a-time with polars.

Input frames (months are integer month indexes, money integer cents):
- ``family_revenue``: company_id, month, family_id, cents — counted orders by order month
- ``service_periods``: company_id, start_month, end_month — counted lines with a service period
Output frames: ``months`` (company_id, month, stage, is_active, cents, families_owned) and
``events`` (company_id, month, kind, cents). Same rules as ``patron.lifecycle.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from patron.lifecycle import rules

ID = pl.Int64


@dataclass(frozen=True)
class EngineResult:
    months: pl.DataFrame
    events: pl.DataFrame


def empty_family_revenue() -> pl.DataFrame:
    return pl.DataFrame(schema={"company_id": ID, "month": ID, "family_id": ID, "cents": ID})


def empty_service_periods() -> pl.DataFrame:
    return pl.DataFrame(schema={"company_id": ID, "start_month": ID, "end_month": ID})


def compute(
    family_revenue: pl.DataFrame,
    service_periods: pl.DataFrame,
    *,
    through: int,
    lapse_months: int,
    upsell_threshold: Fraction,
) -> EngineResult:
    family_revenue = family_revenue.filter(pl.col("month") <= through)
    firsts = family_revenue.group_by("company_id").agg(pl.col("month").min().alias("first"))
    grid = (
        firsts.with_columns(pl.int_ranges("first", through + 1).alias("month"))
        .explode("month")
        .with_columns(pl.col("month").cast(ID))
    )
    active = _active_months(family_revenue, service_periods, firsts, through)
    revenue = family_revenue.group_by("company_id", "month").agg(pl.col("cents").sum())
    family_first = family_revenue.group_by("company_id", "family_id").agg(
        pl.col("month").min().alias("family_first")
    )
    with_first = family_revenue.join(family_first, on=["company_id", "family_id"])
    split = with_first.group_by("company_id", "month").agg(
        pl.col("cents").filter(pl.col("family_first") == pl.col("month")).sum().alias("new_cents"),
        (pl.col("family_first") == pl.col("month")).any().alias("has_new_family"),
        pl.col("cents").filter(pl.col("family_first") < pl.col("month")).sum().alias("owned_cents"),
    )
    new_families = family_first.group_by("company_id", pl.col("family_first").alias("month")).agg(
        pl.len().cast(ID).alias("new_families")
    )
    frame = (
        grid.join(active, on=["company_id", "month"], how="left")
        .join(revenue, on=["company_id", "month"], how="left")
        .join(split, on=["company_id", "month"], how="left")
        .join(new_families, on=["company_id", "month"], how="left")
        .with_columns(
            pl.col("is_active").fill_null(False),
            pl.col("cents").fill_null(0),
            pl.col("new_cents").fill_null(0),
            pl.col("owned_cents").fill_null(0),
            pl.col("has_new_family").fill_null(False),
            pl.col("new_families").fill_null(0),
        )
        .sort("company_id", "month")
    )
    frame = _stages(frame, lapse_months)
    events = _events(frame, lapse_months, upsell_threshold)
    months = frame.select(
        "company_id",
        "month",
        "stage",
        "is_active",
        "cents",
        pl.col("new_families").cum_sum().over("company_id").alias("families_owned"),
    )
    return EngineResult(months=months, events=events)


def _active_months(
    family_revenue: pl.DataFrame, service_periods: pl.DataFrame, firsts: pl.DataFrame, through: int
) -> pl.DataFrame:
    ordered = family_revenue.select("company_id", "month")
    served = (
        service_periods.join(firsts, on="company_id")
        .with_columns(
            pl.max_horizontal("start_month", "first").alias("start"),
            pl.min_horizontal("end_month", pl.lit(through)).alias("end"),
        )
        .filter(pl.col("start") <= pl.col("end"))
        .select("company_id", pl.int_ranges("start", pl.col("end") + 1).alias("month"))
        .explode("month")
        .with_columns(pl.col("month").cast(ID))
    )
    return pl.concat([ordered, served]).unique().with_columns(pl.lit(True).alias("is_active"))


def _stages(frame: pl.DataFrame, lapse_months: int) -> pl.DataFrame:
    month, first = pl.col("month"), pl.col("first")
    active_after_first = pl.when(pl.col("is_active") & (month > first)).then(month)
    frame = frame.with_columns(
        active_after_first.forward_fill().over("company_id").alias("last_active"),
        active_after_first.min().over("company_id").alias("first_after"),
    )
    last = pl.col("last_active")
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
    return frame.with_columns(pl.col("stage").shift(1).over("company_id").alias("previous"))


def _events(frame: pl.DataFrame, lapse_months: int, upsell_threshold: Fraction) -> pl.DataFrame:
    month, first, active = pl.col("month"), pl.col("first"), pl.col("is_active")
    after_first = month > first
    window = pl.min_horizontal(month - first, pl.lit(3))
    trailing = (
        pl.col("cents").shift(1).rolling_sum(3, min_samples=1).over("company_id").fill_null(0)
    )
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
    specs = [
        (rules.BECAME_CUSTOMER, month == first, zero),
        (rules.BECAME_ACCOUNT, month == pl.col("first_after"), zero),
        (rules.BECAME_VISITOR, (month == first + 1) & ~active, zero),
        (
            rules.LAPSED_EVENT,
            ~active
            & pl.col("last_active").is_not_null()
            & (month - pl.col("last_active") == lapse_months),
            zero,
        ),
        (rules.WON_BACK, after_first & active & (pl.col("previous") == rules.LAPSED), zero),
        (rules.RETURNED, after_first & active & (pl.col("previous") == rules.VISITOR), zero),
        (rules.CROSS_SOLD, after_first & pl.col("has_new_family"), pl.col("new_cents")),
        (rules.UPSOLD, upsold, upsell_amount),
    ]
    parts = [
        frame.filter(condition).select(
            "company_id", "month", pl.lit(kind).alias("kind"), amount.cast(ID).alias("cents")
        )
        for kind, condition, amount in specs
    ]
    return pl.concat(parts).sort("company_id", "month", "kind")
