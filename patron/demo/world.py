"""Build the demo world into the database: `world_generate` is the one entry point.

Reference data (organization, calendar, regions, catalogue, users) goes through the ORM's bulk
methods; companies, contacts, orders, order lines, activities and their audit rows are
generated as arrays and written with ``patron.core.bulk.insert_rows`` (COPY on PostgreSQL,
executemany on SQLite) with explicit ids, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from patron.accounts.models import User
from patron.activities.models import Activity
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Contact
from patron.core.bulk import analyze_tables, insert_rows, is_postgres
from patron.core.errors import DomainError
from patron.core.models import AuditEvent, Organization
from patron.core.months import current_month, month_start
from patron.demo import reference
from patron.demo.catalog_data import PRODUCTS
from patron.demo.funnel import funnel_data_delete, funnel_generate
from patron.demo.people import SIZE_CODES, Companies, Contacts, companies_make, contacts_make
from patron.demo.prospecting import prospecting_data_delete, prospecting_generate
from patron.demo.simulate import Simulation, simulate
from patron.demo.sizes import SIZES
from patron.demo.vocab import ACTIVITY_SUBJECTS_ZH
from patron.sales.models import Order, OrderLine

MONTHS = 24
TIME_ZONE = "Asia/Shanghai"
DEMO_ACTOR = "demo generator"


class WorldExists(DomainError):
    """The database already holds companies and no reset was asked for."""


@dataclass
class WorldSummary:
    size: str
    seed: int
    first_month: str
    through: str
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    lifecycle: Any = None

    @property
    def elapsed(self) -> float:
        return sum(self.timings.values())


def _dates(values: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D").tolist()
    return [None if t == "NaT" else t for t in text]


def _datetimes(values: np.ndarray) -> list[str]:
    """UTC datetime64[s] → the text each backend stores for an aware datetime."""
    text = np.char.replace(
        np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "T", " "
    )
    if is_postgres():
        text = np.char.add(text, "+00:00")
    return text.tolist()


def _money(cents: np.ndarray) -> list[str]:
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


def _insert(model: type[models.Model], n: int, values: dict[str, Any]) -> int:
    started = time.perf_counter()
    try:
        return _insert_rows(model, n, values)
    finally:
        TIMINGS[model._meta.db_table] = time.perf_counter() - started


TIMINGS: dict[str, float] = {}


def _insert_rows(model: type[models.Model], n: int, values: dict[str, Any]) -> int:
    """Insert ``n`` rows into ``model``'s table. ``values`` maps column → list or constant;
    concrete columns not given get the field's default (so new model fields do not break us)."""
    columns: list[str] = []
    series: list[Sequence[Any] | Iterator[Any]] = []
    for f in model._meta.concrete_fields:
        column = f.column
        if column in values:
            value = values[column]
        elif f.primary_key:
            continue
        elif f.has_default() or f.null or f.empty_strings_allowed:
            # the field's own default: its default, else NULL, else "" for text
            value = f.get_db_prep_save(f.get_default(), connection)
        else:
            raise DomainError(f"demo generator does not know how to fill {model.__name__}.{column}")
        columns.append(column)
        if isinstance(value, list | tuple):
            if len(value) != n:
                raise DomainError(f"{model.__name__}.{column}: {len(value)} values for {n} rows")
            series.append(value)
        else:
            series.append(itertools.repeat(value, n))
    return insert_rows(model._meta.db_table, columns, zip(*series, strict=False))


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(sql)


def world_counts() -> dict[str, int]:
    from patron.lifecycle.models import CompanyMonth, Handoff, LifecycleEvent

    tables: list[type[models.Model]] = [
        User,
        Product,
        Company,
        Contact,
        Order,
        OrderLine,
        Activity,
        CompanyMonth,
        LifecycleEvent,
        Handoff,
    ]
    return {m._meta.db_table: m._default_manager.count() for m in tables}


def demo_data_delete(organization: Organization) -> None:
    """Delete the organization's business data and its non-superuser users (``--reset``)."""
    from patron.lifecycle.models import CompanyMonth, Handoff, LifecycleEvent

    using = Company.objects.db
    with transaction.atomic():
        prospecting_data_delete(organization)
        funnel_data_delete(organization)
        for model in (Activity, LifecycleEvent, CompanyMonth, Handoff, OrderLine, Order, Contact):
            model._default_manager.filter(organization=organization)._raw_delete(using)
        Company.objects.filter(organization=organization).delete()
        Product.objects.filter(organization=organization).delete()
        ProductFamily.objects.filter(organization=organization).delete()
        User.objects.filter(organization=organization, is_superuser=False).delete()
        from patron.accounts.models import Team

        Team.objects.filter(organization=organization).delete()
        AuditEvent.objects.filter(organization=organization)._raw_delete(using)


