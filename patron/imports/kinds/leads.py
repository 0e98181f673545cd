"""``patron import leads``: a marketing list, one row per lead, keyed by ``lead_id``.

A row whose ``lead_id`` is stored already updates that lead. A new row whose email, phone or
company + contact name (the match keys of :mod:`patron.leads.rules`) matches another lead, a
contact, or an earlier row of the same file is not created: it is stored as a
:class:`~patron.leads.models.LeadDuplicate` linked to its match, for review. Matching is
set-wise: the keys of the whole file go to the database as one JSON parameter per key.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
from django.db.models import Case, F, Q, Value, When
from django.utils import translation
from django.utils.translation import gettext as _

from patron.companies.choices import Industry
from patron.companies.models import Company, Contact
from patron.core.bulk import is_postgres, quote
from patron.core.frames import in_values
from patron.core.models import AuditEvent
from patron.imports import parsing, writers
from patron.imports.kinds.common import ImportContext, Plan, stored
from patron.imports.kinds.companies import region_lookup, user_lookup, user_parser
from patron.imports.readers import ROW
from patron.imports.validation import BAD, Checks, duplicate_error, ensure_columns, rejected_rows
from patron.leads import rules
from patron.leads.choices import DuplicateStatus, LeadStatus, MatchKey, MqlSource
from patron.leads.models import Lead, LeadDuplicate
from patron.leads.touches import first_touch_refresh

REQUIRED = ("lead_id",)
OPTIONAL = (
    "company_name",
    "contact_name",
    "title",
    "email",
    "phone",
    "industry",
    "region",
    "source",
    "owner",
    "created_at",
    "mql_at",
)
TEXT = ("company_name", "contact_name", "title", "email", "phone", "industry", "source")
# file column → the database columns it sets (compared and written on re-import)
DB_COLUMNS = {"region": ["region_id"], "owner": ["owner_id", "team_id"]}
KEYS = ("email_key", "phone_key", "name_key")
KEY_SOURCES = {
    "email_key": ("email",),
    "phone_key": ("phone",),
    "name_key": ("company_name", "contact_name"),
}
MATCH = {"email_key": MatchKey.EMAIL, "phone_key": MatchKey.PHONE, "name_key": MatchKey.NAME}
ROW_COLUMNS = (*TEXT, "region_id", "owner_id", "team_id")
# what a duplicate row keeps (to be created on dismiss, or to fill the matched lead on merge)
DUPLICATE_VALUES = (*TEXT, "region_id", "owner_id", "created_at")


def industry_parser() -> parsing.Parsed:
    """An industry by its code or its English or Chinese label."""
    keys: list[str] = []
    values: list[str] = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in zip(Industry.values, Industry.labels, strict=True):
                keys += [str(value), str(label)]
                values += [str(value), str(value)]
    return parsing.mapped(
        "industry",
        keys,
        values,
        dtype=pl.String(),
        case_insensitive=True,
        message=_("%(field)s must be one of: %(choices)s")
        % {"field": "industry", "choices": ", ".join(Industry.values)},
    )


def parsers(context: ImportContext) -> dict[str, parsing.Parsed]:
    region_keys, region_ids = region_lookup()
    time_zone = context.organization.time_zone
    return {
        "lead_id": parsing.model_text(Lead, "lead_id", field="external_id", required=True),
        "company_name": parsing.model_text(Lead, "company_name"),
        "contact_name": parsing.model_text(Lead, "contact_name"),
        "title": parsing.model_text(Lead, "title"),
        # nearly every address is distinct: checked over the whole column, not per value
        "email": replace(parsing.email("email"), cheap=True),
        "phone": parsing.model_text(Lead, "phone"),
        "industry": industry_parser(),
        "region": parsing.mapped(
            "region",
            region_keys,
            region_ids,
            dtype=pl.Int64(),
            case_insensitive=True,
            message=_("region: unknown or ambiguous region (use the region code)"),
        ),
        "source": parsing.model_text(Lead, "source"),
        "owner": user_parser("owner", user_lookup(context.organization.pk)),
        "created_at": parsing.moment("created_at", time_zone=time_zone),
        "mql_at": parsing.moment("mql_at", time_zone=time_zone),
    }


def check_rows(raw: pl.DataFrame, context: ImportContext) -> pl.DataFrame:
    checks = Checks()
    checked = checks.parse(raw, parsers(context))
    email_length = Lead._meta.get_field("email").max_length or 254
    checked = checked.with_columns(
        checks.error("lead_id", duplicate_error("lead_id")),
        checks.error("email", parsing.too_long("email", email_length)),
        checks.error(
            "company_name",
            parsing.first_error(
                (
                    pl.col("company_name").is_null() & pl.col("contact_name").is_null(),
                    _("company_name or contact_name is required"),
                )
            ),
        ),
    )
    users = user_lookup(context.organization.pk).select(
        pl.col("id").alias("owner"), pl.col("team_id")
    )
    return (
        checks.summarise(checked)
        .join(users, on="owner", how="left", maintain_order="left")
        .rename({"lead_id": "external_id", "region": "region_id", "owner": "owner_id"})
        .with_columns(pl.col(name).fill_null("") for name in TEXT)
    )


def with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    return rules.with_keys(
        frame, email="email", phone="phone", company="company_name", contact="contact_name"
    )


def stored_leads(context: ImportContext, keys: pl.Series, fields: list[str]) -> pl.DataFrame:
    """The stored leads of the file's ids: the compared fields and whether they are MQL."""
    schema: dict[str, pl.DataType] = {"external_id": pl.String(), "id": pl.Int64()}
    for name in fields:
        schema[name] = pl.Int64() if name.endswith("_id") else pl.String()
    schema["stored_mql"] = pl.Int64()
    leads = Lead.objects.filter(organization=context.organization)
    if not leads.exists():  # the first list of an organization: no ids to send
        return pl.DataFrame(schema=schema)
    leads = leads.annotate(
        stored_mql=Case(When(mql_at__isnull=True, then=Value(0)), default=Value(1))
    )
    return stored(leads, "external_id", keys, schema)


