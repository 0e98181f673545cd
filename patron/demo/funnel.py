"""A year of inbound funnel history in the demo world (``funnel_generate``, called once by
``world_generate`` inside its transaction, before the lifecycle recompute).

Leads, MQLs (by the marketing rules through ``mql_rules_apply``, by an event-list import, by
hand), SDR touches, opportunities with lines, plays, hand-offs accepted or rejected with a
reason, stage histories, SLA breaches that come out of the business clocks, and for each won
opportunity its order — so the lifecycle recompute that follows counts those orders. Frames are
written with ``patron.core.frames.insert_frame`` (COPY / executemany); the same code builds the
1,000,000-lead data set of ``bench/bench_funnel.py`` at the size "bench".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from patron.activities.models import Activity
from patron.catalog.models import Product
from patron.companies.models import Company, Contact
from patron.core.audit import Actor, audit_frame_bulk
from patron.core.bulk import deferred_foreign_keys, deferred_indexes, is_postgres
from patron.core.frames import insert_frame
from patron.core.models import AuditEvent, Organization
from patron.demo.catalog_data import PRODUCTS
from patron.demo.funnel_deals import Context, deals_make, orders_make
from patron.demo.funnel_setup import people_prepare, settings_prepare
from patron.demo.funnel_simulate import FUNNEL_SIZES, leads_make, seconds, touches_make
from patron.demo.people import SIZE_CODES
from patron.funnel.calendar import business_calendar
from patron.funnel.choices import SlaKind
from patron.funnel.models import (
    MarketingRule,
    Opportunity,
    OpportunityHandoff,
    OpportunityLine,
    OpportunityStage,
    Play,
    RoleSpell,
    SlaPolicy,
    StageChange,
)
from patron.funnel.services import mql_rules_apply
from patron.funnel.sla import sla_policy
from patron.leads.models import Lead
from patron.leads.rules import with_keys
from patron.leads.touches import first_touch_refresh
from patron.sales.models import Order, OrderLine

DEMO = Actor(user_id=None, label="demo generator", source="demo")
LEAD_PREFIX = "M-"


def _datetime_text(column: str) -> pl.Expr:
    suffix = "+00:00" if is_postgres() else ""
    return pl.col(column).dt.strftime("%Y-%m-%d %H:%M:%S") + pl.lit(suffix)


def _money_text(column: str) -> pl.Expr:
    return pl.format(
        "{}.{}",
        (pl.col(column) // 100).cast(pl.String),
        (pl.col(column) % 100).cast(pl.String).str.zfill(2),
    )


def _default(field: models.Field) -> Any:  # type: ignore[type-arg]
    value = field.get_default()
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def write(model: type[models.Model], frame: pl.DataFrame, **constants: Any) -> int:
    """Insert ``frame`` (columns named like the table's) plus constants; other concrete
    columns get their field's default, so a field added later does not break the generator.
    Datetimes are written as UTC text, dates as ISO dates, ``*_cents`` columns as decimals."""
    if frame.is_empty():
        return 0
    conversions = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            conversions.append(_datetime_text(name).alias(name))
        elif dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
    frame = frame.with_columns(conversions)
    cents = [name for name in frame.columns if name.endswith("_cents")]
    frame = frame.with_columns(
        _money_text(name).alias(name.removesuffix("_cents")) for name in cents
    )
    frame = frame.drop(cents)
    given = set(frame.columns) | set(constants)
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key:
            continue
        if field.has_default():
            constants[field.column] = _default(field)
        elif field.null:
            constants[field.column] = None
        elif isinstance(field, models.CharField | models.TextField) and field.blank:
            constants[field.column] = ""
        else:
            raise ValueError(f"the funnel generator cannot fill {model.__name__}.{field.column}")
    return insert_frame(model._meta.db_table, frame, constants)


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1


def _companies(organization: Organization) -> pl.DataFrame:
    """Companies with their first contact (inbound leads name a known company)."""
    contacts = {
        company_id: (contact_id, name, title, email, phone)
        for contact_id, company_id, name, title, email, phone in Contact.objects.filter(
            organization=organization
        )
        .order_by("-id")
        .values_list("id", "company_id", "name", "title", "email", "phone")
    }
    rows = []
    for company_id, name, industry, region_id, size, first_order in Company.objects.filter(
        organization=organization
    ).values_list("id", "name", "industry", "region_id", "size", "first_order_date"):
        contact = contacts.get(company_id)
        if contact is None:
            continue
        rows.append(
            (
                company_id,
                name,
                industry,
                region_id,
                SIZE_CODES.index(size) if size in SIZE_CODES else 1,
                first_order is not None,
                *contact,
            )
        )
    return pl.DataFrame(
        rows,
        schema=[
            "company_id",
            "name",
            "industry",
            "region_id",
            "size",
            "is_customer",
            "contact_id",
            "contact_name",
            "title",
            "email",
            "phone",
        ],
        orient="row",
    )


def _products(organization: Organization) -> pl.DataFrame:
    kinds = {spec.sku: spec.kind for spec in PRODUCTS}
    rows = [
        (pk, int(price * 100), int(cost * 100), kinds.get(sku, "one_time"), name)
        for pk, sku, price, cost, name in Product.objects.filter(
            organization=organization, list_price__gt=0
        )
        .order_by("id")
        .values_list("id", "sku", "list_price", "unit_cost", "name")
    ]
    return pl.DataFrame(
        rows, schema=["id", "price_cents", "cost_cents", "kind", "name"], orient="row"
    )


def funnel_data_delete(organization: Organization) -> None:
    """Delete the funnel's demo data (``--reset``): opportunities and their rows, inbound
    leads and their activities, the funnel settings and role periods."""
    using = Opportunity.objects.db
    opportunity_ids = Opportunity.objects.filter(organization=organization).values("id")
    Activity.objects.filter(opportunity_id__in=opportunity_ids)._raw_delete(using)  # type: ignore[attr-defined]
    for model in (StageChange, OpportunityHandoff, OpportunityLine):
        model._default_manager.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]
    order_ids = list(
        Opportunity.objects.filter(organization=organization, order__isnull=False).values_list(
            "order_id", flat=True
        )
    )
    Opportunity.objects.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]
    OrderLine.objects.filter(order_id__in=order_ids)._raw_delete(using)  # type: ignore[attr-defined]
    Order.objects.filter(id__in=order_ids)._raw_delete(using)  # type: ignore[attr-defined]
    leads = Lead.objects.filter(organization=organization, external_id__startswith=LEAD_PREFIX)
    Activity.objects.filter(lead_id__in=leads.values("id"))._raw_delete(using)  # type: ignore[attr-defined]
    leads._raw_delete(using)  # type: ignore[attr-defined]
    for settings_model in (RoleSpell, MarketingRule, SlaPolicy, OpportunityStage, Play):
        settings_model._default_manager.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(sql)


def _audit(model: type[models.Model], ids: pl.Series, labels: pl.Series) -> None:
    frame = pl.DataFrame({"object_id": ids, "object_repr": labels}).with_columns(
        pl.lit("{}").alias("changes")
    )
    audit_frame_bulk(
        organization_id=Organization.objects.get_default().pk,
        model=model,
        action=AuditEvent.Action.CREATE,
        frame=frame,
        actor=DEMO,
    )


def funnel_generate(
    *,
    organization: Organization,
    seed: int,
    size: str,
    end_date: dt.date,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = lambda _message: None,
) -> dict[str, int]:
    """Generate the funnel year ending at ``end_date`` (or now, when that is earlier)."""
    spec = FUNNEL_SIZES[size]
    rng = np.random.default_rng([seed, 404])
    zone = business_calendar(organization, sla_policy(organization, SlaKind.MQL_FIRST_TOUCH))
    now = now or dt.datetime.now(dt.UTC)
    offset = int(dt.datetime.now(zone.zone).utcoffset().total_seconds())  # type: ignore[union-attr]
    day_after = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time.min, tzinfo=zone.zone)
    end = np.datetime64(min(now, day_after).astimezone(dt.UTC).replace(tzinfo=None), "s")
    start = end - np.timedelta64(365, "D")
    play_ids = settings_prepare(organization, None)
    window_start = (start + offset).astype("datetime64[D]").astype(dt.date)
    people = people_prepare(organization, window_start, rng, sdrs=spec.sdrs, aes=spec.aes)
    context = Context(
        rng=rng,
        size=spec,
        people=people,
        touch_calendar=business_calendar(
            organization, sla_policy(organization, SlaKind.MQL_FIRST_TOUCH)
        ),
        handoff_calendar=business_calendar(
            organization, sla_policy(organization, SlaKind.HANDOFF_RESPONSE)
        ),
        end=end,
        offset_s=offset,
    )
    companies = _companies(organization)
    leads = leads_make(rng, spec, companies, people, start, end, offset, _next_id(Lead))
    mql_at = np.where(
        leads["is_rule_mql"].to_numpy(),
        seconds(leads["created_at"]),
        seconds(leads["mql_at"].fill_null(leads["created_at"])),
    )
    mql_at = np.where(
        leads["is_rule_mql"].to_numpy() | (leads["mql_source"].to_numpy() != ""),
        mql_at,
        np.datetime64("NaT"),
    ).astype("datetime64[s]")
    demo_sdr = next((s.user_id for s in people.sdrs if s.user_id == _user_id("sdr")), None)
    touches = touches_make(
        rng, spec, leads, mql_at, context.touch_calendar, end, keep_open_for=demo_sdr
    )
    log(f"    leads {leads.height:,}, lead activities {touches.activities.height:,}")
    deals = deals_make(
        context,
        leads=leads,
        first_touch=touches.first,
        companies=companies,
        products=_products(organization),
        play_ids=play_ids,
        start=start,
        first_id=_next_id(Opportunity),
        first_order_id=_next_id(Order),
        force_pending_for=_user_id("ae"),
    )
    orders, order_lines = orders_make(context, deals, _products(organization), _next_id(Order))
    activities = pl.concat([touches.activities, deals.activities])
    if spec.activities is not None:
        activities = _exact(rng, activities, spec.activities - Activity.objects.count())
    with _bulk_load(activities.height):
        counts = _write_all(
            organization, leads, mql_at, touches, deals, orders, order_lines, activities
        )
    marked = mql_rules_apply(organization=organization, lead_ids=leads["id"].to_list())
    expected = int(leads["is_rule_mql"].sum())
    if marked != expected:
        raise ValueError(f"the marketing rules marked {marked} leads, the plan {expected}")
    counts["mqls_by_rule"] = marked
    first_touch_refresh(organization=organization)
    _reset_sequences([Lead, Opportunity, Order])
    return counts


def _user_id(username: str) -> int | None:
    from patron.accounts.models import User

    return User.objects.filter(username=username).values_list("id", flat=True).first()


def _exact(rng: np.random.Generator, activities: pl.DataFrame, wanted: int) -> pl.DataFrame:
    """The bench size asks for an exact activity count: drop or repeat lead activities."""
    if wanted <= activities.height:
        return activities.head(max(wanted, 0))
    lead_rows = activities.filter(pl.col("lead_id").is_not_null())
    extra = lead_rows[rng.integers(0, lead_rows.height, wanted - activities.height)]
    shifted = extra.with_columns(
        (pl.col("occurred_at") - pl.duration(hours=pl.lit(1))).alias("occurred_at")
    )
    return pl.concat([activities, shifted])


BULK_ROWS = 500_000  # past this many activities, keys and indexes are checked / built once


@contextmanager
def _bulk_load(rows: int) -> Iterator[None]:
    """For the bench size: foreign keys checked set-wise after the load (PostgreSQL) and the
    big tables' secondary indexes built once over the loaded rows, instead of row by row."""
    if rows < BULK_ROWS:
        yield
        return
    tables = [
        model._meta.db_table
        for model in (Lead, Activity, Opportunity, OpportunityLine, StageChange, OpportunityHandoff)
    ]
    with (
        deferred_foreign_keys([*tables, AuditEvent._meta.db_table]),
        deferred_indexes(Activity._meta.db_table),
        deferred_indexes(Lead._meta.db_table),
        deferred_indexes(StageChange._meta.db_table),
    ):
        yield


def _write_all(
    organization: Organization,
    leads: pl.DataFrame,
    mql_at: np.ndarray,
    touches: Any,
    deals: Any,
    orders: pl.DataFrame,
    order_lines: pl.DataFrame,
    activities: pl.DataFrame,
) -> dict[str, int]:
    org = {"organization_id": organization.pk}
    converted = deals.converted.rename({"converted_at": "converted"})
    lead_rows = (
        leads.join(converted, on="id", how="left")
        .with_columns(
            pl.when(pl.col("converted").is_not_null())
            .then(pl.lit("converted"))
            .when(pl.Series(~np.isnat(mql_at)))
            .then(pl.lit("working"))
            .when(pl.col("fate") < 0.3)
            .then(pl.lit("disqualified"))
            .when(pl.col("fate") < 0.7)
            .then(pl.lit("working"))
            .otherwise(pl.lit("new"))
            .alias("status"),
            pl.col("converted").alias("converted_at"),
            pl.col("created_at").alias("updated_at"),
        )
        .drop("is_rule_mql", "converted", "fate")
    )
    # the duplicate match keys every stored lead carries (patron.leads.rules)
    lead_rows = with_keys(
        lead_rows, email="email", phone="phone", company="company_name", contact="contact_name"
    )
    counts = {"leads": write(Lead, lead_rows, **org)}
    _audit(Lead, leads["id"], leads["external_id"])
    stages = dict(
        OpportunityStage.objects.filter(organization=organization).values_list("number", "id")
    )
    opportunities = deals.opportunities.with_columns(
        pl.col("stage_number").replace_strict(stages).alias("stage_id"),
        pl.col("amount_cents").alias("base_amount_cents"),
        pl.col("created_at").alias("updated_at"),
    )
    counts["opportunities"] = write(Opportunity, opportunities, currency="CNY", **org)
    _audit(Opportunity, opportunities["id"], opportunities["external_id"])
    lines = deals.lines.select(
        "opportunity_id",
        "line_no",
        "product_id",
        "quantity",
        "discount_pct",
        pl.col("unit_price_cents"),
        pl.col("amount_cents"),
    )
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") + (
        "+00:00" if is_postgres() else ""
    )
    counts["opportunity_lines"] = write(
        OpportunityLine, lines, created_at=created, updated_at=created, **org
    )
    handoffs = deals.handoffs.with_columns(
        pl.col("handed_at").alias("created_at"),
        pl.col("handed_at").alias("updated_at"),
    ).drop("rejected")
    counts["handoffs"] = write(OpportunityHandoff, handoffs, **org)
    changes = deals.changes.with_columns(
        pl.col("at").alias("created_at"), pl.col("at").alias("updated_at")
    )
    counts["stage_changes"] = write(StageChange, changes, **org)
    order_frame = orders.rename({"total_cents": "total_amount_cents"}).with_columns(
        pl.col("created_at").alias("updated_at")
    )
    counts["orders"] = write(Order, order_frame, currency="CNY", fx_rate="1", notes="", **org)
    order_line_frame = order_lines.with_columns(
        pl.col("amount_cents").alias("base_amount_cents"),
        pl.col("closed_at").alias("created_at"),
        pl.col("closed_at").alias("updated_at"),
    ).drop("closed_at")
    counts["order_lines"] = write(OrderLine, order_line_frame, **org)
    activity_frame = activities.with_columns(
        pl.col("occurred_at").alias("created_at"), pl.col("occurred_at").alias("updated_at")
    )
    counts["activities"] = write(Activity, activity_frame, subject="", note="", next_step="", **org)
    return counts


__all__ = ["funnel_data_delete", "funnel_generate"]