def end_of_window(through: int | None, now: dt.datetime | None = None) -> tuple[int, dt.date]:
    """(last month index, last date with orders): today when the last month is the current one."""
    now = now or dt.datetime.now(dt.UTC)
    this_month = current_month(TIME_ZONE, now)
    through = this_month if through is None else through
    if through > this_month:
        raise DomainError("the last month cannot be in the future")
    if through == this_month:
        return through, now.astimezone(ZoneInfo(TIME_ZONE)).date()
    return through, month_start(through + 1) - dt.timedelta(days=1)


def world_generate(
    *,
    size: str = "small",
    seed: int = 42,
    through: int | None = None,
    reset: bool = False,
    export_dir: Path | None = None,
    recompute: bool = True,
    log: Callable[[str], None] = lambda _message: None,
) -> WorldSummary:
    if size not in SIZES:
        raise DomainError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    last_month, end_date = end_of_window(through)
    first_month = last_month - MONTHS + 1
    summary = WorldSummary(
        size=size,
        seed=seed,
        first_month=f"{first_month // 12:04d}-{first_month % 12 + 1:02d}",
        through=f"{last_month // 12:04d}-{last_month % 12 + 1:02d}",
    )
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.timings[name] = round(now - clock, 2)
        clock = now
        log(f"  {name}: {summary.timings[name]:.2f}s")

    organization = Organization.objects.get_default()
    if Company.objects.filter(organization=organization).exists():
        if not reset:
            raise WorldExists(
                "the database already has companies; run with --reset to delete them and "
                "generate a new demo world"
            )
        demo_data_delete(organization)
        lap("reset")

    rng = np.random.default_rng(seed)
    with transaction.atomic():
        organization = reference.organization_prepare()
        years = list(range(first_month // 12, last_month // 12 + 2))
        reference.calendar_prepare(organization, years)
        regions = reference.regions_prepare()
        product_ids = reference.catalog_prepare(organization)
        force = reference.sales_force_prepare(organization, spec, rng)
        lap("reference data")

        companies = companies_make(rng, spec.companies, regions.cities)
        contacts = contacts_make(rng, companies)
        team = rng.integers(0, len(force.team_ids), spec.companies)
        bdm_pick = rng.integers(0, 1 << 30, spec.companies)
        am_pick = rng.integers(0, 1 << 30, spec.companies)
        company_bdm = np.array(
            [force.bdms[t][p % len(force.bdms[t])] for t, p in zip(team, bdm_pick, strict=True)]
        )
        company_am = np.array(
            [force.ams[t][p % len(force.ams[t])] for t, p in zip(team, am_pick, strict=True)]
        )
        company_team = np.array(force.team_ids)[team]
        lap("companies and contacts")

        sim = simulate(
            rng,
            company_size=companies.size,
            company_bdm=company_bdm,
            company_am=company_am,
            first_month=month_start(first_month),
            months=MONTHS,
            end_date=end_date,
        )
        lap("orders simulated")

        ids = _write(
            organization,
            rng,
            spec.activities_per_company,
            companies,
            contacts,
            sim,
            company_bdm=company_bdm,
            company_am=company_am,
            company_team=company_team,
            city_ids=regions.city_ids,
            product_ids=[product_ids[p.sku] for p in PRODUCTS],
            window_start=month_start(first_month),
            end_date=end_date,
        )
        lap("rows written")
        funnel_generate(organization=organization, seed=seed, size=size, end_date=end_date, log=log)
        lap("funnel")
        prospecting_generate(
            organization=organization, seed=seed, size=size, end_date=end_date, log=log
        )
        lap("prospecting")
    analyze_tables(
        "companies_company",
        "companies_contact",
        "sales_order",
        "sales_orderline",
        "activities_activity",
        "core_auditevent",
    )

    if recompute:
        from patron.lifecycle.services import lifecycle_recompute

        summary.lifecycle = lifecycle_recompute(organization=organization)
        lap("lifecycle recompute")

    if export_dir is not None:
        from patron.demo.export import world_export

        world_export(
            export_dir,
            companies,
            contacts,
            sim,
            ids,
            cities=regions.cities,
            usernames={v: k for k, v in force.usernames.items()},
        )
        lap("export")
    summary.counts = world_counts()
    return summary


@dataclass
class WrittenIds:
    company_ids: np.ndarray
    contact_ids: np.ndarray
    order_ids: np.ndarray
    order_external: list[str]
    company_owner: np.ndarray
    is_reference: np.ndarray


def _write(
    organization: Organization,
    rng: np.random.Generator,
    activities_per_company: float,
    companies: Companies,
    contacts: Contacts,
    sim: Simulation,
    *,
    company_bdm: np.ndarray,
    company_am: np.ndarray,
    company_team: np.ndarray,
    city_ids: list[int],
    product_ids: list[int],
    window_start: dt.date,
    end_date: dt.date,
) -> WrittenIds:
    org_id = organization.id
    n = len(companies.name)
    shanghai = np.timedelta64(8 * 3600, "s")
    now = np.datetime64(dt.datetime.now(dt.UTC).replace(tzinfo=None), "s")
    start = np.datetime64(window_start.isoformat(), "D")
    end = np.datetime64(end_date.isoformat(), "D")

    # Companies: created before their first order (prospects any time in the window).
    has_order = ~np.isnat(sim.first_order)
    span = int((end - start).astype(np.int64)) + 1
    created_day = np.where(
        has_order,
        sim.first_order - rng.integers(1, 60, n),
        start + rng.integers(0, span, n),
    ).astype("datetime64[D]")
    created = created_day.astype("datetime64[s]") + rng.integers(9 * 3600, 18 * 3600, n) - shanghai
    created = np.minimum(created, now)
    is_reference = has_order & (
        ((companies.size >= 2) & (rng.random(n) < 0.1)) | (rng.random(n) < 0.01)
    )
    company_ids = np.arange(n) + _next_id(Company)
    created_text = _datetimes(created)
    _insert(
        Company,
        n,
        {
            "id": company_ids.tolist(),
            "organization_id": org_id,
            "created_at": created_text,
            "updated_at": created_text,
            "external_id": companies.external_id,
            "name": companies.name,
            "industry": companies.industry,
            "region_id": np.array(city_ids)[companies.city].tolist(),
            "size": [SIZE_CODES[s] for s in companies.size.tolist()],
            "owner_id": company_bdm.tolist(),
            "team_id": company_team.tolist(),
            "is_reference": is_reference.tolist(),
            "market_potential": [f"{p}.00" for p in companies.market_potential.tolist()],
            "credit_rating": companies.credit_rating,
            "website": companies.website,
            "phone": companies.phone,
            "address": companies.address,
            "stage": "prospect",
            "first_order_date": _dates(sim.first_order),
        },
    )
    content_type = ContentType.objects.get_for_model(Company)
    _insert(
        AuditEvent,
        n,
        {
            "organization_id": org_id,
            "at": created_text,
            "actor_id": None,
            "actor_label": DEMO_ACTOR,
            "source": "demo",
            "action": AuditEvent.Action.CREATE.value,
            "content_type_id": content_type.id,
            "object_id": company_ids.tolist(),
            "object_repr": [name[:200] for name in companies.name],
            "changes": "{}",
        },
    )

    # Contacts
    m = len(contacts.name)
    contact_ids = np.arange(m) + _next_id(Contact)
    contact_created = _datetimes(created[contacts.company])
    _insert(
        Contact,
        m,
        {
            "id": contact_ids.tolist(),
            "organization_id": org_id,
            "created_at": contact_created,
            "updated_at": contact_created,
            "company_id": company_ids[contacts.company].tolist(),
            "external_id": contacts.external_id,
            "name": contacts.name,
            "title": contacts.title,
            "email": contacts.email,
            "phone": contacts.phone,
            "buying_role": contacts.buying_role,
            "influence": None,
            "attitude": "",
            "notes": "",
        },
    )

    # Orders
    k = len(sim.order_company)
    order_ids = np.arange(k) + _next_id(Order)
    order_external = [f"SO{i + 1:08d}" for i in range(k)]
    order_created = (
        sim.order_date.astype("datetime64[s]") + rng.integers(9 * 3600, 19 * 3600, k) - shanghai
    )
    order_created = np.minimum(order_created, now)
    order_created_text = _datetimes(order_created)
    _insert(
        Order,
        k,
        {
            "id": order_ids.tolist(),
            "organization_id": org_id,
            "created_at": order_created_text,
            "updated_at": order_created_text,
            "external_id": order_external,
            "company_id": company_ids[sim.order_company].tolist(),
            "order_date": _dates(sim.order_date),
            "seller_id": sim.order_seller.tolist(),
            "status": sim.order_status.tolist(),
            "currency": "CNY",
            "fx_rate": "1",
            "total_amount": _money(sim.order_total),
            "due_date": _dates(sim.order_due),
            "paid_date": _dates(sim.order_paid),
            "notes": "",
        },
    )

    # Order lines (amounts are CNY, so base_amount = amount)
    lines = len(sim.line_order)
    amounts = _money(sim.line_amount)
    line_created = [order_created_text[i] for i in sim.line_order.tolist()]
    _insert(
        OrderLine,
        lines,
        {
            "organization_id": org_id,
            "created_at": line_created,
            "updated_at": line_created,
            "order_id": order_ids[sim.line_order].tolist(),
            "line_no": sim.line_no.tolist(),
            "product_id": np.array(product_ids)[sim.line_product].tolist(),
            "quantity": sim.line_quantity.tolist(),
            "amount": amounts,
            "base_amount": amounts,
            "cost": _money(sim.line_cost),
            "discount_pct": sim.line_discount.tolist(),
            "service_start": _dates(sim.line_start),
            "service_end": _dates(sim.line_end),
        },
    )

    _write_activities(
        org_id,
        rng,
        activities_per_company,
        created,
        now,
        company_ids,
        contact_ids,
        contacts,
        has_order,
        company_bdm,
        company_am,
    )
    _reset_sequences([Company, Contact, Order])
    return WrittenIds(
        company_ids=company_ids,
        contact_ids=contact_ids,
        order_ids=order_ids,
        order_external=order_external,
        company_owner=company_bdm,
        is_reference=is_reference,
    )


def _write_activities(
    org_id: int,
    rng: np.random.Generator,
    rate: float,
    created: np.ndarray,
    now: np.datetime64,
    company_ids: np.ndarray,
    contact_ids: np.ndarray,
    contacts: Contacts,
    has_order: np.ndarray,
    company_bdm: np.ndarray,
    company_am: np.ndarray,
) -> int:
    n = len(company_ids)
    per_company = rng.poisson(rate, n)
    company = np.repeat(np.arange(n), per_company)
    a = len(company)
    if a == 0:
        return 0
    first_contact = np.searchsorted(contacts.company, company)
    kinds = rng.choice(np.array(["call", "email", "meeting", "note"]), a, p=[0.6, 0.25, 0.08, 0.07])
    is_call = kinds == "call"
    outcome = np.where(
        is_call,
        rng.choice(
            np.array(["connected", "no_answer", "meeting_set", "not_interested", "wrong_person"]),
            a,
            p=[0.45, 0.3, 0.1, 0.1, 0.05],
        ),
        "",
    )
    duration = np.select(
        [is_call & (outcome != "no_answer"), kinds == "meeting"],
        [rng.integers(30, 1200, a), rng.integers(1800, 5400, a)],
        0,
    )
    by_am = has_order[company] & (rng.random(a) < 0.35)
    user = np.where(by_am, company_am[company], company_bdm[company])
    span = (now - created[company]).astype(np.int64)
    occurred = created[company] + (rng.random(a) * np.maximum(span, 1)).astype(np.int64)
    occurred_text = _datetimes(occurred)
    subject_index = rng.integers(0, len(ACTIVITY_SUBJECTS_ZH), a).tolist()
    return _insert(
        Activity,
        a,
        {
            "organization_id": org_id,
            "created_at": occurred_text,
            "updated_at": occurred_text,
            "kind": kinds.tolist(),
            "user_id": user.tolist(),
            "company_id": company_ids[company].tolist(),
            "contact_id": contact_ids[first_contact].tolist(),
            "occurred_at": occurred_text,
            "duration_seconds": duration.tolist(),
            "outcome": outcome.tolist(),
            "subject": [ACTIVITY_SUBJECTS_ZH[i] for i in subject_index],
            "note": "",
            "next_step": "",
        },
    )