def lead_matches(context: ImportContext, new: pl.DataFrame, key: str) -> pl.DataFrame:
    """``key → lead id`` (the oldest not-merged lead) for the keys of ``new``."""
    found = stored(
        Lead.objects.filter(organization=context.organization).exclude(status=LeadStatus.MERGED),
        key,
        new[key],
        {key: pl.String(), "id": pl.Int64()},
    )
    return found.group_by(key).agg(pl.col("id").min().alias(f"lead_{key}"))


def contact_keys(context: ImportContext) -> pl.DataFrame:
    """Every contact of the organization with its match keys (one read)."""
    contact, company = quote(Contact._meta.db_table), quote(Company._meta.db_table)
    frame = writers.read_sql(
        f"SELECT c.id, c.email, c.phone, o.name, c.name FROM {contact} c"
        f" JOIN {company} o ON o.id = c.company_id WHERE c.organization_id = %s",
        [context.organization.pk],
        {
            "id": pl.Int64(),
            "email": pl.String(),
            "phone": pl.String(),
            "company_name": pl.String(),
            "contact_name": pl.String(),
        },
    )
    return with_keys(frame).select("id", *KEYS)


def find_duplicates(context: ImportContext, new: pl.DataFrame) -> pl.DataFrame:
    """Add to the new rows: ``_dup_lead`` (a stored lead), ``_dup_contact`` (a contact),
    ``_dup_row`` (an earlier row of the file that is created) and ``_match`` (the key)."""
    if new.height == 0:
        return new.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("_dup_lead"),
            pl.lit(None, dtype=pl.Int64).alias("_dup_contact"),
            pl.lit(None, dtype=pl.Int64).alias("_dup_row"),
            pl.lit(None, dtype=pl.String).alias("_match"),
        )
    frame = new
    contacts = contact_keys(context)
    # the first list imported into an organization has nothing stored to match
    has_leads = Lead.objects.filter(organization=context.organization).exists()
    for key in KEYS:
        if has_leads:
            frame = frame.join(
                lead_matches(context, new, key), on=key, how="left", maintain_order="left"
            )
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(f"lead_{key}"))
        by_contact = (
            contacts.filter(pl.col(key).is_not_null())
            .group_by(key)
            .agg(pl.col("id").min().alias(f"contact_{key}"))
        )
        frame = frame.join(by_contact, on=key, how="left", maintain_order="left")
    # the earliest row of the file with the same key, for the three keys at once (in parallel)
    frame = frame.with_columns(pl.col(ROW).min().over(key).alias(f"first_{key}") for key in KEYS)
    frame = frame.with_columns(
        pl.when(pl.col(key).is_not_null() & (pl.col(f"first_{key}") < pl.col(ROW)))
        .then(pl.col(f"first_{key}"))
        .alias(f"row_{key}")
        for key in KEYS
    ).drop(f"first_{key}" for key in KEYS)

    def first_of(prefix: str) -> pl.Expr:
        return pl.coalesce([pl.col(f"{prefix}_{key}") for key in KEYS])

    def key_of(prefix: str) -> pl.Expr:
        expression = pl.lit(None, dtype=pl.String)
        for key in reversed(KEYS):
            expression = (
                pl.when(pl.col(f"{prefix}_{key}").is_not_null())
                .then(pl.lit(MATCH[key].value))
                .otherwise(expression)
            )
        return expression

    # A stored lead beats a contact, which beats an earlier row of the file.
    frame = frame.with_columns(
        first_of("lead").alias("_dup_lead"),
        pl.when(first_of("lead").is_null()).then(first_of("contact")).alias("_dup_contact"),
        pl.when(first_of("lead").is_null() & first_of("contact").is_null())
        .then(pl.min_horizontal([pl.col(f"row_{key}") for key in KEYS]))
        .alias("_dup_row"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("_dup_lead").is_not_null())
        .then(key_of("lead"))
        .when(pl.col("_dup_contact").is_not_null())
        .then(key_of("contact"))
        .when(pl.col("_dup_row").is_not_null())
        .then(
            pl.coalesce(
                [
                    pl.when(pl.col(f"row_{key}") == pl.col("_dup_row")).then(
                        pl.lit(MATCH[key].value)
                    )
                    for key in KEYS
                ]
            )
        )
        .alias("_match")
    ).drop([f"{prefix}_{key}" for prefix in ("lead", "contact", "row") for key in KEYS])
    return resolve_chains(frame)


