"""What the lifecycle engine reads, as polars frames: one pass over the counted order lines
(revenue by order month and family, service periods, first orders) plus companies, hand-offs
and users. Only integers are inlined into the SQL."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from patron.core.frames import read_frame, sqlite_number, sqlite_text
from patron.sales.models import COUNTED_STATUSES

ID = pl.Int64


def _ids(values: Sequence[int]) -> str:
    return ", ".join(str(int(value)) for value in values) or "NULL"


def _company_filter(company_ids: Sequence[int] | None, column: str) -> str:
    return "" if company_ids is None else f" AND {column} IN ({_ids(company_ids)})"


def _statuses() -> str:
    return ", ".join(f"'{status}'" for status in COUNTED_STATUSES)


def _month(column: str) -> pl.Expr:
    date = pl.col(column)
    return date.dt.year().cast(ID) * 12 + date.dt.month().cast(ID) - 1


def counted_lines(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    """Every line of a paid or open order, with its order's company, date, id and seller."""
    sql = (
        "SELECT o.company_id, o.id, o.seller_id, "
        f"{sqlite_text('o.order_date')}, p.family_id, {sqlite_number('l.base_amount')}, "
        f"{sqlite_text('l.service_start')}, {sqlite_text('l.service_end')}"
        " FROM sales_orderline l"
        " JOIN sales_order o ON o.id = l.order_id"
        " JOIN catalog_product p ON p.id = l.product_id"
        f" WHERE o.organization_id = {int(organization_id)}"
        f" AND o.status IN ({_statuses()}){_company_filter(company_ids, 'o.company_id')}"
    )
    return read_frame(
        sql,
        {
            "company_id": ID,
            "order_id": ID,
            "seller_id": ID,
            "order_date": pl.Date,
            "family_id": ID,
            "amount": pl.Float64,
            "service_start": pl.Date,
            "service_end": pl.Date,
        },
    )


def family_revenue(lines: pl.DataFrame) -> pl.DataFrame:
    """company_id, month, family_id, cents — revenue by the month of the order date."""
    return (
        lines.select(
            "company_id",
            _month("order_date").alias("month"),
            "family_id",
            (pl.col("amount") * 100).round(0).cast(ID).alias("cents"),
        )
        .group_by("company_id", "month", "family_id")
        .agg(pl.col("cents").sum())
    )


def service_periods(lines: pl.DataFrame) -> pl.DataFrame:
    """company_id, start_month, end_month of every line with a service period."""
    return (
        lines.filter(pl.col("service_start").is_not_null())
        .select(
            "company_id",
            _month("service_start").alias("start_month"),
            _month("service_end").fill_null(_month("service_start")).alias("end_month"),
        )
        .unique()
    )


def first_orders(lines: pl.DataFrame) -> pl.DataFrame:
    """Per company: the date and seller of its first counted order (earliest date, then id)."""
    return (
        lines.select("company_id", "order_date", "order_id", "seller_id")
        .sort("company_id", "order_date", "order_id")
        .group_by("company_id", maintain_order=True)
        .first()
        .select(
            "company_id",
            pl.col("order_date").alias("first_order_date"),
            pl.col("seller_id").alias("first_seller_id"),
        )
    )


def companies(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    sql = (
        "SELECT c.id, c.owner_id, c.team_id, c.region_id, c.stage, "
        f"{sqlite_text('c.first_order_date')}, c.lifecycle_signature"
        f" FROM companies_company c WHERE c.organization_id = {int(organization_id)}"
        f"{_company_filter(company_ids, 'c.id')}"
    )
    return read_frame(
        sql,
        {
            "company_id": ID,
            "owner_id": ID,
            "team_id": ID,
            "region_id": ID,
            "stage": pl.String,
            "first_order_date": pl.Date,
            "lifecycle_signature": ID,
        },
    )


def handoffs(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    sql = (
        f"SELECT h.company_id, {sqlite_text('h.month')}, h.to_user_id, h.id"
        f" FROM lifecycle_handoff h WHERE h.organization_id = {int(organization_id)}"
        f"{_company_filter(company_ids, 'h.company_id')}"
    )
    frame = read_frame(
        sql, {"company_id": ID, "month": pl.Date, "to_user_id": ID, "handoff_id": ID}
    )
    return frame.with_columns(_month("month").alias("month")).sort(
        "company_id", "month", "handoff_id"
    )


def users(organization_id: int) -> pl.DataFrame:
    sql = (
        "SELECT u.id, u.team_id, CASE WHEN u.is_active THEN 1 ELSE 0 END,"
        " CASE WHEN EXISTS (SELECT 1 FROM accounts_userrole r"
        " WHERE r.user_id = u.id AND r.role = 'am') THEN 1 ELSE 0 END"
        f" FROM accounts_user u WHERE u.organization_id = {int(organization_id)}"
    )
    frame = read_frame(sql, {"user_id": ID, "team_id": ID, "is_active": ID, "is_am": ID})
    return frame.with_columns(pl.col("is_active") == 1, pl.col("is_am") == 1)


def stored_account_loads(organization_id: int, month: int) -> pl.DataFrame:
    """Accounts per owner in a month, from what is stored (used for incremental hand-offs)."""
    from patron.core.months import month_start

    sql = (
        "SELECT owner_id, COUNT(*) FROM lifecycle_companymonth"
        f" WHERE organization_id = {int(organization_id)}"
        f" AND month = '{month_start(month).isoformat()}' AND stage = 'account'"
        " AND owner_id IS NOT NULL GROUP BY owner_id"
    )
    return read_frame(sql, {"user_id": ID, "accounts": ID})
