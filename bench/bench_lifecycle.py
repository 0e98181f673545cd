"""Full lifecycle recompute against the floor: one plain SQL query grouping the same counted
order lines by company and month.

    .venv/bin/python bench/bench_lifecycle.py [--runs 3]

Runs on the database of DATABASE_URL / PATRON_DATA_DIR (generate it first with
``patron generate --size large``).
"""

from __future__ import annotations

import argparse

from common import save, setup_django, summary, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from patron.core.models import Organization
    from patron.lifecycle.models import CompanyMonth, LifecycleEvent
    from patron.lifecycle.services import lifecycle_recompute
    from patron.sales.models import Order, OrderLine

    organization = Organization.objects.get_default()

    def month_sql(column: str) -> str:
        if connection.vendor == "postgresql":
            return f"(EXTRACT(YEAR FROM {column}) * 12 + EXTRACT(MONTH FROM {column}) - 1)"
        year = f"CAST(substr({column}, 1, 4) AS INTEGER)"
        return f"({year} * 12 + CAST(substr({column}, 6, 2) AS INTEGER) - 1)"

    floor_sql = (
        f"SELECT o.company_id, {month_sql('o.order_date')} AS month, SUM(l.base_amount)"
        " FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id"
        " WHERE o.organization_id = %s AND o.status IN ('paid', 'open')"
        " GROUP BY o.company_id, month"
    )

    def floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, [organization.id])
            return len(cursor.fetchall())

    floors, forced, unchanged = [], [], []
    groups = 0
    for _ in range(args.runs):
        seconds, groups = timed(floor)
        floors.append(seconds)
        # from scratch: every row deleted and written again
        seconds, result = timed(lambda: lifecycle_recompute(organization=organization, force=True))
        forced.append(seconds)
        # the nightly case: everything recomputed, only changed companies written
        seconds, result = timed(lambda: lifecycle_recompute(organization=organization))
        unchanged.append(seconds)
    floor_median = summary(floors)["median_ms"] / 1000
    forced_median = summary(forced)["median_ms"] / 1000
    unchanged_median = summary(unchanged)["median_ms"] / 1000
    save(
        "lifecycle",
        {
            "companies_with_orders": result.companies,
            "orders": Order.objects.count(),
            "order_lines": OrderLine.objects.count(),
            "company_months": CompanyMonth.objects.count(),
            "events": LifecycleEvent.objects.count(),
            "floor_groups": groups,
            "floor_seconds": summary(floors),
            "recompute_from_scratch": summary(forced),
            "recompute_unchanged": summary(unchanged),
            "floor_median_s": floor_median,
            "from_scratch_median_s": forced_median,
            "unchanged_median_s": unchanged_median,
            "from_scratch_ratio_to_floor": round(forced_median / floor_median, 2),
            "unchanged_ratio_to_floor": round(unchanged_median / floor_median, 2),
            "goal": "recompute < 20 s on SQLite and <= 3x the floor query",
        },
    )


if __name__ == "__main__":
    main()
