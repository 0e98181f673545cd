"""``patron import orders``: one row per order line; rows sharing ``order_id`` form one order.

An order is all or nothing: if any of its lines is bad, every line is rejected. Re-importing an
order replaces its header and lines. Unknown companies are created when ``company_name`` is
given. Amounts are converted to the organization currency with its CurrencyRate.
"""

from __future__ import annotations

import polars as pl
from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from patron.catalog.models import Product
from patron.companies.models import Company
from patron.core.bulk import delete_where_in, is_postgres
from patron.core.models import AuditEvent, CurrencyRate
from patron.imports import parsing, writers
from patron.imports.kinds.common import ImportContext, Plan, stored
from patron.imports.kinds.companies import user_lookup, user_parser
from patron.imports.readers import ROW
from patron.imports.validation import (
    BAD,
    FIELD,
    REASON,
    Checks,
    ensure_columns,
    rejected_rows,
)
from patron.sales.models import Order, OrderLine, OrderStatus

REQUIRED = ("order_id", "company_id", "order_date", "status", "product_sku", "quantity", "amount")
OPTIONAL = (
    "company_name",
    "seller",
    "cost",
    "discount_pct",
    "currency",
    "service_start",
    "service_end",
    "due_date",
    "paid_date",
)
# Order-level fields: every line of an order must agree with its first line.
HEADER = ("company_id", "order_date", "status", "seller", "currency", "due_date", "paid_date")
HEADER_DB = ("company", "order_date", "status", "seller_id", "currency", "due_date", "paid_date")
LINE_DB = (
    "line_no",
    "product_id",
    "quantity",
    "amount",
    "base_amount",
    "cost",
    "discount_pct",
    "service_start",
    "service_end",
)
RATE = pl.Decimal(38, 8)


def rate_table(context: ImportContext) -> pl.DataFrame:
    rates = writers.fetch(
        CurrencyRate.objects.filter(organization=context.organization),
        {"currency": pl.String(), "rate": RATE},
    ).with_columns(pl.col("currency").str.to_uppercase())
    own = pl.DataFrame(
        {"currency": [context.organization.currency.upper()], "rate": ["1"]},
        schema={"currency": pl.String, "rate": pl.String},
    ).with_columns(pl.col("rate").cast(RATE))
    return pl.concat([own, rates.filter(pl.col("currency") != own["currency"][0])])


def parsers(context: ImportContext, rates: pl.DataFrame) -> dict[str, parsing.Parsed]:
    time_zone = context.organization.time_zone
    products = writers.fetch(
        Product.objects.filter(organization=context.organization),
        {"sku": pl.String(), "id": pl.Int64()},
    )
    line = OrderLine
    return {
        "order_id": parsing.model_text(Order, "order_id", field="external_id", required=True),
        "company_id": parsing.model_text(Company, "company_id", field="external_id", required=True),
        "company_name": parsing.model_text(Company, "company_name", field="name"),
        "order_date": parsing.date("order_date", time_zone=time_zone, required=True),
        "status": parsing.choice("status", OrderStatus, required=True),
        "seller": user_parser("seller", user_lookup(context.organization.pk)),
        "product_sku": parsing.mapped(
            "product_sku",
            products["sku"],
            products["id"],
            dtype=pl.Int64(),
            required=True,
            message=_("product_sku: no product with this SKU"),
        ),
        "quantity": parsing.model_decimal(line, "quantity", strictly_positive=True, required=True),
        "amount": parsing.model_decimal(line, "amount", required=True),
        "cost": parsing.model_decimal(line, "cost"),
        "discount_pct": parsing.model_decimal(line, "discount_pct", maximum="100"),
        "currency": parsing.currency(
            "currency", rates["currency"].to_list(), default=context.organization.currency
        ),
        "service_start": parsing.date("service_start", time_zone=time_zone),
        "service_end": parsing.date("service_end", time_zone=time_zone),
        "due_date": parsing.date("due_date", time_zone=time_zone),
        "paid_date": parsing.date("paid_date", time_zone=time_zone),
    }


ORDER_KEY = "_order"  # a dense integer per order_id: windows over it are cheaper than text


