"""``patron import triggers``: trigger events (SPEC §5) on companies or leads.

A row is keyed by what it is about: (company, lead, type, date). Importing the same event again
updates its source link and note instead of adding a second event. After the write, the
leads the events touch are re-scored (``prospecting.services.leads_rescore``).
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from patron.companies.models import Company
from patron.core.models import AuditEvent
from patron.imports import parsing, writers
from patron.imports.kinds.common import ImportContext, Plan, stored
from patron.imports.readers import ROW
from patron.imports.validation import BAD, Checks, duplicate_error, ensure_columns, rejected_rows
from patron.leads.models import Lead
from patron.prospecting.choices import TriggerType
from patron.prospecting.models import TriggerEvent

REQUIRED = ("type", "occurred_on")
OPTIONAL = ("company_id", "lead_id", "source_url", "note")
KEY = "_event_key"
FIELDS = ("source_url", "note")


def _ids(queryset: object, keys: pl.Series) -> pl.DataFrame:
    return stored(queryset, "external_id", keys, {"external_id": pl.String(), "id": pl.Int64()})  # type: ignore[arg-type]


def _event_key() -> pl.Expr:
    return pl.format(
        "{}|{}|{}|{}",
        pl.col("company_id").cast(pl.String).fill_null(""),
        pl.col("lead_id").cast(pl.String).fill_null(""),
        pl.col("type"),
        pl.col("occurred_on").cast(pl.String),
    )


def _existing(organization_id: int, checked: pl.DataFrame) -> pl.DataFrame:
    """Stored events of the companies and leads in the file, keyed like the rows."""
    schema = {
        "id": pl.Int64(),
        "company_id": pl.Int64(),
        "lead_id": pl.Int64(),
        "type": pl.String(),
        "occurred_on": pl.Date(),
        "source_url": pl.String(),
        "note": pl.String(),
    }
    companies = checked["company_id"].drop_nulls().unique().to_list()
    leads = checked["lead_id"].drop_nulls().unique().to_list()
    frames = []
    base = TriggerEvent.objects.filter(organization_id=organization_id)
    if companies:
        frames.append(writers.fetch(base.filter(company_id__in=companies), schema))
    if leads:
        frames.append(writers.fetch(base.filter(lead_id__in=leads), schema))
    if not frames:
        empty = {KEY: pl.String(), "id": pl.Int64(), **{name: pl.String() for name in FIELDS}}
        return pl.DataFrame(schema=empty)
    return (
        pl.concat(frames)
        .unique("id")
        .with_columns(_event_key().alias(KEY))
        .unique(KEY, keep="first")
        .select(KEY, "id", *FIELDS)
    )


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, _present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    organization = context.organization
    companies = _ids(Company.objects.filter(organization=organization), raw["company_id"])
    leads = _ids(Lead.objects.filter(organization=organization), raw["lead_id"])
    checks = Checks()
    checked = checks.parse(
        raw,
        {
            "type": parsing.choice("type", TriggerType, required=True),
            "occurred_on": parsing.date(
                "occurred_on", time_zone=organization.time_zone, required=True
            ),
            "company_id": parsing.mapped(
                "company_id",
                companies["external_id"],
                companies["id"],
                dtype=pl.Int64(),
                message=_("company_id: no company with this external_id"),
            ),
            "lead_id": parsing.mapped(
                "lead_id",
                leads["external_id"],
                leads["id"],
                dtype=pl.Int64(),
                message=_("lead_id: no lead with this lead id"),
            ),
            "source_url": parsing.model_text(TriggerEvent, "source_url"),
            "note": parsing.model_text(TriggerEvent, "note"),
        },
    )
    # neither column given in the file (an unknown id is reported by its own check)
    no_subject = raw.select(
        ROW, (pl.col("company_id").is_null() & pl.col("lead_id").is_null()).alias("_no_subject")
    )
    checked = checked.join(no_subject, on=ROW, how="left").with_columns(_event_key().alias(KEY))
    checked = checked.with_columns(
        checks.error(
            "company_id",
            parsing.first_error(
                (
                    pl.col("_no_subject"),
                    _("company_id: a company_id or a lead_id is needed"),
                ),
                (
                    pl.col("source_url").is_not_null()
                    & ~pl.col("source_url").str.contains(r"(?i)^https?://"),
                    _("source_url: a link starts with http:// or https://"),
                ),
            ),
        ),
        checks.error("occurred_on", duplicate_error(KEY)),
    )
    checked = checks.summarise(checked).with_columns(
        *[pl.col(name).fill_null("") for name in FIELDS]
    )
    good = checked.filter(~pl.col(BAD)).select(
        ROW, KEY, "company_id", "lead_id", "type", "occurred_on", *FIELDS
    )
    classified = writers.classify(
        good, _existing(organization.pk, good), key=KEY, fields=list(FIELDS)
    )
    counts = dict(classified.group_by(writers.STATUS).len().iter_rows())
    result = Plan(
        rows=raw.height,
        rejects=rejected_rows(raw, checked),
        ignored_columns=ignored,
        created=counts.get(writers.CREATED, 0),
        updated=counts.get(writers.UPDATED, 0),
        unchanged=counts.get(writers.UNCHANGED, 0),
    )
    result.write_rows = result.created + result.updated

    def write() -> list[int]:
        from patron.prospecting.services import leads_rescore

        context.progress.phase(_("Writing"), result.write_rows)
        created = classified.filter(pl.col(writers.STATUS) == writers.CREATED)
        updated = classified.filter(pl.col(writers.STATUS) == writers.UPDATED)
        writers.insert_frame(
            TriggerEvent,
            created.select(
                pl.lit(organization.pk).alias("organization_id"),
                "company_id",
                "lead_id",
                "type",
                "occurred_on",
                *FIELDS,
            ),
            context.progress,
            constants={**context.provenance, "created_by_id": context.actor.user_id},
        )
        writers.update_frame(TriggerEvent, updated.select("id", *FIELDS))
        context.progress.advance(updated.height)
        writers.audit_frame(
            context.audit,
            TriggerEvent,
            AuditEvent.Action.IMPORT_UPDATE,
            updated.with_columns(pl.col("type").alias("label")),
            label="label",
        )
        touched = classified.filter(pl.col(writers.STATUS) != writers.UNCHANGED)
        company_ids = touched["company_id"].drop_nulls().unique().to_list()
        lead_ids = set(touched["lead_id"].drop_nulls().unique().to_list())
        if company_ids:
            lead_ids.update(
                Lead.objects.filter(company_id__in=company_ids).values_list("id", flat=True)
            )
        if lead_ids:
            leads_rescore(organization=organization, lead_ids=sorted(lead_ids))
        return []

    result.write = write
    return result
