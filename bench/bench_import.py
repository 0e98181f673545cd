"""Benchmark ``patron import orders`` against a raw load of the same file.

Runs against the database in DATABASE_URL (migrated first) inside a fresh organization, so it
can be repeated. Examples::

    DATABASE_URL=sqlite:////tmp/bench_import.sqlite3 .venv/bin/python bench/bench_import.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/patron_bench \\
        .venv/bin/python bench/bench_import.py --lines 200000
    .venv/bin/python bench/bench_import.py --dir var/export  # `patron generate --export`

It prints rows/s for the import (read + validate + write, without the lifecycle recompute,
which the lifecycle benchmark measures; ``--lifecycle`` also times the import followed by the
recompute of the affected companies), for a raw baseline (polars read + COPY / executemany of
the same rows into a plain staging table of text columns) and the ratio between them, with the
process CPU time of each (on SQLite that is all the work; on PostgreSQL the server's is apart)
and the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import polars as pl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from patron.core.bulk import quote  # noqa: E402
from patron.core.frames import insert_frame  # noqa: E402
from patron.core.models import Organization  # noqa: E402
from patron.imports.readers import read_table  # noqa: E402
from patron.imports.services import import_file  # noqa: E402

FAMILIES = ["ddns", "email", "website", "monitoring", "ssl", "cdn", "backup", "vps"]


def write_catalog(directory: Path, companies: int, seed: int) -> tuple[Path, Path]:
    products = pl.DataFrame(
        {
            "sku": [f"{family.upper()}-{tier}" for family in FAMILIES for tier in range(1, 6)],
            "name": [f"{family} tier {tier}" for family in FAMILIES for tier in range(1, 6)],
            "family": [family for family in FAMILIES for _tier in range(1, 6)],
            "list_price": [f"{100 * tier}.00" for _family in FAMILIES for tier in range(1, 6)],
        }
    )
    products_path = directory / "products.csv"
    products.write_csv(products_path)
    companies_path = directory / "companies.csv"
    pl.DataFrame({"number": range(1, companies + 1)}).select(
        pl.format("C{}", "number").alias("external_id"),
        pl.format("Company {}", "number").alias("name"),
    ).write_csv(companies_path)
    del seed
    return products_path, companies_path


def write_orders(path: Path, lines: int, companies: int, seed: int) -> None:
    """About 2.5 lines per order; 24 months of dates; a few subscriptions."""

    def draw(low: int, high: int, offset: int) -> pl.Series:
        return pl.int_range(low, high, eager=True).sample(
            lines, with_replacement=True, seed=seed + offset
        )

    frame = (
        pl.DataFrame(
            {
                "order": draw(0, max(1, lines * 2 // 5), 0).sort(),
                "company": draw(1, companies + 1, 1),
                "day": draw(0, 730, 2),
                "status_index": draw(0, 5, 3),
                "sku": draw(0, len(FAMILIES) * 5, 4),
                "quantity": draw(1, 6, 5),
                "price": draw(50, 5000, 6),
            }
        )
        .with_columns(
            pl.col("company", "day", "status_index").first().over("order"),
        )
        .with_columns(
            pl.col("status_index")
            .replace_strict([0, 1, 2, 3, 4], ["paid", "paid", "paid", "open", "cancelled"])
            .alias("status")
        )
    )
    start = pl.date(2023, 1, 1) + pl.duration(days=pl.col("day"))
    skus = pl.Series([f"{family.upper()}-{tier}" for family in FAMILIES for tier in range(1, 6)])
    frame.select(
        pl.format("SO{}", "order").alias("order_id"),
        pl.format("C{}", "company").alias("company_id"),
        start.dt.strftime("%Y-%m-%d").alias("order_date"),
        pl.col("status"),
        pl.col("sku")
        .replace_strict(pl.int_range(0, skus.len(), eager=True), skus)
        .alias("product_sku"),
        pl.col("quantity").cast(pl.String),
        (pl.col("price") * pl.col("quantity")).cast(pl.String).alias("amount"),
        (pl.col("price") * pl.col("quantity") // 4).cast(pl.String).alias("cost"),
        pl.lit("0").alias("discount_pct"),
        pl.when(pl.col("sku") % 2 == 0).then(start.dt.strftime("%Y-%m-%d")).alias("service_start"),
        pl.when(pl.col("sku") % 2 == 0)
        .then((start + pl.duration(days=364)).dt.strftime("%Y-%m-%d"))
        .alias("service_end"),
        (start + pl.duration(days=30)).dt.strftime("%Y-%m-%d").alias("due_date"),
    ).write_csv(path)


def create_people(organization: Organization, paths: list[Path]) -> None:
    """The users a generator export names (order sellers, company owners) and the region
    tree, created before the timed imports: the reference data an import expects to find."""
    from django.contrib.auth.hashers import make_password

    from patron.accounts.models import User
    from patron.demo.reference import regions_prepare

    regions_prepare()
    names: set[str] = set()
    for path in paths:
        frame, _encoding = read_table(path)
        for column in ("seller", "owner"):
            if column in frame.columns:
                names.update(frame.get_column(column).drop_nulls().unique().to_list())
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create(
        User(username=name, organization=organization, password=unusable)
        for name in sorted(names - existing)
        if name
    )


def raw_baseline(path: Path) -> tuple[int, float, float]:
    """polars read + COPY / executemany of the same rows into a staging table of text columns.

    Returns rows, wall seconds and process CPU seconds.
    """
    started, cpu = time.perf_counter(), time.process_time()
    frame, _encoding = read_table(path)
    columns = [name for name in frame.columns if name != "_row"]
    table = "bench_import_staging"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        cursor.execute(
            f"CREATE TABLE {quote(table)} ("
            + ", ".join(f"{quote(name)} text" for name in columns)
            + ")"
        )
        count = insert_frame(table, frame.select(columns))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quote(table)}")
    return count, elapsed, cpu


def timed_import(
    organization: Organization, kind: str, path: Path, *, lifecycle: bool = False
) -> tuple[float, float, dict[str, float]]:
    """Import ``path``; returns wall seconds, process CPU seconds and the step timings."""
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(
        organization=organization, kind=kind, path=path, recompute_lifecycle=lifecycle
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    steps = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
    print(
        f"  import {kind}: {result.rows} rows, created {result.created}, updated "
        f"{result.updated}, unchanged {result.unchanged}, rejected {result.rejected} "
        f"in {elapsed:.2f}s, CPU {cpu:.2f}s ({steps})"
    )
    return elapsed, cpu, result.timings


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=0, help="default: lines / 10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file", type=Path, help="an orders CSV/XLSX to import")
    parser.add_argument("--dir", type=Path, help="folder with products/companies/orders.csv")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument(
        "--lifecycle",
        action="store_true",
        help="also time an import followed by the lifecycle recompute (in a second organization)",
    )
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(name=f"Import benchmark {time.time():.0f}")
    workdir = Path(tempfile.mkdtemp(prefix="patron-bench-import-"))
    source = options.dir
    if options.file is None and source is None:
        companies = options.companies or max(1, options.lines // 10)
        write_catalog(workdir, companies, options.seed)
        write_orders(workdir / "orders.csv", options.lines, companies, options.seed)
        source = workdir
    orders_path = options.file or source / "orders.csv"
    print(f"database: {connection.vendor}; file: {orders_path}; load average {load_average()}")

    def prepare(target: Organization) -> None:
        paths = [orders_path]
        if source is not None and (source / "companies.csv").is_file():
            paths.append(source / "companies.csv")
        create_people(target, paths)
        if source is not None:
            for kind in ("products", "companies"):
                if (source / f"{kind}.csv").is_file():
                    timed_import(target, kind, source / f"{kind}.csv")

    prepare(organization)
    import_seconds, import_cpu, _steps = timed_import(organization, "orders", orders_path)
    rows = read_table(orders_path)[0].height
    reimport_seconds = None
    if options.reimport:
        reimport_seconds, _cpu, _steps = timed_import(organization, "orders", orders_path)
    with_lifecycle = None
    if options.lifecycle:
        second = Organization.objects.create(name=f"Import benchmark {time.time():.0f} (2)")
        prepare(second)
        with_lifecycle = timed_import(second, "orders", orders_path, lifecycle=True)
    baseline_rows, baseline_seconds, baseline_cpu = raw_baseline(orders_path)
    print(
        f"import orders: {rows} lines in {import_seconds:.2f}s (CPU {import_cpu:.2f}s) = "
        f"{rows / import_seconds:,.0f} rows/s"
    )
    if reimport_seconds:
        print(
            f"re-import (unchanged): {reimport_seconds:.2f}s = "
            f"{rows / reimport_seconds:,.0f} rows/s"
        )
    if with_lifecycle:
        seconds, _cpu, steps = with_lifecycle
        print(
            f"import + lifecycle recompute: {seconds:.2f}s = {rows / seconds:,.0f} rows/s "
            f"(lifecycle {steps.get('lifecycle', 0.0):.2f}s)"
        )
    print(
        f"raw baseline: {baseline_rows} rows in {baseline_seconds:.2f}s (CPU "
        f"{baseline_cpu:.2f}s) = {baseline_rows / baseline_seconds:,.0f} rows/s"
    )
    print(f"ratio import / baseline time: {import_seconds / baseline_seconds:.2f}x")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