def header_errors(checks: Checks) -> list[pl.Expr]:
    """A line whose order-level field differs from the first line of its order is bad.

    Needs the ``_first_<field>`` / ``_first_row`` columns of :func:`first_of_order`.
    """
    expressions = []
    for name in HEADER:
        template = _("%(field)s differs from the first line of this order (row {})") % {
            "field": name
        }
        differs = ~pl.col(name).eq_missing(pl.col(f"_first_{name}"))
        expressions.append(
            checks.error(
                name,
                pl.when(pl.col("order_id").is_not_null() & differs)
                .then(pl.format(template, pl.col("_first_row")))
                .otherwise(pl.lit(None, dtype=pl.String)),
            )
        )
    return expressions


def first_of_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the first line's row and order-level fields to every line of the order."""
    return frame.with_columns(
        pl.col(ROW).first().over(ORDER_KEY).alias("_first_row"),
        *[pl.col(name).first().over(ORDER_KEY).alias(f"_first_{name}") for name in HEADER],
    )


def check_lines(raw: pl.DataFrame, context: ImportContext) -> pl.DataFrame:
    rates = rate_table(context)
    companies = stored(
        Company.objects.filter(organization=context.organization),
        "external_id",
        raw["company_id"],
        {"external_id": pl.String(), "id": pl.Int64()},
    ).rename({"external_id": "company_id", "id": "company_pk"})
    checks = Checks()
    checked = checks.parse(raw, parsers(context, rates)).with_columns(
        pl.col("order_id").rank("dense").alias(ORDER_KEY)
    )
    checked = (
        first_of_order(checked)
        .rename({"product_sku": "product_id"})
        .join(companies, on="company_id", how="left", maintain_order="left")
        .join(rates.rename({"rate": "fx_rate"}), on="currency", how="left", maintain_order="left")
        .with_columns(pl.col("cost").fill_null("0.00"), pl.col("discount_pct").fill_null("0.00"))
        .with_columns(
            (pl.col("amount").cast(pl.Decimal(38, 10)) * pl.col("fx_rate"))
            .round(2, mode="half_away_from_zero")
            .cast(pl.Decimal(38, 2))
            .alias("base_amount")
        )
    )
    base_limit = 10 ** (OrderLine._meta.get_field("base_amount").max_digits - 2)  # type: ignore[operator]
    checked = checked.with_columns(
        checks.error(
            "service_end",
            parsing.first_error(
                (
                    pl.col("service_end") < pl.col("service_start"),
                    _("service_end is before service_start"),
                )
            ),
        ),
        checks.error(
            "company_id",
            parsing.first_error(
                (
                    pl.col("company_id").is_not_null()
                    & pl.col("company_pk").is_null()
                    & pl.col("company_name").is_null(),
                    _(
                        "company_id: no company with this external_id "
                        "(give company_name to create it)"
                    ),
                )
            ),
        ),
        checks.error(
            "amount",
            parsing.first_error(
                (
                    pl.col("base_amount").abs() >= pl.lit(base_limit).cast(pl.Decimal(38, 2)),
                    _("amount is too large in the organization currency"),
                )
            ),
        ),
        *header_errors(checks),
    )
    checked = (
        checks.summarise(checked)
        .drop("_first_row", *[f"_first_{name}" for name in HEADER])
        .rename({"seller": "seller_id"})
    )
    # All or nothing per order: the other lines of a bad order are rejected too.
    order_bad = pl.col(BAD).any().over(ORDER_KEY) & pl.col("order_id").is_not_null()
    template = _("another line of order {} was rejected")
    return checked.with_columns(
        pl.when(~pl.col(BAD) & order_bad)
        .then(pl.lit("order_id"))
        .otherwise(pl.col(FIELD))
        .alias(FIELD),
        pl.when(~pl.col(BAD) & order_bad)
        .then(pl.format(template, pl.col("order_id")))
        .otherwise(pl.col(REASON))
        .alias(REASON),
        (pl.col(BAD) | order_bad).alias(BAD),
    )


def lines_fingerprint(frame: pl.DataFrame) -> pl.DataFrame:
    """``order_id`` → a text fingerprint of its lines, to tell unchanged orders apart."""
    line_text = pl.concat_str(
        [pl.col(name).cast(pl.String).fill_null("") for name in LINE_DB if name != "base_amount"],
        separator="|",
    )
    return (
        frame.sort("order_id", "line_no")
        .group_by("order_id")
        .agg(line_text.str.join(";").alias("lines"))
    )


