"""Funnel metrics at scale (issue 4 point 7): all metrics for one quarter over the whole
organization on 1,000,000 leads, 200,000 opportunities and 5,000,000 activities, each checked
against a plain SQL reference query; then the funnel dashboard's p95 through the Django stack.

    # an empty database (migrated); the data set is built by the demo generator
    DATABASE_URL=… flock /tmp/patron-bench.lock .venv/bin/python bench/bench_funnel.py --generate
    DATABASE_URL=… flock /tmp/patron-bench.lock .venv/bin/python bench/bench_funnel.py

Goals: metrics < 1 s on PostgreSQL and < 3 s on SQLite; dashboard p95 < 300 ms.

The metrics and the dashboard read the daily roll-up (``patron.funnel.rollup``); the reference
queries read the base tables, so every run also checks the roll-up against them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from typing import Any

from common import save, setup_django, summary, timed


def generate() -> dict[str, float]:
    from django.db import transaction

    from patron.core.audit import Actor, acting_as
    from patron.core.models import Organization
    from patron.demo.funnel import funnel_data_delete, funnel_generate
    from patron.demo.world import world_generate

    timings: dict[str, float] = {}
    with acting_as(Actor(user_id=None, label="bench_funnel", source="cli")):
        seconds, _ = timed(lambda: world_generate(size="small", seed=1, recompute=False))
        timings["small world"] = round(seconds, 1)
        organization = Organization.objects.get_default()
        today = dt.datetime.now(dt.UTC).date()

        def bench_size() -> None:
            with transaction.atomic():
                funnel_data_delete(organization)
                funnel_generate(
                    organization=organization,
                    seed=1,
                    size="bench",
                    end_date=today,
                    log=print,
                )

        seconds, _ = timed(bench_size)
        timings["funnel at the bench size"] = round(seconds, 1)
        # the generator's bulk inserts marked every hour dirty: the first report would build
        # the daily roll-up; build it here, timed
        from patron.funnel.rollup import rebuild_all

        seconds, _ = timed(lambda: rebuild_all(organization))
        timings["daily roll-up, every day"] = round(seconds, 1)
    return timings


def refresh_statistics() -> None:
    from django.db import connection

    tables = [
        "leads_lead",
        "activities_activity",
        "funnel_opportunity",
        "funnel_opportunityhandoff",
        "funnel_stagechange",
        "accounts_userrole",
        "funnel_rolespell",
        "funnel_funnelday",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                # what autovacuum does soon after a bulk load: statistics and the visibility map
                cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute(f"ANALYZE {table}")


def last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (today.month - 1) // 3 * 3 + 1
    this_quarter = dt.date(today.year, first_month, 1)
    end = this_quarter - dt.timedelta(days=1)
    start_month = (end.month - 1) // 3 * 3 + 1
    return dt.date(end.year, start_month, 1), end


def reference(
    organization: Any, start: dt.datetime, end: dt.datetime, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """Each metric by a plain SQL query of its own (no ORM, no code shared with the query
    object)."""
    from django.db import connection

    from patron.funnel.rules import money_ratio, rate

    org = organization.pk
    # moments as the database stores them (SQLite: UTC text without an offset)
    low = connection.ops.adapt_datetimefield_value(start)
    high = connection.ops.adapt_datetimefield_value(end)

    def one(sql: str, *params: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, [org, *params])
            return cursor.fetchone()[0]

    def money(value: Any) -> Decimal:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))

    leads = one(
        "SELECT COUNT(*) FROM leads_lead WHERE organization_id = %s"
        " AND created_at >= %s AND created_at < %s",
        low,
        high,
    )
    mqls = one(
        "SELECT COUNT(*) FROM leads_lead WHERE organization_id = %s"
        " AND mql_at >= %s AND mql_at < %s",
        low,
        high,
    )
    followed = one(
        "SELECT COUNT(*) FROM leads_lead l WHERE l.organization_id = %s"
        " AND l.mql_at >= %s AND l.mql_at < %s AND EXISTS ("
        " SELECT 1 FROM activities_activity a JOIN accounts_userrole r ON r.user_id = a.user_id"
        " WHERE a.lead_id = l.id AND a.occurred_at >= l.mql_at"
        " AND a.kind IN ('call', 'email', 'meeting') AND r.role IN ('sdr', 'bdm'))",
        low,
        high,
    )
    created = (
        "FROM funnel_opportunity WHERE organization_id = %s"
        " AND created_at >= %s AND created_at < %s"
    )
    created_all = one(f"SELECT COUNT(*) {created}", low, high)
    sourced = one(f"SELECT COUNT(*) {created} AND source_sdr_id IS NOT NULL", low, high)
    pipeline = money(
        one(f"SELECT SUM(base_amount) {created} AND source_sdr_id IS NOT NULL", low, high)
    )
    stage_2 = one(f"SELECT COUNT(*) {created} AND max_stage_number >= 2", low, high)
    closed = (
        "FROM funnel_opportunity WHERE organization_id = %s AND closed_at >= %s AND closed_at < %s"
    )
    won = one(f"SELECT COUNT(*) {closed} AND status = 'won'", low, high)
    lost = one(f"SELECT COUNT(*) {closed} AND status = 'lost'", low, high)
    revenue = money(one(f"SELECT SUM(base_amount) {closed} AND status = 'won'", low, high))
    sdr_bookings = money(
        one(
            f"SELECT SUM(base_amount) {closed} AND status = 'won' AND source_sdr_id IS NOT NULL",
            low,
            high,
        )
    )
    headcount = one(
        "SELECT COUNT(DISTINCT user_id) FROM ("
        " SELECT s.user_id FROM funnel_rolespell s WHERE s.organization_id = %s AND s.role = 'sdr'"
        " AND s.started_on <= %s AND (s.ended_on IS NULL OR s.ended_on >= %s)"
        " UNION SELECT u.id FROM accounts_user u JOIN accounts_userrole r ON r.user_id = u.id"
        " WHERE u.organization_id = %s AND r.role = 'sdr' AND u.is_active AND u.date_joined < %s"
        " AND NOT EXISTS (SELECT 1 FROM funnel_rolespell x"
        " WHERE x.user_id = u.id AND x.role = 'sdr')"
        ") AS holders",
        date_to,
        date_from,
        org,
        high,
    )
    values = {
        "leads": leads,
        "mqls": mqls,
        "mql_per_lead": rate(mqls, leads),
        "follow_up_rate": rate(followed, mqls),
        "opportunities_created": sourced,
        "opps_per_mql": rate(sourced, mqls),
        "new_pipeline": pipeline,
        "pipeline_per_opp": money_ratio(pipeline, sourced),
        "sdr_bookings": sdr_bookings,
        "pct_bookings_sdr": rate(sdr_bookings, revenue),
        "sdr_headcount": headcount,
        "closed_won_revenue": revenue,
        "new_deals": won,
        "asp": money_ratio(revenue, won),
        "win_rate": rate(won, won + lost),
        "pct_reaching_stage_2": rate(stage_2, created_all),
    }
    plays: dict[Any, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT play_id, COUNT(*) {created} GROUP BY play_id", [org, low, high])
        for play_id, count in cursor.fetchall():
            plays.setdefault(
                play_id, {"opportunities": 0, "won": 0, "lost": 0, "revenue": Decimal(0)}
            )
            plays[play_id]["opportunities"] = count
        cursor.execute(
            "SELECT play_id, SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN status = 'won' THEN base_amount ELSE 0 END) {closed} GROUP BY play_id",
            [org, low, high],
        )
        for play_id, won_n, lost_n, amount in cursor.fetchall():
            row = plays.setdefault(
                play_id, {"opportunities": 0, "won": 0, "lost": 0, "revenue": Decimal(0)}
            )
            row.update(won=int(won_n or 0), lost=int(lost_n or 0), revenue=money(amount))
    engagement = {
        play_id: {
            "opportunities": row["opportunities"],
            "win_rate": rate(row["won"], row["won"] + row["lost"]),
            "asp": money_ratio(row["revenue"], row["won"]),
        }
        for play_id, row in plays.items()
    }
    return {"metrics": values, "engagement_mode": engagement}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", action="store_true", help="build the data set first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault(
        "PATRON_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    setup_django()
    from django.db import connection
    from django.test import Client

    from patron.accounts.models import User
    from patron.activities.models import Activity
    from patron.core.models import Organization
    from patron.funnel.models import Opportunity
    from patron.funnel.periods import day_start
    from patron.funnel.reports import funnel_report
    from patron.leads.models import Lead

    result: dict[str, Any] = {"load_average_before": os.getloadavg()}
    if args.generate:
        result["generation_seconds"] = generate()
    refresh_statistics()
    organization = Organization.objects.get_default()
    sizes = {
        "leads": Lead.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "activities": Activity.objects.count(),
    }
    result["rows"] = sizes
    date_from, date_to = last_quarter(dt.datetime.now(dt.UTC).date())
    zone = organization.time_zone
    start, end = day_start(date_from, zone), day_start(date_to + dt.timedelta(days=1), zone)
    result["quarter"] = [date_from.isoformat(), date_to.isoformat()]

    def run() -> Any:
        return funnel_report(organization=organization, date_from=date_from, date_to=date_to)

    report = run()  # warm-up
    samples = []
    for _ in range(args.runs):
        seconds, report = timed(run)
        samples.append(seconds)
    result["metrics_all_17"] = summary(samples)
    expected = reference(organization, start, end, date_from, date_to)
    got = report.metrics.values()
    mismatches = {k: [got[k], v] for k, v in expected["metrics"].items() if got[k] != v}
    plays = {
        play.play_id: {
            "opportunities": play.opportunities,
            "win_rate": play.win_rate,
            "asp": play.asp,
        }
        for play in report.plays
    }
    if plays != expected["engagement_mode"]:
        mismatches["engagement_mode"] = [str(plays), str(expected["engagement_mode"])]
    result["checked_against_reference_sql"] = [*sorted(expected["metrics"]), "engagement_mode"]
    result["mismatches"] = {k: [str(a), str(b)] for k, (a, b) in mismatches.items()}
    result["metrics"] = {k: str(v) for k, v in got.items()}

    user = User.objects.get(username="manager")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    query = f"from={date_from.isoformat()}&to={date_to.isoformat()}"
    urls = [
        f"/funnel/?{query}",
        f"/funnel/summary/?{query}",
        f"/funnel/trend/?{query}&bucket=week",
        f"/funnel/people/?{query}&sort=win_rate&dir=desc",
        "/pipeline/?who=all",
    ]
    from django.core.cache import cache

    for url in urls:
        assert client.get(url).status_code == 200, url  # warm the process (templates, plans)
    # every widget computes its report afresh: what a manager sees right after any write
    cold: dict[str, list[float]] = {url: [] for url in urls}
    cold_all: list[float] = []
    for index in range(args.requests):
        url = urls[index % len(urls)]
        cache.clear()
        seconds, response = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        cold[url].append(seconds)
        cold_all.append(seconds)
    result["dashboard_uncached"] = {
        "all_requests": summary(cold_all),
        **{url: summary(samples) for url, samples in cold.items()},
    }
    per_url: dict[str, list[float]] = {url: [] for url in urls}
    all_samples = []
    for index in range(args.requests):
        url = urls[index % len(urls)]
        seconds, response = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        per_url[url].append(seconds)
        all_samples.append(seconds)
    # repeated views: the widgets' reports come from the cache while the data is unchanged
    result["dashboard_cached"] = {
        "all_requests": summary(all_samples),
        **{url: summary(samples) for url, samples in per_url.items()},
    }
    result["load_average_after"] = os.getloadavg()
    result["goal"] = "metrics < 1 s PostgreSQL, < 3 s SQLite; dashboard p95 < 300 ms"
    save("funnel", result)
    print(f"database: {connection.vendor}")
    if mismatches:
        sys.exit(f"metrics differ from the reference SQL: {mismatches}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"bench_funnel finished in {time.perf_counter() - started:.1f} s")