def resolve_chains(frame: pl.DataFrame) -> pl.DataFrame:
    """A row that duplicates an earlier row which is itself a duplicate points at what that
    row points at (a stored lead, a contact, or the first created row)."""
    for _round in range(8):
        targets = frame.filter(
            pl.col("_dup_lead").is_not_null()
            | pl.col("_dup_contact").is_not_null()
            | pl.col("_dup_row").is_not_null()
        ).select(
            pl.col(ROW).alias("_dup_row"),
            pl.col("_dup_lead").alias("_t_lead"),
            pl.col("_dup_contact").alias("_t_contact"),
            pl.col("_dup_row").alias("_t_row"),
        )
        joined = frame.join(targets, on="_dup_row", how="left", maintain_order="left")
        chained = joined["_t_lead"].is_not_null() | joined["_t_contact"].is_not_null()
        chained = chained | joined["_t_row"].is_not_null()
        if not chained.any():
            return frame
        frame = joined.with_columns(
            pl.coalesce("_dup_lead", "_t_lead").alias("_dup_lead"),
            pl.coalesce("_dup_contact", "_t_contact").alias("_dup_contact"),
            pl.when(pl.col("_t_lead").is_not_null() | pl.col("_t_contact").is_not_null())
            .then(pl.lit(None, dtype=pl.Int64))
            .otherwise(pl.coalesce("_t_row", "_dup_row"))
            .alias("_dup_row"),
        ).drop("_t_lead", "_t_contact", "_t_row")
    return frame