def stored_orders(context: ImportContext, keys: pl.Series) -> pl.DataFrame:
    orders = stored(
        Order.objects.filter(organization=context.organization).annotate(
            company_code=F("company__external_id")
        ),
        "external_id",
        keys,
        {
            "external_id": pl.String(),
            "id": pl.Int64(),
            "company_code": pl.String(),
            "company_id": pl.Int64(),
            "order_date": pl.Date(),
            "status": pl.String(),
            "seller_id": pl.Int64(),
            "currency": pl.String(),
            "fx_rate": RATE,
            "total_amount": pl.Decimal(38, 2),
            "due_date": pl.Date(),
            "paid_date": pl.Date(),
        },
    ).rename({"external_id": "order_id", "company_id": "old_company_pk", "company_code": "company"})
    if orders.height == 0:
        return orders.with_columns(pl.lit(None, dtype=pl.String).alias("lines"))
    line_frame = (
        stored(
            OrderLine.objects.filter(organization=context.organization).annotate(
                order_code=F("order__external_id")
            ),
            "order_id",
            orders["id"],
            {
                "order_id": pl.Int64(),
                "order_code": pl.String(),
                "line_no": pl.Int64(),
                "product_id": pl.Int64(),
                "quantity": pl.Decimal(38, 2),
                "amount": pl.Decimal(38, 2),
                "cost": pl.Decimal(38, 2),
                "discount_pct": pl.Decimal(38, 2),
                "service_start": pl.Date(),
                "service_end": pl.Date(),
            },
        )
        .drop("order_id")
        .rename({"order_code": "order_id"})
    )
    return orders.with_columns(
        pl.col("fx_rate").cast(pl.String), pl.col("total_amount").cast(pl.String)
    ).join(lines_fingerprint(line_frame), on="order_id", how="left")


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, _present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    checked = check_lines(raw, context)
    good = (
        checked.filter(~pl.col(BAD))
        .with_columns(pl.int_range(1, pl.len() + 1).over(ORDER_KEY).alias("line_no"))
        .with_columns(pl.col(name).cast(pl.String) for name in ("fx_rate", "base_amount"))
    )
    orders = good.group_by("order_id", maintain_order=True).agg(
        pl.col("company_id").first().alias("company"),
        pl.col("company_pk").first(),
        pl.col("company_name").first(),
        *[pl.col(name).first() for name in HEADER[1:] if name != "seller"],
        pl.col("seller_id").first(),
        pl.col("fx_rate").first(),
        pl.col("amount").cast(pl.Decimal(38, 2)).sum().cast(pl.String).alias("total_amount"),
        pl.len().alias("line_count"),
    )
    existing = stored_orders(context, orders["order_id"])
    # Fingerprint only the orders that are stored already (the rest are new anyway).
    known_lines = good.join(existing.select("order_id"), on="order_id", how="semi")
    orders = orders.join(lines_fingerprint(known_lines), on="order_id", how="left")
    classified = writers.classify(
        orders,
        existing.drop("old_company_pk"),
        key="order_id",
        fields=[*HEADER_DB, "fx_rate", "total_amount"],
        hidden=["lines"],
    ).join(existing.select("order_id", "old_company_pk"), on="order_id", how="left")
    counts = dict(classified.group_by(writers.STATUS).len().iter_rows())
    result = Plan(
        rows=raw.height,
        rejects=rejected_rows(raw, checked),
        ignored_columns=ignored,
        created=counts.get(writers.CREATED, 0),
        updated=counts.get(writers.UPDATED, 0),
        unchanged=counts.get(writers.UNCHANGED, 0),
    )
    to_write = classified.filter(pl.col(writers.STATUS) != writers.UNCHANGED)
    lines = good.join(to_write.select("order_id"), on="order_id", how="semi")
    result.write_rows = lines.height

    def write() -> list[int]:
        return write_orders(context, to_write, lines)

    result.write = write
    return result


