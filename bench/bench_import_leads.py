"""Benchmark ``patron import leads`` on a 1,000,000-row marketing list against a raw load.

Generates a realistic list (Chinese and English company and contact names from
``patron.demo.vocab``, cities by code or Chinese name, industries by code or Chinese label,
about 3 % duplicates of earlier rows by email, by phone in another format or by company +
contact name written differently, about 1 % bad rows), then times, in a fresh organization:

- the import (read + validate + duplicate detection + write, one transaction; the
  ``_after_import`` steps are included: with no marketing rule and no prospect profile they
  cost nothing; ``--after`` adds an active marketing rule and a profile for each of the 40
  owners first, so that the MQL rules, the first-touch refresh and the re-scoring of the
  owners' whole lists run on the imported leads);
- the raw baseline: polars read + ``COPY`` (PostgreSQL) / ``executemany`` (SQLite) of the same
  rows into a staging table of text columns (``bench.bench_import.raw_baseline``);

and prints rows/s and the ratio. Examples::

    DATABASE_URL=sqlite:////tmp/bench_leads.sqlite3 .venv/bin/python bench/bench_import_leads.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/patron_import_bench \\
        .venv/bin/python bench/bench_import_leads.py --rows 1000000
    .venv/bin/python bench/bench_import_leads.py --profile  # cProfile of the import, top 25

Each run prints the import's steps: read, validate, write and, inside the write, insert,
indexes (the rebuild after a bulk load), foreign keys (PostgreSQL), duplicates, and the
steps after the import (MQL rules, first touch, re-score).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "PATRON_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

import django

django.setup()

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402

from bench.bench_import import load_average, raw_baseline  # noqa: E402
from patron.accounts.models import User  # noqa: E402
from patron.companies.choices import Industry  # noqa: E402
from patron.core.models import Organization  # noqa: E402
from patron.demo import vocab  # noqa: E402
from patron.demo.reference import regions_prepare  # noqa: E402
from patron.imports.services import import_file  # noqa: E402

SELLERS = 40
SOURCES = ["展会", "官网", "trade fair", "web", "referral", "广告", "cold list"]


def pick(values: list[str], index: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(index)


def write_leads(path: Path, rows: int, cities: list[tuple[str, str]], seed: int) -> None:
    """The marketing list: ``rows`` rows, ~3 % duplicates of earlier rows, ~1 % bad rows."""
    rng = np.random.default_rng(seed)
    trade = [zh for zh, _pinyin in vocab.TRADE]
    trade_pinyin = [pinyin for _zh, pinyin in vocab.TRADE]
    words = [pair for pairs in vocab.INDUSTRY_WORDS.values() for pair in pairs]
    industries = [code for code, pairs in vocab.INDUSTRY_WORDS.items() for _pair in pairs]
    companies = max(1, rows // 5)
    company = rng.integers(0, companies, rows)
    t1, t2 = company % len(trade), (company // len(trade)) % len(trade)
    word = (company // (len(trade) ** 2)) % len(words)
    english = (company % 10) < 3
    zh_name = (
        pick(trade, t1)
        + pick(trade, t2)
        + pick([zh for zh, _en in words], word)
        + pick(vocab.ZH_SUFFIXES, company % len(vocab.ZH_SUFFIXES))
    )
    en_name = (
        pick([p.capitalize() for p in trade_pinyin], t1)
        + pick(trade_pinyin, t2)
        + " "
        + pick([en for _zh, en in words], word)
        + " "
        + pick(vocab.EN_SUFFIXES, company % len(vocab.EN_SUFFIXES))
    )
    domain = pick(trade_pinyin, t1) + pick(trade_pinyin, t2) + pl.Series(company).cast(pl.String)
    surname = rng.integers(0, len(vocab.SURNAMES), rows)
    given = rng.integers(0, len(vocab.GIVEN), rows)
    given2 = rng.integers(0, len(vocab.GIVEN), rows)
    person = (
        pick([s for s, _p, _f in vocab.SURNAMES], surname)
        + pick([g for g, _p in vocab.GIVEN], given)
        + pick([g for g, _p in vocab.GIVEN], given2)
    )
    person_pinyin = (
        pick([p for _s, p, _f in vocab.SURNAMES], surname)
        + "."
        + pick([p for _g, p in vocab.GIVEN], given)
        + pick([p for _g, p in vocab.GIVEN], given2)
    )
    titles = [title for title, _weights in vocab.TITLES_ZH] + [
        title for title, _weights in vocab.TITLES_EN
    ]
    with translation.override("zh-hans"):
        industry_labels = {code: str(label) for code, label in Industry.choices}
    industry_code = pick(industries, word)
    number = pl.Series(np.arange(rows))
    day = rng.integers(0, 700, rows)
    minute = rng.integers(0, 24 * 60, rows)
    frame = pl.DataFrame(
        {
            "lead_id": "ML" + number.cast(pl.String).str.zfill(7),
            "company_name": pl.Series(np.where(english, en_name, zh_name)),
            "contact_name": person,
            "title": pick(titles, rng.integers(0, len(titles), rows)),
            "email": person_pinyin + number.cast(pl.String) + "@" + domain + ".com.cn",
            "phone": "1"
            + pl.Series(rng.integers(30, 90, rows)).cast(pl.String)
            + pl.Series(rng.integers(0, 100_000_000, rows)).cast(pl.String).str.zfill(8),
            "industry": pl.Series(
                np.where(
                    rng.random(rows) < 0.5, industry_code, industry_code.replace(industry_labels)
                )
            ),
            "region": pick(
                [code for code, _name in cities] + [name for _code, name in cities],
                rng.integers(0, 2 * len(cities), rows),
            ),
            "source": pick(SOURCES, rng.integers(0, len(SOURCES), rows)),
            "owner": pick(
                [f"seller{k:02d}" for k in range(SELLERS)], rng.integers(0, SELLERS, rows)
            ),
            "created_at": pl.Series(
                (np.datetime64("2025-01-01T00:00", "m") + day * 1440 + minute).astype(
                    "datetime64[ms]"
                )
            ),
        }
    ).with_columns(pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M"))
    # ~3 % duplicates: a later row repeats an earlier row's email, phone (as +86 …) or
    # company + contact (in upper case): in the second half, each repeating a row of the first
    duplicate = rng.random(rows) < 0.06
    duplicate[: rows // 2] = False
    source_row = rng.integers(0, rows // 2, rows)
    kind = rng.integers(0, 3, rows)
    earlier = frame.select("email", "phone", "company_name", "contact_name")[source_row]
    frame = frame.with_columns(
        pl.when(pl.Series(duplicate & (kind == 0)))
        .then(earlier["email"].str.to_uppercase())
        .otherwise(pl.col("email"))
        .alias("email"),
        pl.when(pl.Series(duplicate & (kind == 1)))
        .then("+86 " + earlier["phone"])
        .otherwise(pl.col("phone"))
        .alias("phone"),
        pl.when(pl.Series(duplicate & (kind == 2)))
        .then(earlier["company_name"].str.to_uppercase())
        .otherwise(pl.col("company_name"))
        .alias("company_name"),
        pl.when(pl.Series(duplicate & (kind == 2)))
        .then(earlier["contact_name"])
        .otherwise(pl.col("contact_name"))
        .alias("contact_name"),
    )
    # ~1 % bad rows: an invalid email, an unknown industry or an impossible date
    bad = rng.random(rows)
    frame = frame.with_columns(
        pl.when(pl.Series(bad < 0.004))
        .then(pl.lit("not-an-email"))
        .otherwise("email")
        .alias("email"),
        pl.when(pl.Series((bad >= 0.004) & (bad < 0.007)))
        .then(pl.lit("mining"))
        .otherwise("industry")
        .alias("industry"),
        pl.when(pl.Series((bad >= 0.007) & (bad < 0.01)))
        .then(pl.lit("2026-13-45"))
        .otherwise("created_at")
        .alias("created_at"),
    )
    frame.write_csv(path)


def prepare(organization: Organization) -> list[tuple[str, str]]:
    """The reference data an import expects: the region tree and the sellers (untimed)."""
    regions = regions_prepare()
    from django.contrib.auth.hashers import make_password

    unusable = make_password(None)
    names = [f"seller{k:02d}" for k in range(SELLERS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=name, organization=organization, password=unusable)
        for name in names
        if name not in existing
    )
    User.objects.filter(username__in=names).update(organization=organization)
    return [(city.code, city.name) for city in regions.cities]


def prepare_after_import(organization: Organization, cities: list[tuple[str, str]]) -> None:
    """An active marketing rule (two sources: about 2 leads in 7) and a prospect profile for
    each owner, so that the steps after the import have work to do (untimed)."""
    from patron.funnel.models import MarketingRule
    from patron.prospecting.services import profile_save

    MarketingRule.objects.create(
        organization=organization, name="Trade fairs", sources=["展会", "trade fair"]
    )
    codes = [code for code, _name in cities[:4]]
    for seller in User.objects.filter(username__startswith="seller", organization=organization):
        profile_save(
            seller=seller,
            weights={"industry": 2, "title": 2, "territory": 1, "trigger": 2},
            targets={
                "industry": [("manufacturing", 2), ("software", None), ("logistics", 1)],
                "territory": [(codes[0], 2), (codes[1], None), (codes[2], 2), (codes[3], 1)],
            },
            rescore=False,
        )


def time_lead_list(organization: Organization, requests: int) -> None:
    """The lead list page (whole Django stack) for an admin and for one seller, rotating over
    the first pages, a deep page and filters; prints median and p95."""
    import statistics

    from django.test import Client

    from patron.accounts.models import Role, UserRole

    admin, _created = User.objects.get_or_create(
        username="bench-lead-admin", defaults={"organization": organization}
    )
    UserRole.objects.get_or_create(user=admin, role=Role.ADMIN)
    seller = User.objects.get(username="seller00")
    urls = ["/leads/", "/leads/?page=2", "/leads/?page=5000", "/leads/?industry=software"]
    urls += ["/leads/?mql=no&page=3", "/leads/?q=ML0500000"]
    for user in (admin, seller):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        client.get(urls[0])
        samples = []
        for number in range(requests):
            started = time.perf_counter()
            response = client.get(urls[number % len(urls)])
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        samples.sort()
        p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
        print(
            f"lead list as {user.username}: median {statistics.median(samples) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms over {requests} requests"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--file", type=Path, help="reuse a generated leads CSV")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument(
        "--after",
        action="store_true",
        help="a marketing rule and the owners' prospect profiles first (steps after the import)",
    )
    parser.add_argument(
        "--pages", type=int, default=0, help="then time N requests of the lead list page"
    )
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(name=f"Lead import benchmark {time.time():.0f}")
    cities = prepare(organization)
    if options.after:
        prepare_after_import(organization, cities)
    path = options.file
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="patron-bench-leads-")) / "leads.csv"
        started = time.perf_counter()
        write_leads(path, options.rows, cities, options.seed)
        print(f"generated {path} in {time.perf_counter() - started:.1f}s")
    print(f"database: {connection.vendor}; file: {path}; load average {load_average()}")
    profile = cProfile.Profile() if options.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    result = import_file(organization=organization, kind="leads", path=path)
    if profile:
        profile.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    steps = ", ".join(f"{name} {value:.2f}s" for name, value in result.timings.items())
    inside = ", ".join(f"{name} {value:.2f}s" for name, value in result.steps.items())
    print(
        f"import leads: {result.rows} rows; created {result.created}, duplicates "
        f"{result.duplicates}, rejected {result.rejected} in {seconds:.2f}s (CPU {cpu:.2f}s; "
        f"{steps}; inside the write: {inside}) = {result.rows / seconds:,.0f} rows/s"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    if options.reimport:
        started = time.perf_counter()
        again = import_file(organization=organization, kind="leads", path=path)
        again_seconds = time.perf_counter() - started
        print(
            f"re-import: unchanged {again.unchanged}, duplicates {again.duplicates} in "
            f"{again_seconds:.2f}s = {again.rows / again_seconds:,.0f} rows/s"
        )
    if options.pages:
        time_lead_list(organization, options.pages)
    rows, baseline_seconds, baseline_cpu = raw_baseline(path)
    print(
        f"raw baseline: {rows} rows in {baseline_seconds:.2f}s (CPU {baseline_cpu:.2f}s) = "
        f"{rows / baseline_seconds:,.0f} rows/s"
    )
    print(f"ratio import / baseline time: {seconds / baseline_seconds:.2f}x")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
