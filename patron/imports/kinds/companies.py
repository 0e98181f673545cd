"""``patron import companies``: one row per company, keyed by ``external_id``."""

from __future__ import annotations

from collections import Counter

import polars as pl
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.companies.choices import CompanySize, CreditRating, Industry
from patron.companies.models import Company, Region
from patron.imports import parsing
from patron.imports.kinds.common import ImportContext, Plan, SimpleKind, simple_plan, stored
from patron.imports.parsing import Parsed
from patron.imports.validation import Checks, duplicate_error, ensure_columns

REQUIRED = ("external_id", "name")
OPTIONAL = (
    "industry",
    "region",
    "size",
    "owner",
    "is_reference",
    "market_potential",
    "credit_rating",
    "website",
    "phone",
    "address",
)
TEXT = ("name", "industry", "size", "credit_rating", "website", "phone", "address")
# file column → database columns it sets
DB_COLUMNS = {
    "region": ["region_id"],
    "owner": ["owner_id", "team_id"],
}
KIND = SimpleKind(model=Company, key="external_id", label="name")


def region_lookup() -> tuple[list[str], list[int]]:
    """Region code, Chinese name or English name → id (names only when unambiguous)."""
    regions = list(Region.objects.values_list("id", "code", "name", "name_en"))
    names = Counter(name for _id, _code, name, _en in regions)
    english = Counter(en.lower() for _id, _code, _name, en in regions if en)
    keys: list[str] = []
    values: list[int] = []
    for region_id, code, name, name_en in regions:
        keys.append(code.lower())
        values.append(region_id)
        if names[name] == 1:
            keys.append(name.lower())
            values.append(region_id)
        if name_en and english[name_en.lower()] == 1:
            keys.append(name_en.lower())
            values.append(region_id)
    return keys, values


def user_lookup(organization_id: int) -> pl.DataFrame:
    rows = list(
        User.objects.filter(organization_id=organization_id).values_list(
            "username", "id", "team_id"
        )
    )
    return pl.DataFrame(
        rows, schema={"username": pl.String, "id": pl.Int64, "team_id": pl.Int64}, orient="row"
    )


def user_parser(name: str, users: pl.DataFrame) -> Parsed:
    return parsing.mapped(
        name,
        users["username"],
        users["id"],
        dtype=pl.Int64(),
        message=_("%(field)s: no user with this username") % {"field": name},
    )


def parsers(context: ImportContext) -> dict[str, Parsed]:
    users = user_lookup(context.organization.pk)
    region_keys, region_ids = region_lookup()
    return {
        "external_id": parsing.model_text(Company, "external_id", required=True),
        "name": parsing.model_text(Company, "name", required=True),
        "industry": parsing.choice("industry", Industry),
        "region": parsing.mapped(
            "region",
            region_keys,
            region_ids,
            dtype=pl.Int64(),
            case_insensitive=True,
            message=_("region: unknown or ambiguous region (use the region code)"),
        ),
        "size": parsing.choice("size", CompanySize),
        "owner": user_parser("owner", users),
        "is_reference": parsing.boolean("is_reference"),
        "market_potential": parsing.model_decimal(Company, "market_potential"),
        "credit_rating": parsing.choice("credit_rating", CreditRating),
        "website": parsing.model_text(Company, "website"),
        "phone": parsing.model_text(Company, "phone"),
        "address": parsing.model_text(Company, "address"),
    }


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    checks = Checks()
    checked = checks.parse(raw, parsers(context))
    checked = checked.with_columns(checks.error("external_id", duplicate_error("external_id")))
    checked = checks.summarise(checked)
    users = user_lookup(context.organization.pk).select(
        pl.col("id").alias("owner"), pl.col("team_id")
    )
    checked = checked.join(users, on="owner", how="left").with_columns(
        pl.col("is_reference").fill_null(False),
        *[pl.col(name).fill_null("") for name in TEXT],
    )
    checked = checked.rename({"region": "region_id", "owner": "owner_id"})
    fields = [
        db_column
        for name in (*OPTIONAL, "name")
        if name in present
        for db_column in DB_COLUMNS.get(name, [name])
    ]
    schema: dict[str, pl.DataType] = {"external_id": pl.String(), "id": pl.Int64()}
    for name in fields:
        schema[name] = checked.schema[name]
    existing = stored(
        Company.objects.filter(organization=context.organization),
        "external_id",
        checked["external_id"],
        {
            name: pl.Decimal(38, 2) if name == "market_potential" else dtype
            for name, dtype in schema.items()
        },
    )
    if "market_potential" in existing.columns:
        existing = existing.with_columns(pl.col("market_potential").cast(pl.String))
    return simple_plan(
        KIND, context, raw=raw, checked=checked, ignored=ignored, fields=fields, existing=existing
    )