def plan(raw: pl.DataFrame, context: ImportContext) -> Plan:
    raw, present, ignored = ensure_columns(raw, required=REQUIRED, optional=OPTIONAL)
    checked = check_rows(raw, context)
    fields = [
        db_column
        for name in OPTIONAL
        if name in present and name not in ("created_at", "mql_at")
        for db_column in DB_COLUMNS.get(name, [name])
    ]
    key_columns = [key for key in KEYS if all(name in present for name in KEY_SOURCES[key])]
    good = with_keys(checked.filter(~pl.col(BAD)))
    existing = stored_leads(context, good["external_id"], fields)
    classified = writers.classify(
        good.select(ROW, "external_id", *ROW_COLUMNS, "created_at", "mql_at", *KEYS),
        existing.drop("stored_mql"),
        key="external_id",
        fields=fields,
    ).join(
        existing.select("external_id", "stored_mql"),
        on="external_id",
        how="left",
        maintain_order="left",
    )
    new = find_duplicates(context, classified.filter(pl.col(writers.STATUS) == writers.CREATED))
    is_duplicate = (
        pl.col("_dup_lead").is_not_null()
        | pl.col("_dup_contact").is_not_null()
        | pl.col("_dup_row").is_not_null()
    )
    created = new.filter(~is_duplicate)
    duplicates = new.filter(is_duplicate)
    stored_rows = classified.filter(pl.col(writers.STATUS) != writers.CREATED)
    updated = stored_rows.filter(pl.col(writers.STATUS) == writers.UPDATED)
    # an mql_at in the file marks a stored lead that is not an MQL yet
    newly_mql = stored_rows.filter(pl.col("mql_at").is_not_null() & (pl.col("stored_mql") == 0))
    result = Plan(
        rows=raw.height,
        rejects=rejected_rows(raw, checked),
        ignored_columns=ignored,
        created=created.height,
        updated=updated.height,
        unchanged=stored_rows.height - updated.height,
        duplicates=duplicates.height,
    )
    result.write_rows = created.height + updated.height + duplicates.height

    def write() -> list[int]:
        return write_leads(
            context,
            created=created,
            updated=updated,
            duplicates=duplicates,
            newly_mql=newly_mql,
            fields=fields,
            key_columns=key_columns,
        )

    result.write = write
    return result


def db_moment(column: str) -> pl.Expr:
    """An aware UTC moment as the text each database stores (SQLite: naive UTC)."""
    pattern = "%Y-%m-%d %H:%M:%S+00:00" if is_postgres() else "%Y-%m-%d %H:%M:%S"
    return pl.col(column).dt.strftime(pattern)