def create_companies(context: ImportContext, orders: pl.DataFrame) -> pl.DataFrame:
    """Create the unknown companies named by ``company_name``; return company → company_pk."""
    organization_id = context.organization.pk
    new = (
        orders.filter(pl.col("company_pk").is_null())
        .group_by("company", maintain_order=True)
        .agg(pl.col("company_name").first())
        .select(
            pl.lit(organization_id).alias("organization_id"),
            pl.col("company").alias("external_id"),
            pl.col("company_name").alias("name"),
        )
    )
    if new.height == 0:
        return pl.DataFrame(schema={"company": pl.String, "new_company_pk": pl.Int64})
    new = writers.with_new_ids(Company, new)
    writers.insert_frame(Company, new, context.progress, count=False, constants=context.provenance)
    return new.select(pl.col("external_id").alias("company"), pl.col("id").alias("new_company_pk"))


def write_orders(context: ImportContext, orders: pl.DataFrame, lines: pl.DataFrame) -> list[int]:
    context.progress.phase(_("Writing"), lines.height)
    created = orders.filter(pl.col(writers.STATUS) == writers.CREATED).height
    bulk = writers.bulk_loads({Order: created, OrderLine: lines.height})
    with writers.foreign_keys_deferred(bulk):
        return write_order_rows(context, orders, lines, bulk)


def write_order_rows(
    context: ImportContext,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    bulk: set[type[models.Model]],
) -> list[int]:
    organization_id = context.organization.pk
    orders = orders.join(create_companies(context, orders), on="company", how="left").with_columns(
        pl.coalesce("company_pk", "new_company_pk").alias("company_id")
    )
    header = [
        "company_id",
        "order_date",
        "status",
        "seller_id",
        "currency",
        "fx_rate",
        "total_amount",
        "due_date",
        "paid_date",
    ]
    created = orders.filter(pl.col(writers.STATUS) == writers.CREATED)
    updated = orders.filter(pl.col(writers.STATUS) == writers.UPDATED)
    # In key order, the unique (organization, external_id) index is appended to.
    created = writers.with_new_ids(Order, created.sort("order_id"))
    # PostgreSQL also builds the orders' keys once: a million-row COPY into a table that keeps
    # its primary key and unique external id spends ~2.5 s more than building both afterwards.
    # The foreign keys that reference an order (its lines, opportunities) are dropped and
    # validated again with the primary key.
    with writers.indexes_deferred(Order, bulk, unique=is_postgres(), primary_key=True):
        writers.insert_frame(
            Order,
            created.select("id", pl.col("order_id").alias("external_id"), *header),
            context.progress,
            count=False,
            constants={"organization_id": organization_id, **context.provenance},
            bulk=Order in bulk,
        )
    writers.update_frame(Order, updated.select("id", *header))
    delete_where_in(OrderLine._meta.db_table, "order_id", updated["id"].to_list())
    order_ids = pl.concat([created.select("order_id", "id"), updated.select("order_id", "id")])
    # SQLite maintains the lines' one plain index (product_id) as cheaply as it rebuilds it.
    # PostgreSQL builds the lines' keys once too: a million lines load ~2 s faster; the
    # rebuilt unique key still refuses a duplicate line number.
    with writers.indexes_deferred(
        OrderLine, bulk if is_postgres() else set(), unique=True, primary_key=True
    ):
        writers.insert_frame(
            OrderLine,
            # in (order, line) order, the unique (order_id, line_no) index is appended to
            lines.join(order_ids, on="order_id")
            .select(pl.col("id").alias("order_id"), *LINE_DB)
            .sort("order_id", "line_no"),
            context.progress,
            constants={"organization_id": organization_id},
            bulk=OrderLine in bulk,
        )
    write_order_audit(context, updated)
    affected = pl.concat([orders["company_id"], orders["old_company_pk"].drop_nulls()]).unique()
    return sorted(affected.to_list())


def write_order_audit(context: ImportContext, updated: pl.DataFrame) -> None:
    """One audit event per updated order: its header changes and line count. (A created order
    names its import run instead: ``Order.created_by_import``.)"""
    writers.audit_frame(
        context.audit,
        Order,
        AuditEvent.Action.IMPORT_UPDATE,
        updated.with_columns(
            pl.concat_str(
                [
                    pl.col(writers.CHANGES).str.strip_suffix("}"),
                    pl.when(pl.col(writers.CHANGES) == "{}")
                    .then(pl.lit(""))
                    .otherwise(pl.lit(",")),
                    pl.lit('"line_count":'),
                    pl.col("line_count").cast(pl.String),
                    pl.lit("}"),
                ]
            ).alias(writers.CHANGES)
        ),
        label="order_id",
    )
