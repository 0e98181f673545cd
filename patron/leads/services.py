"""Every write to leads. Each records an audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.companies.models import Region
from patron.core.audit import acting_as, actor_for, audit_record
from patron.core.bulk import quote
from patron.core.errors import ValidationFailed
from patron.core.frames import read_frame, update_from_frame
from patron.core.models import AuditEvent, Organization
from patron.core.records import record_create, record_update
from patron.leads import rules
from patron.leads.choices import DuplicateStatus, LeadStatus, MqlSource
from patron.leads.models import Lead, LeadDuplicate
from patron.leads.touches import first_touch_refresh

LEAD_FIELDS = (
    "external_id",
    "company_name",
    "contact_name",
    "title",
    "email",
    "phone",
    "industry",
    "region",
    "source",
    "owner",
    "status",
    "company",
    "contact",
    "created_at",
)


def _team_of(owner: User | None) -> int | None:
    return owner.team_id if owner is not None else None


def set_match_keys(lead: Lead) -> None:
    """The duplicate match keys of ``lead`` from its current fields (patron.leads.rules)."""
    lead.email_key = rules.email_key(lead.email)
    lead.phone_key = rules.phone_key(lead.phone)
    lead.name_key = rules.name_key(lead.company_name, lead.contact_name)


@transaction.atomic
def lead_create(*, organization: Organization, **values: Any) -> Lead:
    lead = Lead(organization=organization, **values)
    lead.team_id = _team_of(values.get("owner"))
    set_match_keys(lead)
    record_create(lead, values, allowed=LEAD_FIELDS, unique_field="external_id")
    _rescore(lead)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, **values: Any) -> Lead:
    def follow_owner(original: Lead) -> None:
        if "owner" in values:
            original.team_id = _team_of(values["owner"])
        set_match_keys(original)

    updated = record_update(
        lead, values, allowed=LEAD_FIELDS, unique_field="external_id", before_save=follow_owner
    )
    _rescore(updated)
    return updated


def _rescore(lead: Lead) -> None:
    """Put the lead's score on its owner's prospect list up to date (SPEC §5)."""
    _rescore_ids(lead.organization, [lead.pk])


def _rescore_ids(organization: Organization, lead_ids: list[int]) -> None:
    from patron.prospecting.services import leads_rescore

    leads_rescore(organization=organization, lead_ids=lead_ids)


@transaction.atomic
def lead_mark_mql(
    *, lead: Lead, source: str = MqlSource.MANUAL, at: dt.datetime | None = None
) -> Lead:
    """Record that ``lead`` became marketing-qualified (once: a second call changes nothing)."""
    if source not in MqlSource.values:
        raise ValidationFailed(
            _("mql_source: unknown value %(value)s") % {"value": source},
            {"mql_source": _("unknown value")},
        )
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationFailed(
            _("mql_at: a moment with a time zone is needed"),
            {"mql_at": _("a moment with a time zone is needed")},
        )
    if lead.mql_at is not None:
        return lead
    lead = record_update(
        lead,
        {"mql_at": at, "mql_source": source},
        allowed=("mql_at", "mql_source"),
        unique_field="external_id",
    )
    first_touch_refresh(organization=lead.organization, lead_ids=[lead.pk])
    lead.refresh_from_db(fields=["first_touch_at"])
    return lead


KEY_SOURCES = ("email", "phone", "company_name", "contact_name")


def lead_keys_refresh(*, organization_id: int | None, lead_ids: list[int] | None = None) -> int:
    """Recompute the stored match keys of leads set-wise (one read, one ``UPDATE … FROM``):
    for leads written without the services (a migration, the demo generator)."""
    table = quote(Lead._meta.db_table)
    where, params = ["1 = 1"], []
    if organization_id is not None:
        where.append("organization_id = %s")
        params.append(organization_id)
    if lead_ids is not None:
        if not lead_ids:
            return 0
        where.append(f"id IN ({', '.join(str(int(lead_id)) for lead_id in lead_ids)})")
    frame = read_frame(
        f"SELECT id, {', '.join(KEY_SOURCES)} FROM {table} WHERE {' AND '.join(where)}",
        {"id": pl.Int64, **dict.fromkeys(KEY_SOURCES, pl.String)},
        params,
    )
    keys = rules.with_keys(
        frame, email="email", phone="phone", company="company_name", contact="contact_name"
    ).select("id", "email_key", "phone_key", "name_key")
    return update_from_frame(Lead._meta.db_table, "id", keys)


# --- duplicates: merge and dismiss ---------------------------------------------------------

MERGE_FILLED = ("company_name", "contact_name", "title", "email", "phone", "industry", "source")


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


def _repoint(model: type[models.Model], field: str, survivor: Lead, duplicate: Lead) -> int:
    """Move the rows of ``model`` that name ``duplicate`` to ``survivor``.

    A row that cannot move because the survivor already has its twin (a unique constraint, e.g.
    a stored per-lead score) is derived data: it is deleted, the survivor's stays.
    """
    rows = model._default_manager.filter(**{field: duplicate})
    try:
        with transaction.atomic():
            return rows.update(**{field: survivor})
    except IntegrityError:
        moved = 0
        for row in rows:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(**{field: survivor})
                    moved += 1
            except IntegrityError:
                row.delete()
        return moved


def _related_leads() -> list[tuple[type[models.Model], str]]:
    """Every foreign key to Lead of any installed model (activities, opportunities, trigger
    events, scores … whatever exists when the merge runs), except the duplicate records."""
    relations = []
    for relation in Lead._meta.related_objects:
        if not relation.one_to_many or relation.related_model is LeadDuplicate:
            continue
        model = relation.related_model
        if isinstance(model, type) and issubclass(model, models.Model):
            relations.append((model, relation.field.name))
    return relations


@transaction.atomic
def lead_merge(*, survivor: Lead, duplicate: Lead, by: User | None, source: str = "web") -> Lead:
    """Merge ``duplicate`` into ``survivor``.

    Everything that names the duplicate (activities, opportunities, trigger events …) is moved
    to the survivor; the survivor's blank fields take the duplicate's values. The duplicate is
    kept, with status "merged" and ``merged_into`` the survivor, so its own audit history stays
    readable and links still resolve. Both records get an audit event.
    """
    if survivor.pk == duplicate.pk:
        raise _invalid("duplicate", _("a lead cannot be merged into itself"))
    if survivor.organization_id != duplicate.organization_id:
        raise _invalid("duplicate", _("the leads belong to different organizations"))
    survivor = Lead.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Lead.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.status == LeadStatus.MERGED or survivor.status == LeadStatus.MERGED:
        raise _invalid("duplicate", _("this lead was already merged"))
    with acting_as(actor_for(by, source)):
        moved: dict[str, int] = {}
        for model, field in _related_leads():
            count = _repoint(model, field, survivor, duplicate)
            if count:
                moved[model._meta.label_lower] = count
        filled = {
            name: getattr(duplicate, name)
            for name in MERGE_FILLED
            if not getattr(survivor, name) and getattr(duplicate, name)
        }
        if survivor.region_id is None and duplicate.region_id is not None:
            filled["region"] = duplicate.region
        if survivor.mql_at is None and duplicate.mql_at is not None:
            filled["mql_at"], filled["mql_source"] = duplicate.mql_at, duplicate.mql_source
        changes = {name: [None, _audit_value(value)] for name, value in filled.items()}
        for name, value in filled.items():
            setattr(survivor, name, value)
        set_match_keys(survivor)
        survivor.save()
        audit_record(
            survivor,
            AuditEvent.Action.UPDATE,
            {**changes, "merged_from": [None, duplicate.pk], "moved": moved},
        )
        old_status = duplicate.status
        duplicate.status = LeadStatus.MERGED
        duplicate.merged_into = survivor
        duplicate.save(update_fields=["status", "merged_into", "updated_at"])
        audit_record(
            duplicate,
            AuditEvent.Action.UPDATE,
            {"status": [old_status, LeadStatus.MERGED.value], "merged_into": [None, survivor.pk]},
        )
        LeadDuplicate.objects.filter(
            status=DuplicateStatus.OPEN, lead=duplicate, matched_lead=survivor
        ).update(status=DuplicateStatus.MERGED, resolved_by=by, resolved_at=timezone.now())
        # the survivor now holds the duplicate's activities; the duplicate leaves the lists
        first_touch_refresh(organization=survivor.organization, lead_ids=[survivor.pk])
        _rescore_ids(survivor.organization, [survivor.pk, duplicate.pk])
    return survivor


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _resolve(duplicate: LeadDuplicate, status: str, by: User | None, lead: Lead | None) -> None:
    duplicate.status = status
    duplicate.resolved_by = by
    duplicate.resolved_at = timezone.now()
    if lead is not None:
        duplicate.lead = lead
    duplicate.save(update_fields=["status", "resolved_by", "resolved_at", "lead", "updated_at"])
    audit_record(
        duplicate,
        AuditEvent.Action.UPDATE,
        {"status": [DuplicateStatus.OPEN.value, status], "lead": [None, duplicate.lead_id]},
    )


def _open(duplicate: LeadDuplicate) -> LeadDuplicate:
    duplicate = LeadDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.status != DuplicateStatus.OPEN:
        raise _invalid("status", _("this duplicate was already resolved"))
    return duplicate


@transaction.atomic
def duplicate_merge(
    *, duplicate: LeadDuplicate, by: User | None, source: str = "web"
) -> Lead | None:
    """Resolve a duplicate as "the same prospect".

    A duplicate lead record (``duplicate.lead``) is merged into the matched lead with
    :func:`lead_merge`. An imported row that was never created fills the matched lead's blank
    fields with its values (audited). A row that matched a contact is linked to it: nothing
    is created. Returns the surviving lead, if any.
    """
    duplicate = _open(duplicate)
    with acting_as(actor_for(by, source)):
        survivor = duplicate.matched_lead
        if duplicate.lead is not None and survivor is not None:
            lead_merge(survivor=survivor, duplicate=duplicate.lead, by=by, source=source)
            survivor.refresh_from_db()
        elif survivor is not None:
            values = duplicate.values or {}
            filled = {
                name: values[name]
                for name in MERGE_FILLED
                if name in values and values[name] and not getattr(survivor, name)
            }
            if filled:
                survivor = lead_update(lead=survivor, **filled)
        _resolve(duplicate, DuplicateStatus.MERGED, by, None)
    return survivor


def _row_values(duplicate: LeadDuplicate) -> dict[str, Any]:
    """The lead fields of an imported row as stored with the duplicate (already validated)."""
    values = duplicate.values or {}
    fields: dict[str, Any] = {name: values.get(name) or "" for name in (*MERGE_FILLED,)}
    for name in ("region_id", "owner_id"):
        if values.get(name) is not None:
            model = User if name == "owner_id" else Region
            fields[name.removesuffix("_id")] = model.objects.get(pk=values[name])
    if values.get("created_at"):
        fields["created_at"] = dt.datetime.fromisoformat(values["created_at"])
    return fields


@transaction.atomic
def duplicate_dismiss(*, duplicate: LeadDuplicate, by: User | None, source: str = "web") -> Lead:
    """Resolve a duplicate as "a different prospect": the row becomes a lead of its own (named
    by the import run as its provenance); a stored duplicate lead simply stays."""
    duplicate = _open(duplicate)
    with acting_as(actor_for(by, source)):
        lead = duplicate.lead
        if lead is None:
            external_id = duplicate.external_id
            taken = Lead.objects.filter(
                organization_id=duplicate.organization_id, external_id=external_id
            ).exists()
            if taken or not external_id:
                external_id = f"{external_id or 'DUP'}-{duplicate.pk}"
            organization = Organization.objects.get(pk=duplicate.organization_id)
            lead = lead_create(
                organization=organization, external_id=external_id, **_row_values(duplicate)
            )
            if duplicate.import_run_id is not None:
                Lead.objects.filter(pk=lead.pk).update(created_by_import_id=duplicate.import_run_id)
        _resolve(duplicate, DuplicateStatus.DISMISSED, by, lead)
    return lead


def duplicates_scan(*, organization: Organization) -> int:
    """Record the open duplicates among stored leads (same key, different lead): the newer
    lead of each pair is the duplicate, the oldest lead with that key the match. Set-wise."""
    table = quote(Lead._meta.db_table)
    duplicates = quote(LeadDuplicate._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    created = 0
    with connection.cursor() as cursor:
        for key in ("email", "phone", "name"):
            column = f"{key}_key"
            cursor.execute(
                f"INSERT INTO {duplicates} (organization_id, created_at, updated_at, external_id,"
                ' row, "values", matched_lead_id, match_key, lead_id, status)'
                f" SELECT d.organization_id, %s, %s, d.external_id, NULL, '{{}}', m.first_id,"
                f" %s, d.id, 'open' FROM {table} d JOIN (SELECT {column} AS k, MIN(id) AS first_id"
                f" FROM {table} WHERE organization_id = %s AND {column} IS NOT NULL"
                f" AND status <> 'merged' GROUP BY {column}) m ON m.k = d.{column}"
                f" WHERE d.organization_id = %s AND d.id <> m.first_id AND d.status <> 'merged'"
                f" AND NOT EXISTS (SELECT 1 FROM {duplicates} x WHERE x.lead_id = d.id"
                " AND x.status = 'open')",
                [now, now, key, organization.pk, organization.pk],
            )
            created += cursor.rowcount
    return created