def write_leads(
    context: ImportContext,
    *,
    created: pl.DataFrame,
    updated: pl.DataFrame,
    duplicates: pl.DataFrame,
    newly_mql: pl.DataFrame,
    fields: list[str],
    key_columns: list[str],
) -> list[int]:
    context.progress.phase(_("Writing"), created.height + updated.height + duplicates.height)
    now = writers.db_now()
    steps = context.steps
    bulk = writers.bulk_loads({Lead: created.height})
    with writers.foreign_keys_deferred(bulk, steps):
        # in key order, the unique (organization, external_id) index is appended to
        created = writers.with_new_ids(Lead, created.sort("external_id"))
        frame = created.select(
            "id",
            "external_id",
            *ROW_COLUMNS,
            *KEYS,
            db_moment("created_at").fill_null(pl.lit(now)).alias("created_at"),
            db_moment("mql_at").alias("mql_at"),
            pl.when(pl.col("mql_at").is_not_null())
            .then(pl.lit(MqlSource.IMPORT.value))
            .otherwise(pl.lit(""))
            .alias("mql_source"),
        )
        # a column the same in every row (no mql_at in the list) is written as a constant
        constants: dict[str, object] = {
            "organization_id": context.organization.pk,
            **context.provenance,
        }
        if created["mql_at"].null_count() == created.height:
            frame = frame.drop("mql_at", "mql_source")
            constants |= {"mql_at": None, "mql_source": ""}
        # the partial indexes over columns new leads leave empty (company, contact, merged
        # into) gain no row from the load: kept, not rebuilt by a scan of the table
        empty = writers.partial_indexes_left_empty(Lead, frame.columns, constants)
        with writers.indexes_deferred(Lead, bulk, steps, keep=empty):
            steps.run(
                "insert",
                lambda: writers.insert_frame(
                    Lead, frame, context.progress, constants=constants, bulk=Lead in bulk
                ),
            )
            # before the indexes are built: the UPDATE of the new leads maintains none of them
            steps.run("MQL rules", lambda: mark_new_leads(context, created))
        with steps.timed("update"):
            writers.update_frame(Lead, updated.select("id", *fields, *key_columns))
            context.progress.advance(updated.height)
            writers.audit_frame(
                context.audit,
                Lead,
                AuditEvent.Action.IMPORT_UPDATE,
                updated,
                label="external_id",
            )
            write_mql_marks(context, newly_mql)
        steps.run("duplicates", lambda: write_duplicates(context, duplicates, created))
    stored_ids = sorted({*updated["id"].to_list(), *newly_mql["id"].to_list()})
    _after_import(context, created=created.select("id", "owner_id"), stored_ids=stored_ids)
    return []


def mark_new_leads(context: ImportContext, created: pl.DataFrame) -> int:
    """The marketing rules on the leads just created, named by their id range. In a bulk
    load the lead table is held exclusively (its indexes are dropped), so the rules' UPDATE
    pauses the roll-up's trigger on PostgreSQL too."""
    from patron.funnel.services import mql_rules_apply

    if created.height == 0:
        return 0
    return mql_rules_apply(
        organization=context.organization,
        created_ids=created_range(created),
    )


def write_mql_marks(context: ImportContext, leads: pl.DataFrame) -> None:
    """Stored leads that the file marks as MQL (``mql_at``), with their audit events."""
    if leads.height == 0:
        return
    writers.update_frame(
        Lead,
        leads.select(
            "id",
            db_moment("mql_at").alias("mql_at"),
            pl.lit(MqlSource.IMPORT.value).alias("mql_source"),
        ),
    )
    writers.audit_frame(
        context.audit,
        Lead,
        AuditEvent.Action.IMPORT_UPDATE,
        leads.with_columns(
            pl.format(
                '{{"mql_at":[null,"{}"],"mql_source":[null,"{}"]}}',
                pl.col("mql_at").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                pl.lit(MqlSource.IMPORT.value),
            ).alias(writers.CHANGES)
        ),
        label="external_id",
    )


def write_duplicates(
    context: ImportContext, duplicates: pl.DataFrame, created: pl.DataFrame
) -> None:
    """One LeadDuplicate per duplicate row, linked to its match (a row of the file: the lead
    that row created)."""
    if duplicates.height == 0:
        return
    row_leads = created.select(pl.col(ROW).alias("_dup_row"), pl.col("id").alias("_row_lead"))
    kept = [name for name in DUPLICATE_VALUES if name in duplicates.columns]
    duplicates = duplicates.join(row_leads, on="_dup_row", how="left", maintain_order="left")
    duplicates = duplicates.with_columns(pl.coalesce("_dup_lead", "_row_lead").alias("_lead"))
    # a row recorded before (an earlier import of the same file) with the same match is not
    # recorded again, whatever became of it
    known = stored(
        LeadDuplicate.objects.filter(organization=context.organization),
        "external_id",
        duplicates["external_id"],
        {
            "external_id": pl.String(),
            "matched_lead_id": pl.Int64(),
            "matched_contact_id": pl.Int64(),
        },
    ).rename({"matched_lead_id": "_lead", "matched_contact_id": "_dup_contact"})
    duplicates = duplicates.join(
        known, on=["external_id", "_lead", "_dup_contact"], how="anti", nulls_equal=True
    )
    if duplicates.height == 0:
        return
    frame = duplicates.select(
        pl.col(ROW).alias("row"),
        "external_id",
        pl.struct(
            [
                pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").alias(name)
                if name == "created_at"
                else pl.col(name)
                for name in kept
            ]
        )
        .struct.json_encode()
        .alias("values"),
        pl.col("_lead").alias("matched_lead_id"),
        pl.col("_dup_contact").alias("matched_contact_id"),
        pl.col("_match").alias("match_key"),
    )
    writers.insert_frame(
        LeadDuplicate,
        frame,
        context.progress,
        constants={
            "organization_id": context.organization.pk,
            "import_run_id": context.run_id,
            "status": DuplicateStatus.OPEN.value,
        },
    )


