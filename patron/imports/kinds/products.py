"""``patron import products``: one row per product (``sku``); families are created on the fly."""

from __future__ import annotations

import polars as pl
from django.db.models import F
from django.utils.translation import gettext as _

from patron.catalog.models import Product, ProductFamily
from patron.core.models import AuditEvent
from patron.imports import parsing, writers
from patron.imports.kinds.common import ImportContext, Plan, SimpleKind, simple_plan, stored
from patron.imports.readers import ROW
from patron.imports.validation import Checks, duplicate_error, ensure_columns

REQUIRED = ("sku", "name", "family")
OPTIONAL = ("family_name", "list_price", "unit_cost", "currency", "is_subscription")
KIND = SimpleKind(model=Product, key="sku", label="name")


def families(organization_id: int) -> pl.DataFrame:
    return writers.fetch(
        ProductFamily.objects.filter(organization_id=organization_id),
        {"code": pl.String(), "id": pl.Int64(), "name": pl.String()},
    )


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    checks = Checks()
    family_length = ProductFamily._meta.get_field("code").max_length or 50
    checked = checks.parse(
        raw,
        {
            "sku": parsing.model_text(Product, "sku", required=True),
            "name": parsing.model_text(Product, "name", required=True),
            "family": parsing.text("family", max_length=family_length, required=True),
            "family_name": parsing.model_text(ProductFamily, "family_name", field="name"),
            "list_price": parsing.model_decimal(Product, "list_price"),
            "unit_cost": parsing.model_decimal(Product, "unit_cost"),
            "currency": parsing.Parsed(
                value=pl.col("currency").str.to_uppercase(),
                error=parsing.pattern(
                    "currency",
                    r"^[A-Za-z]{3}$",
                    _("%(field)s must be a three-letter code such as CNY") % {"field": "currency"},
                ),
            ),
            "is_subscription": parsing.boolean("is_subscription"),
        },
    )
    checked = checked.with_columns(
        checks.error("sku", duplicate_error("sku")),
        checks.error(
            "family",
            parsing.pattern(
                "family",
                parsing.SLUG_PATTERN,
                _("%(field)s must be a code of letters, digits, - and _") % {"field": "family"},
            ),
        ),
    )
    checked = checks.summarise(checked).with_columns(
        pl.col("list_price").fill_null("0.00"),
        pl.col("unit_cost").fill_null("0.00"),
        pl.col("currency").fill_null(context.organization.currency),
        pl.col("is_subscription").fill_null(False),
    )
    fields = [
        "name",
        "family",
        *[name for name in OPTIONAL if name in present and name != "family_name"],
    ]
    schema: dict[str, pl.DataType] = {"sku": pl.String(), "id": pl.Int64()}
    schema.update({name: checked.schema[name] for name in fields})
    for name in ("list_price", "unit_cost"):
        if name in schema:
            schema[name] = pl.Decimal(38, 2)
    existing = stored(
        Product.objects.filter(organization=context.organization).annotate(
            family_code=F("family__code")
        ),
        "sku",
        checked["sku"],
        {("family_code" if name == "family" else name): dtype for name, dtype in schema.items()},
    ).rename({"family_code": "family"})
    existing = existing.with_columns(
        [pl.col(name).cast(pl.String) for name in ("list_price", "unit_cost") if name in existing]
    )
    good_families = (
        checked.filter(~pl.col("_bad"))
        .sort(ROW)
        .group_by("family", maintain_order=True)
        .agg(pl.col("family_name").drop_nulls().first())
    )

    def before_write(frame: pl.DataFrame) -> pl.DataFrame:
        family_ids = write_families(context, good_families)
        return frame.join(family_ids, on="family", how="left").drop("family")

    return simple_plan(
        KIND,
        context,
        raw=raw,
        checked=checked,
        ignored=ignored,
        fields=fields,
        existing=existing,
        before_write=before_write,
        create_values={"currency": context.organization.currency},
    )


def write_families(context: ImportContext, wanted: pl.DataFrame) -> pl.DataFrame:
    """Create missing families (name = family_name or the code), rename changed ones;
    return ``family`` (code) → ``family_id``."""
    organization_id = context.organization.pk
    current = families(organization_id)
    joined = wanted.join(current, left_on="family", right_on="code", how="left")
    missing = joined.filter(pl.col("id").is_null()).select(
        pl.lit(organization_id).alias("organization_id"),
        pl.col("family").alias("code"),
        pl.coalesce("family_name", "family").alias("name"),
    )
    renamed = joined.filter(
        pl.col("id").is_not_null()
        & pl.col("family_name").is_not_null()
        & (pl.col("family_name") != pl.col("name"))
    )
    watermark = writers.max_id(ProductFamily)
    writers.insert_frame(ProductFamily, missing, context.progress, count=False)
    created = writers.new_ids(
        ProductFamily, organization_id=organization_id, after_id=watermark, key="code"
    ).join(missing.select("code", "name"), on="code")
    writers.update_frame(ProductFamily, renamed.select("id", pl.col("family_name").alias("name")))
    writers.audit_frame(
        context.audit,
        ProductFamily,
        AuditEvent.Action.IMPORT_CREATE,
        created.with_columns(
            pl.concat_str(
                [
                    pl.lit('{"code":[null,'),
                    writers.json_value(pl.col("code")),
                    pl.lit('],"name":[null,'),
                    writers.json_value(pl.col("name")),
                    pl.lit("]}"),
                ]
            ).alias(writers.CHANGES)
        ),
        label="name",
    )
    writers.audit_frame(
        context.audit,
        ProductFamily,
        AuditEvent.Action.IMPORT_UPDATE,
        renamed.with_columns(
            pl.concat_str(
                [
                    pl.lit('{"name":['),
                    writers.json_value(pl.col("name")),
                    pl.lit(","),
                    writers.json_value(pl.col("family_name")),
                    pl.lit("]}"),
                ]
            ).alias(writers.CHANGES)
        ),
        label="family_name",
    )
    return families(organization_id).select(
        pl.col("code").alias("family"), pl.col("id").alias("family_id")
    )
