"""Call list latency with 1,000,000 scored leads of one seller (issue 3 point 9: p95 < 100 ms).

    # an empty, migrated database; --generate builds the prospecting data set of
    # bench_prospecting_score.py (1,000,000 leads of one seller), widens the seller's profile
    # (three industries, any title and territory: ~1/3 of the leads on the list), scores the
    # list and puts 50,000 calls on its top 25,000 leads (a telemarketer works top-down)
    DATABASE_URL=sqlite:////tmp/bench_calls.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=… flock /tmp/patron-bench.lock .venv/bin/python bench/bench_call_list.py --generate
    DATABASE_URL=… flock /tmp/patron-bench.lock .venv/bin/python bench/bench_call_list.py

Requests go through the whole Django stack in-process (middleware, session auth, templates,
JSON) with the test client, logged in as the seller; the first request of each URL is a
warm-up and not counted. Measured: the first page, filtered pages (industry + score band,
starred, not called yet, a region with its cities), a page deep in the list (keyset cursor),
the next-page partial the script prefetches, and saving a call outcome.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

from common import save, setup_django, summary, timed

CALLS = 50_000


# A wide profile: three industries (the most allowed), any title, any territory — a third of
# the million leads are on the list (the score bench's narrow profile keeps 1.6 %)
WIDE_INDUSTRIES = ["manufacturing", "retail", "software"]


def generate(leads: int) -> dict[str, float]:
    from bench_prospecting_score import generate as generate_leads

    timings = generate_leads(leads)
    timings.update(list_prepare())
    return timings


def list_prepare() -> dict[str, float]:
    """Widen the bench seller's profile, score the list, and put calls on its top."""
    from django.db import transaction
    from django.utils import timezone

    from patron.accounts.models import User
    from patron.activities.models import Activity
    from patron.core.bulk import insert_rows
    from patron.prospecting import services
    from patron.prospecting.models import LeadScore

    timings: dict[str, float] = {}
    seller = User.objects.get(username="bench_seller")
    services.profile_save(
        seller=seller,
        targets={
            "industry": [(value, None) for value in WIDE_INDUSTRIES],
            "title": [],
            "territory": [],
        },
        note="bench_call_list: a wide list",
        rescore=False,
    )
    started = time.perf_counter()
    services.score_seller(seller=seller)
    timings["score"] = round(time.perf_counter() - started, 2)
    Activity.objects.filter(user=seller, kind="call")._raw_delete(Activity.objects.db)  # type: ignore[attr-defined]
    started = time.perf_counter()
    rng = random.Random(11)
    now = timezone.now()
    top = list(
        LeadScore.objects.filter(seller=seller, in_target=True)
        .order_by("rank_key", "lead_created_at", "lead_id")
        .values_list("lead_id", flat=True)[: CALLS // 2]
    )
    outcomes = ["connected", "no_answer", "not_interested", "wrong_person", "meeting_set"]
    with transaction.atomic():
        insert_rows(
            Activity._meta.db_table,
            (
                "organization_id",
                "kind",
                "user_id",
                "lead_id",
                "occurred_at",
                "duration_seconds",
                "outcome",
                "subject",
                "note",
                "next_step",
                "created_at",
                "updated_at",
            ),
            (
                (
                    seller.organization_id,
                    "call",
                    seller.pk,
                    rng.choice(top),
                    now,
                    rng.randint(10, 600),
                    rng.choice(outcomes),
                    "",
                    "",
                    "",
                    now,
                    now,
                )
                for _ in range(CALLS)
            ),
        )
    timings["calls"] = round(time.perf_counter() - started, 2)
    return timings


def run(requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from patron.accounts.models import User
    from patron.companies.models import Region
    from patron.leads.models import Lead
    from patron.prospecting.call_list import CallFilter, call_list_page, cursor_text
    from patron.prospecting.models import LeadScore

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE prospecting_leadscore")
            cursor.execute("VACUUM ANALYZE activities_activity")
            cursor.execute("VACUUM ANALYZE leads_lead")
    seller = User.objects.get(username="bench_seller")
    leads = Lead.objects.filter(owner=seller).count()
    listed = LeadScore.objects.filter(seller=seller, in_target=True).count()
    deep = (
        LeadScore.objects.filter(seller=seller, in_target=True)
        .order_by("rank_key", "lead_created_at", "lead_id")
        .values_list("rank_key", "lead_created_at", "lead_id")[listed // 2]
    )
    deep_cursor = cursor_text(*deep)
    province = Region.objects.filter(code="P03").values_list("id", flat=True).first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(seller)
    first = call_list_page(seller, seller, CallFilter(), count=False)
    next_cursor = first.next_cursor
    lead_ids = list(
        LeadScore.objects.filter(seller=seller, in_target=True)
        .order_by("rank_key", "lead_created_at", "lead_id")
        .values_list("lead_id", flat=True)[:2000]
    )
    pages = {
        "first page": lambda: "/calls/",
        "industry + score band": lambda: "/calls/?industry=manufacturing&band=4-6",
        "starred": lambda: "/calls/?starred=on",
        "not called yet": lambda: "/calls/?not_called=on",
        "region (with cities)": lambda: f"/calls/?region={province}",
        "deep in the list": lambda: f"/calls/?after={deep_cursor}",
        "next-page partial": lambda: f"/calls/?after={next_cursor}&partial=1",
    }
    results: dict[str, Any] = {}
    for name, make in pages.items():
        client.get(make())  # warm-up
        samples, statuses = [], set()
        for _ in range(requests):
            seconds, response = timed(lambda make=make: client.get(make()))
            statuses.add(response.status_code)
            samples.append(seconds)
        results[name] = {**summary(samples), "statuses": sorted(statuses)}
    outcomes = ["connected", "no_answer", "meeting_set", "not_interested", "wrong_person"]
    client.post(f"/calls/leads/{lead_ids[0]}/log/", {"outcome": "connected"})  # warm-up
    samples, statuses = [], set()
    for index in range(requests):
        lead_id = lead_ids[1 + index % (len(lead_ids) - 1)]
        data = {"outcome": outcomes[index % 5], "note": "bench call", "next_step": "follow up"}
        seconds, response = timed(
            lambda lead_id=lead_id, data=data: client.post(f"/calls/leads/{lead_id}/log/", data)
        )
        statuses.add(response.status_code)
        samples.append(seconds)
    results["save a call"] = {**summary(samples), "statuses": sorted(statuses)}
    return {
        "leads_of_seller": leads,
        "on_the_list": listed,
        "requests_per_url": requests,
        "load": os.getloadavg(),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", action="store_true")
    parser.add_argument(
        "--prepare", action="store_true", help="only widen the profile, score, add the calls"
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault(
        "PATRON_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    setup_django()
    data: dict[str, Any] = {}
    if args.generate:
        data["generate"] = generate(args.leads)
    elif args.prepare:
        data["generate"] = list_prepare()
    data.update(run(args.requests))
    save("call_list", data)


if __name__ == "__main__":
    main()