RESCORE_BY_LEAD = 10_000  # past this many leads, re-score their owners' lists whole


def _after_import(context: ImportContext, *, created: pl.DataFrame, stored_ids: list[int]) -> None:
    """What follows an import of leads, for the leads it created (``created``: their ids and
    owners) or changed (``stored_ids``), each step timed in ``context.steps``.

    The consequences of an import, all set-wise: MQL marking by the marketing rules of the
    stored leads it changed (the new ones were marked right after their insert, see
    :func:`mark_new_leads`), the first hunter touch of leads that arrived as MQLs, and the
    leads' scores on their owners' prospect lists. A lead created just now has a new id: no
    activity names it yet (so it has no first touch) and no prospect list holds it.
    """
    from patron.funnel.services import mql_rules_apply

    lead_ids = sorted({*created["id"].to_list(), *stored_ids})
    if not lead_ids:
        return
    organization = context.organization
    if stored_ids:
        context.steps.run(
            "MQL rules",
            lambda: mql_rules_apply(
                organization=organization, lead_ids=stored_ids, refresh_touches=False
            ),
        )
        # every stored lead it changed, those the rules just marked included
        context.steps.run(
            "first touch",
            lambda: first_touch_refresh(organization=organization, lead_ids=stored_ids),
        )
    context.steps.run("re-score", lambda: _rescore(context, created, stored_ids, lead_ids))


def created_range(created: pl.DataFrame) -> range | list[int]:
    """The ids of the leads an import created: the range ``with_new_ids`` reserved (no list
    of a million ids to send), or the ids themselves if they are not consecutive."""
    ids = created["id"]
    if ids.is_empty():
        return []
    first, last = int(ids.min()), int(ids.max())  # type: ignore[arg-type]
    if last - first + 1 == ids.n_unique():
        return range(first, last + 1)
    return ids.to_list()


def _rescore(
    context: ImportContext, created: pl.DataFrame, stored_ids: list[int], lead_ids: list[int]
) -> None:
    from patron.prospecting.models import LeadScore
    from patron.prospecting.services import leads_rescore

    if len(lead_ids) <= RESCORE_BY_LEAD:
        leads_rescore(organization=context.organization, lead_ids=lead_ids)
        return
    # a big list: re-score its owners' whole lists set-wise instead of naming every lead
    owners = set(created["owner_id"].drop_nulls().unique().to_list())
    if stored_ids:
        changed = Lead.objects.filter(pk__in=in_values(stored_ids))
        owners.update(
            changed.filter(owner__isnull=False)
            .order_by()
            .values_list("owner_id", flat=True)
            .distinct()
        )
        # a lead that changed hands leaves its former owner's list first
        LeadScore.objects.filter(lead_id__in=in_values(stored_ids)).filter(
            Q(lead__owner__isnull=True) | ~Q(seller_id=F("lead__owner_id"))
        ).delete()
    leads_rescore(organization=context.organization, seller_ids=sorted(owners))
