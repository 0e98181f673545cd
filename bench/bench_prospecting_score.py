"""Prospecting score at scale (issue 3 point 9): score and rank 1,000,000 leads of one seller,
then re-score after a profile change (new weights; a target value added or removed), each
under 5 s; a sample of the stored scores is checked against the pure rules
(``rules.score_lead``).

    # an empty, migrated database; --generate builds the data set (bulk, COPY / executemany)
    DATABASE_URL=sqlite:////tmp/bench_core.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=… flock /tmp/patron-bench.lock \
        .venv/bin/python bench/bench_prospecting_score.py --generate
    DATABASE_URL=… flock /tmp/patron-bench.lock .venv/bin/python bench/bench_prospecting_score.py

Data: 1,000,000 leads owned by the seller (plus 50,000 of a colleague), 20,000 companies,
400 regions (31 provinces and their cities), 2,000 distinct titles (targets, synonyms in
English and Chinese, noise), 60,000 trigger events (companies and leads) over 200 days,
300 orders of the seller, 5,000 personal involvements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from typing import Any

from common import save, setup_django, timed

LEADS = 1_000_000
SAMPLE = 300
INDUSTRIES = [
    "manufacturing",
    "retail",
    "software",
    "finance",
    "education",
    "healthcare",
    "logistics",
    "real_estate",
    "",
]
TARGET_TITLES = [
    "CIO",
    "首席信息官",
    "Chief Information Officer",
    "IT经理",
    "IT Manager",
    "信息技术经理",
    "采购经理",
    "Procurement Manager",
    "ＩＴ　ｍａｎａｇｅｒ",
]
TERRITORIES = [("P01", 2), ("P02", None), ("P03-04", 2), ("P05", 1)]
TRIGGERS = ["funding", "merger", "acquisition", "expansion", "new_executive", "tender"]


def _regions() -> list[int]:
    from patron.companies.models import Region

    china, _ = Region.objects.get_or_create(code="CN", defaults={"name": "中国", "level": 0})
    cities: list[int] = []
    for province in range(31):
        parent, _ = Region.objects.get_or_create(
            code=f"P{province:02d}", defaults={"name": f"省{province}", "parent": china, "level": 1}
        )
        for city in range(12):
            region, _ = Region.objects.get_or_create(
                code=f"P{province:02d}-{city:02d}",
                defaults={"name": f"市{province}-{city}", "parent": parent, "level": 2},
            )
            cities.append(region.pk)
    return cities


def generate(leads: int) -> dict[str, float]:
    from django.db import transaction
    from django.utils import timezone

    from patron.accounts.models import Team, User
    from patron.companies.models import Company
    from patron.core.bulk import insert_rows
    from patron.core.models import Organization
    from patron.leads.models import Lead
    from patron.prospecting import services
    from patron.prospecting.models import LeadInvolvement, TriggerEvent
    from patron.sales.models import Order

    rng = random.Random(7)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        organization = Organization.objects.get_default()
        team, _ = Team.objects.get_or_create(organization=organization, name="Bench prospecting")
        seller, _ = User.objects.get_or_create(
            username="bench_seller", defaults={"organization": organization, "team": team}
        )
        colleague, _ = User.objects.get_or_create(
            username="bench_colleague", defaults={"organization": organization, "team": team}
        )
        cities = _regions()
        services.synonyms_seed(organization=organization)
        now = timezone.now()
        company_rows = [
            (
                organization.pk,
                f"BC{i:06d}",
                f"Bench company {i}",
                rng.choice(INDUSTRIES),
                rng.choice(cities),
                "",
                rng.random() < 0.03,
                "",
                "",
                "",
                "",
                "prospect",
                now,
                now,
            )
            for i in range(20_000)
        ]
        insert_rows(
            Company._meta.db_table,
            (
                "organization_id",
                "external_id",
                "name",
                "industry",
                "region_id",
                "size",
                "is_reference",
                "credit_rating",
                "website",
                "phone",
                "address",
                "stage",
                "created_at",
                "updated_at",
            ),
            company_rows,
        )
        company_ids = list(
            Company.objects.filter(external_id__startswith="BC").values_list("id", flat=True)
        )
        noise = [f"Engineer grade {i}" for i in range(1_990)]
        titles = TARGET_TITLES + noise
        base = now - dt.timedelta(days=800)

        def lead_rows() -> Any:
            for i in range(leads + 50_000):
                owner = seller if i < leads else colleague
                created = base + dt.timedelta(seconds=rng.randrange(0, 800 * 86_400))
                yield (
                    organization.pk,
                    f"BL{i:07d}",
                    f"Company {i % 50_000}",
                    f"Contact {i}",
                    rng.choice(titles) if rng.random() < 0.5 else rng.choice(TARGET_TITLES),
                    "",
                    "",
                    rng.choice(INDUSTRIES),
                    rng.choice(cities) if rng.random() < 0.97 else None,
                    "list",
                    owner.pk,
                    team.pk,
                    "new",
                    rng.choice(company_ids) if rng.random() < 0.6 else None,
                    created,
                    created,
                    "",
                )

        seconds, _ = timed(
            lambda: insert_rows(
                Lead._meta.db_table,
                (
                    "organization_id",
                    "external_id",
                    "company_name",
                    "contact_name",
                    "title",
                    "email",
                    "phone",
                    "industry",
                    "region_id",
                    "source",
                    "owner_id",
                    "team_id",
                    "status",
                    "company_id",
                    "created_at",
                    "updated_at",
                    "mql_source",
                ),
                lead_rows(),
            )
        )
        timings["insert leads"] = round(seconds, 1)
        today = timezone.localdate()
        lead_ids = list(
            Lead.objects.filter(owner=seller).order_by("?").values_list("id", flat=True)[:30_000]
        )
        trigger_rows = []
        for i in range(60_000):
            on_company = i % 2 == 0
            trigger_rows.append(
                (
                    organization.pk,
                    rng.choice(company_ids) if on_company else None,
                    None if on_company else rng.choice(lead_ids),
                    rng.choice(TRIGGERS),
                    today - dt.timedelta(days=rng.randrange(0, 200)),
                    "",
                    "",
                    now,
                    now,
                )
            )
        insert_rows(
            TriggerEvent._meta.db_table,
            (
                "organization_id",
                "company_id",
                "lead_id",
                "type",
                "occurred_on",
                "source_url",
                "note",
                "created_at",
                "updated_at",
            ),
            trigger_rows,
        )
        Order.objects.bulk_create(
            Order(
                organization=organization,
                external_id=f"BO{i:05d}",
                company_id=rng.choice(company_ids[:500]),
                order_date=today,
                seller=seller,
                status="paid",
            )
            for i in range(300)
        )
        LeadInvolvement.objects.bulk_create(
            LeadInvolvement(organization=organization, seller=seller, lead_id=lead_id)
            for lead_id in lead_ids[:5_000]
        )
        services.profile_save(
            seller=seller,
            weights={"industry": 2, "title": 2, "territory": 1, "trigger": 2},
            targets={
                "industry": [("manufacturing", 2), ("software", None), ("logistics", 1)],
                "title": [("CIO", 2), ("IT manager", None), ("Purchasing manager", 1)],
                "territory": TERRITORIES,
                "trigger": [("merger", 2), ("funding", None), ("new_executive", 1)],
            },
            rescore=False,
        )
    timings["generate total"] = round(time.perf_counter() - started, 1)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("leads_lead", "companies_company", "prospecting_triggerevent"):
            cursor.execute(
                f"VACUUM ANALYZE {table}"
                if connection.vendor == "postgresql"
                else f"ANALYZE {table}"
            )
    return timings


def check_sample(seller: Any, today: dt.date) -> int:
    """Compare a random sample of stored scores with the pure rules; returns the sample size."""
    from patron.prospecting import score_inputs
    from patron.prospecting.models import IcpProfile, LeadScore
    from patron.prospecting.rules import rank_key, score_lead

    profile = IcpProfile.objects.get(seller=seller)
    rules = score_inputs.profile_rules(profile)
    rows = {
        row.lead_id: row for row in LeadScore.objects.filter(seller=seller).order_by("?")[:SAMPLE]
    }
    starred = list(LeadScore.objects.filter(seller=seller, starred=True)[:50])
    rows.update({row.lead_id: row for row in starred})
    mismatches = 0
    for facts in score_inputs.reference_facts(seller_id=seller.pk, lead_ids=list(rows)):
        expected = score_lead(rules, facts, today)
        row = rows[facts.lead_id]
        same = (
            row.score == expected.score
            and row.in_target == expected.in_target
            and tuple(row.out_reason_list) == expected.out_reasons
            and row.last_trigger_on == expected.last_trigger_on
            and row.trigger_type == expected.trigger_type
            and row.rank_key == rank_key(expected.score, expected.last_trigger_on)
        )
        mismatches += 0 if same else 1
    if mismatches:
        raise SystemExit(f"{mismatches} of {len(rows)} sampled scores differ from the rules")
    return len(rows)


def run(runs: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from patron.accounts.models import User
    from patron.leads.models import Lead
    from patron.prospecting import services
    from patron.prospecting.models import IcpProfile, LeadScore

    seller = User.objects.get(username="bench_seller")
    organization = seller.organization
    today = timezone.localdate()
    leads = Lead.objects.filter(owner=seller).count()
    full, full_cpu, change, values, single, thousand = [], [], [], [], [], []
    loads = []
    for run_number in range(runs):
        loads.append(round(os.getloadavg()[0], 2))
        started_cpu = time.process_time()
        with transaction.atomic():
            seconds, scored = timed(lambda: services.score_seller(seller=seller, today=today))
        full.append(seconds)
        full_cpu.append(time.process_time() - started_cpu)
        weight = 2 if run_number % 2 == 0 else 1
        with transaction.atomic():
            seconds, _ = timed(
                lambda weight=weight: services.profile_save(
                    seller=seller, weights={"territory": weight}, note="bench"
                )
            )
        change.append(seconds)
        # a target value added, then removed again: the whole-list case before, now only
        # the leads in the territory's regions are read
        territories = [*TERRITORIES, *([("P07", None)] if run_number % 2 == 0 else [])]
        with transaction.atomic():
            seconds, _ = timed(
                lambda territories=territories: services.profile_save(
                    seller=seller, targets={"territory": territories}, note="bench"
                )
            )
        values.append(seconds)
        some = list(
            Lead.objects.filter(owner=seller).order_by("?").values_list("id", flat=True)[:1_000]
        )
        with transaction.atomic():
            seconds, _ = timed(
                lambda some=some: services.leads_rescore(
                    organization=organization, lead_ids=some[:1], today=today
                )
            )
        single.append(seconds)
        with transaction.atomic():
            seconds, _ = timed(
                lambda some=some: services.leads_rescore(
                    organization=organization, lead_ids=some, today=today
                )
            )
        thousand.append(seconds)
    sampled = check_sample(seller, today)
    in_target = LeadScore.objects.filter(seller=seller, in_target=True).count()
    load = os.getloadavg()
    return {
        "database": connection.vendor,
        "leads_of_seller": leads,
        "scored": scored,
        "in_target": in_target,
        "profile_version": IcpProfile.objects.get(seller=seller).version,
        "score_and_rank_s": [round(value, 2) for value in full],
        # the bench process's CPU time: all of the work on SQLite, the client's on PostgreSQL
        "score_and_rank_cpu_s": [round(value, 2) for value in full_cpu],
        "rescore_after_profile_change_s": [round(value, 2) for value in change],
        "rescore_after_target_value_change_s": [round(value, 2) for value in values],
        "rescore_one_lead_s": [round(value, 3) for value in single],
        "rescore_1000_leads_s": [round(value, 3) for value in thousand],
        "sample_checked_against_rules": sampled,
        "load_average": [round(value, 2) for value in load],
        "load_average_1min_at_each_run": loads,
        "nproc": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    result: dict[str, Any] = {}
    if args.generate:
        result["generate"] = generate(args.leads)
    if args.runs:
        result["timings"] = run(args.runs)
    save("prospecting_score", result)


if __name__ == "__main__":
    main()
