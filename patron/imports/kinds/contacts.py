"""``patron import contacts``: one row per contact of an existing company."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from patron.companies.choices import BuyingRole
from patron.companies.models import Company, Contact
from patron.imports import parsing
from patron.imports.kinds.common import ImportContext, Plan, SimpleKind, simple_plan, stored
from patron.imports.validation import Checks, duplicate_error, ensure_columns

REQUIRED = ("external_id", "company_id", "name")
OPTIONAL = ("title", "email", "phone", "buying_role")
KIND = SimpleKind(model=Contact, key="external_id", label="name")


def company_ids(organization_id: int, keys: pl.Series) -> pl.DataFrame:
    return stored(
        Company.objects.filter(organization_id=organization_id),
        "external_id",
        keys,
        {"external_id": pl.String(), "id": pl.Int64()},
    )


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    companies = company_ids(context.organization.pk, raw["company_id"])
    checks = Checks()
    checked = checks.parse(
        raw,
        {
            "external_id": parsing.model_text(Contact, "external_id", required=True),
            "company_id": parsing.mapped(
                "company_id",
                companies["external_id"],
                companies["id"],
                dtype=pl.Int64(),
                required=True,
                message=_("company_id: no company with this external_id"),
            ),
            "name": parsing.model_text(Contact, "name", required=True),
            "title": parsing.model_text(Contact, "title"),
            "email": parsing.email("email"),
            "phone": parsing.model_text(Contact, "phone"),
            "buying_role": parsing.choice("buying_role", BuyingRole),
        },
    )
    email_length = Contact._meta.get_field("email").max_length or 254
    checked = checked.with_columns(
        checks.error("external_id", duplicate_error("external_id")),
        checks.error("email", parsing.too_long("email", email_length)),
    )
    checked = checks.summarise(checked).with_columns(
        pl.col("buying_role").fill_null(BuyingRole.UNKNOWN.value),
        *[pl.col(name).fill_null("") for name in ("title", "email", "phone")],
    )
    fields = ["company_id", "name", *[name for name in OPTIONAL if name in present]]
    schema: dict[str, pl.DataType] = {"external_id": pl.String(), "id": pl.Int64()}
    schema.update({name: checked.schema[name] for name in fields})
    existing = stored(
        Contact.objects.filter(organization=context.organization),
        "external_id",
        checked["external_id"],
        schema,
    )
    return simple_plan(
        KIND, context, raw=raw, checked=checked, ignored=ignored, fields=fields, existing=existing
    )
