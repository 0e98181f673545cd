"""The SQL that feeds the lifecycle engine: counted order lines grouped by company, month and
product family, service periods, and first orders. One query each, read into polars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from django.db import connection

from patron.core.bulk import is_postgres
from patron.sales.models import COUNTED_STATUSES

ID = pl.Int64


def month_sql(column: str) -> str:
    """The month index (year × 12 + month − 1) of a date column."""
    if is_postgres():
        return f"(EXTRACT(YEAR FROM {column}) * 12 + EXTRACT(MONTH FROM {column}) - 1)::bigint"
    return (
        f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12"
        f" + CAST(substr({column}, 6, 2) AS INTEGER) - 1)"
    )


def cents_sql(expression: str) -> str:
    if is_postgres():
        return f"ROUND({expression} * 100)::bigint"
    return f"CAST(ROUND({expression} * 100) AS INTEGER)"


def _company_filter(company_ids: Sequence[int] | None, column: str) -> tuple[str, list[int]]:
    if company_ids is None:
        return "", []
    placeholders = ", ".join(["%s"] * len(company_ids))
    return f" AND {column} IN ({placeholders})", list(company_ids)


def _frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _status_sql() -> str:
    return ", ".join(f"'{status}'" for status in COUNTED_STATUSES)


def family_revenue(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    where, params = _company_filter(company_ids, "o.company_id")
    sql = (
        f"SELECT o.company_id, {month_sql('o.order_date')} AS month, p.family_id,"
        f" {cents_sql('SUM(l.base_amount)')} AS cents"
        " FROM sales_orderline l"
        " JOIN sales_order o ON o.id = l.order_id"
        " JOIN catalog_product p ON p.id = l.product_id"
        f" WHERE o.organization_id = %s AND o.status IN ({_status_sql()}){where}"
        " GROUP BY o.company_id, month, p.family_id"
    )
    return _frame(
        sql,
        [organization_id, *params],
        {"company_id": ID, "month": ID, "family_id": ID, "cents": ID},
    )


def service_periods(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    where, params = _company_filter(company_ids, "o.company_id")
    sql = (
        f"SELECT DISTINCT o.company_id, {month_sql('l.service_start')} AS start_month,"
        f" {month_sql('COALESCE(l.service_end, l.service_start)')} AS end_month"
        " FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id"
        f" WHERE o.organization_id = %s AND o.status IN ({_status_sql()})"
        f" AND l.service_start IS NOT NULL{where}"
    )
    return _frame(
        sql, [organization_id, *params], {"company_id": ID, "start_month": ID, "end_month": ID}
    )


def first_orders(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    """Per company: the date and seller of its first counted order (earliest date, then id)."""
    where, params = _company_filter(company_ids, "o.company_id")
    sql = (
        "SELECT o.company_id, o.order_date, o.seller_id FROM sales_order o"
        " JOIN (SELECT company_id, MIN(order_date) AS first_date FROM sales_order o"
        f" WHERE o.organization_id = %s AND o.status IN ({_status_sql()}){where}"
        " GROUP BY company_id) f"
        " ON f.company_id = o.company_id AND f.first_date = o.order_date"
        f" WHERE o.status IN ({_status_sql()})"
        " ORDER BY o.company_id, o.id"
    )
    frame = _frame(
        sql,
        [organization_id, *params],
        {"company_id": ID, "first_order_date": pl.Date, "first_seller_id": ID},
    )
    return frame.unique("company_id", keep="first", maintain_order=True)


def companies(organization_id: int, company_ids: Sequence[int] | None) -> pl.DataFrame:
    where, params = _company_filter(company_ids, "c.id")
    sql = (
        "SELECT c.id, c.owner_id, c.team_id, c.region_id, c.stage, c.first_order_date,"
        " c.lifecycle_signature"
        f" FROM companies_company c WHERE c.organization_id = %s{where}"
    )
    return _frame(
        sql,
        [organization_id, *params],
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
    where, params = _company_filter(company_ids, "h.company_id")
    sql = (
        f"SELECT h.company_id, {month_sql('h.month')} AS month, h.to_user_id, h.id"
        f" FROM lifecycle_handoff h WHERE h.organization_id = %s{where}"
        " ORDER BY h.company_id, h.month, h.id"
    )
    return _frame(
        sql,
        [organization_id, *params],
        {"company_id": ID, "month": ID, "to_user_id": ID, "handoff_id": ID},
    )


def users(organization_id: int) -> pl.DataFrame:
    sql = (
        "SELECT u.id, u.team_id, u.is_active,"
        " EXISTS (SELECT 1 FROM accounts_userrole r WHERE r.user_id = u.id AND r.role = 'am')"
        " FROM accounts_user u WHERE u.organization_id = %s"
    )
    return _frame(
        sql,
        [organization_id],
        {"user_id": ID, "team_id": ID, "is_active": pl.Boolean, "is_am": pl.Boolean},
    )


def stored_account_loads(organization_id: int, month_date: str) -> pl.DataFrame:
    """Accounts per owner in a month, from what is stored (used for incremental hand-offs)."""
    sql = (
        "SELECT owner_id, COUNT(*) FROM lifecycle_companymonth"
        " WHERE organization_id = %s AND month = %s AND stage = 'account'"
        " AND owner_id IS NOT NULL GROUP BY owner_id"
    )
    return _frame(sql, [organization_id, month_date], {"user_id": ID, "accounts": ID})
