"""Every write of prospecting data. Each audits in the same transaction and calls the re-score
hook it implies explicitly (no signals): a profile or synonym change re-scores the seller's
list, a trigger event the leads it touches, an involvement its lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.audit import audit_record, jsonable
from patron.core.errors import ValidationFailed
from patron.core.models import AuditEvent, Organization
from patron.core.records import record_create, record_update
from patron.prospecting import score_inputs, scoring
from patron.prospecting.choices import Dimension, TriggerType
from patron.prospecting.models import (
    IcpProfile,
    IcpProfileVersion,
    IcpTarget,
    LeadInvolvement,
    TitleSynonym,
    TriggerEvent,
)
from patron.prospecting.rules import normalize_title
from patron.prospecting.synonyms import SEED_SYNONYMS
from patron.prospecting.target_changes import affected_leads
from patron.prospecting.validation import check_trigger_days, check_weight, clean_target_values

# a target as given to profile_save: (value, own priority or None)
TargetSpec = tuple[str, int | None]
WEIGHT_FIELDS = {
    "industry": "industry_weight",
    "title": "title_weight",
    "territory": "territory_weight",
    "trigger": "trigger_weight",
}


# --- re-scoring (the hooks other apps call) -------------------------------------------------


def score_seller(*, seller: User, today: dt.date | None = None) -> int:
    """Score and rank every lead owned by ``seller``; returns the number of scored leads."""
    return scoring.score_seller(seller_id=seller.pk, today=today)


def leads_rescore(
    *,
    organization: Organization,
    lead_ids: Iterable[int] | None = None,
    seller_ids: Iterable[int] | None = None,
    industries: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> int:
    """Re-score after a change: the lists of ``seller_ids`` (only their leads in
    ``industries`` when given) and/or just ``lead_ids`` (for whichever seller owns each
    now). Lead import and edits, orders, opportunities and companies call this."""
    return scoring.rescore(
        organization_id=organization.pk,
        lead_ids=None if lead_ids is None else list(lead_ids),
        seller_ids=None if seller_ids is None else list(seller_ids),
        industries=None if industries is None else [value for value in industries if value],
        today=today,
    )


def industry_won_rescore(
    *, organization: Organization, seller_ids: Iterable[int], company_ids: Iterable[int]
) -> int:
    """After an order or a won opportunity: the sellers' leads in the companies' industries
    (the "+1 won in that industry" term)."""
    from patron.companies.models import Company

    industries = set(
        Company.objects.filter(pk__in=list(company_ids)).values_list("industry", flat=True)
    )
    industries.discard("")
    sellers = set(
        IcpProfile.objects.filter(seller_id__in=[pk for pk in seller_ids if pk]).values_list(
            "seller_id", flat=True
        )
    )
    if not industries or not sellers:
        return 0
    return leads_rescore(organization=organization, seller_ids=sellers, industries=industries)


def reference_changed_rescore(*, organization: Organization, industries: Iterable[str]) -> int:
    """After a company became (or stopped being) a reference: every list's leads in its
    industry (the "+1 reference customer in that industry" term)."""
    industries = [value for value in industries if value]
    sellers = list(
        IcpProfile.objects.filter(organization=organization).values_list("seller_id", flat=True)
    )
    if not industries or not sellers:
        return 0
    return leads_rescore(organization=organization, seller_ids=sellers, industries=industries)


def _rescore(organization_id: int, **kwargs: Any) -> None:
    """Re-score in the caller's transaction: the list never shows a stale score."""
    scoring.rescore(organization_id=organization_id, **kwargs)


# --- ICP profiles ---------------------------------------------------------------------------


def profile_get_or_create(*, seller: User) -> IcpProfile:
    profile, _created = IcpProfile.objects.get_or_create(
        seller=seller, defaults={"organization_id": seller.organization_id}
    )
    return profile


def _clean_targets(dimension: str, targets: Sequence[TargetSpec]) -> list[TargetSpec]:
    return clean_target_values(dimension, targets)


def profile_snapshot(profile: IcpProfile) -> dict[str, Any]:
    return {
        "trigger_days": profile.trigger_days,
        "weights": {name: getattr(profile, field) for name, field in WEIGHT_FIELDS.items()},
        "targets": [
            {"dimension": target.dimension, "value": target.value, "priority": target.priority}
            for target in profile.targets.order_by("dimension", "id")
        ],
    }


@transaction.atomic
def profile_save(
    *,
    seller: User,
    weights: Mapping[str, int] | None = None,
    targets: Mapping[str, Sequence[TargetSpec]] | None = None,
    trigger_days: int | None = None,
    note: str = "",
    actor: User | None = None,
    rescore: bool = True,
) -> IcpProfile:
    """Change a seller's profile. ``targets`` maps a dimension to its complete new list of
    (value, priority); dimensions left out keep theirs. A fourth industry or title, an unknown
    value, or a weight outside 0–2 is refused naming the field, and nothing changes. An
    accepted change writes a new IcpProfileVersion and re-scores the seller's list."""
    profile = profile_get_or_create(seller=seller)
    profile = IcpProfile.objects.select_for_update().get(pk=profile.pk)
    original = profile_snapshot(profile)
    values: dict[str, Any] = {}
    for name, weight in (weights or {}).items():
        if name not in WEIGHT_FIELDS:
            raise ValidationFailed(
                _("weights: unknown dimension %(name)s") % {"name": name},
                {"weights": _("unknown dimension %(name)s") % {"name": name}},
            )
        values[WEIGHT_FIELDS[name]] = check_weight(name, weight)
    if trigger_days is not None:
        values["trigger_days"] = check_trigger_days(trigger_days)
    cleaned: dict[str, list[TargetSpec]] = {}
    for dimension, specs in (targets or {}).items():
        if dimension not in Dimension.values:
            raise ValidationFailed(
                _("targets: unknown dimension %(name)s") % {"name": dimension},
                {"targets": _("unknown dimension %(name)s") % {"name": dimension}},
            )
        cleaned[dimension] = _clean_targets(dimension, specs)
    changes: dict[str, list[Any]] = {}
    if values:
        record_update(
            profile,
            values,
            allowed=(*WEIGHT_FIELDS.values(), "trigger_days"),
            unique_field="seller",
        )
        profile.refresh_from_db()
    before = profile_snapshot(profile)
    for dimension, specs in cleaned.items():
        old = [
            (item["value"], item["priority"])
            for item in before["targets"]
            if item["dimension"] == dimension
        ]
        if old == specs:
            continue
        profile.targets.filter(dimension=dimension).delete()
        IcpTarget.objects.bulk_create(
            IcpTarget(
                organization_id=profile.organization_id,
                profile=profile,
                dimension=dimension,
                value=value,
                priority=priority,
            )
            for value, priority in specs
        )
        changes[f"targets.{dimension}"] = [
            [list(item) for item in old],
            [list(item) for item in specs],
        ]
    snapshot = profile_snapshot(profile)
    latest = profile.versions.order_by("-number").first()
    if latest is not None and latest.snapshot == snapshot:
        return profile
    number = profile.version + 1
    IcpProfile.objects.filter(pk=profile.pk).update(version=number)
    profile.version = number
    IcpProfileVersion.objects.create(
        organization_id=profile.organization_id,
        profile=profile,
        number=number,
        created_by=actor,
        note=note[:300],
        snapshot=snapshot,
    )
    if changes:
        changes["version"] = [number - 1, number]
        audit_record(profile, AuditEvent.Action.UPDATE, changes)
    if rescore:
        _profile_rescore(profile, original, snapshot)
    return profile


def _profile_rescore(profile: IcpProfile, before: dict[str, Any], after: dict[str, Any]) -> None:
    """New weights or priorities: applied from the stored matches; new target values: only
    the leads holding a changed value are scored again (the whole list when all may change)."""
    if scoring.points_only_change(before, after):
        scoring.reweigh(profile)
        return
    condition = affected_leads(
        before,
        after,
        synonyms=score_inputs.synonym_map(profile.organization_id),
        seller_id=profile.seller_id,
        organization_id=profile.organization_id,
    )
    scoring.score_seller(seller_id=profile.seller_id, condition=condition)


# --- title synonyms -------------------------------------------------------------------------


def _synonym_keys(canonical: str, variant: str) -> dict[str, str]:
    canonical_key, variant_key = normalize_title(canonical), normalize_title(variant)
    if not canonical_key:
        raise ValidationFailed(
            _("canonical: a title is needed"), {"canonical": _("a title is needed")}
        )
    if not variant_key:
        raise ValidationFailed(_("variant: a title is needed"), {"variant": _("a title is needed")})
    if canonical_key == variant_key:
        reason = _("the variant is the canonical title itself")
        raise ValidationFailed(f"variant: {reason}", {"variant": reason})
    return {"canonical_key": canonical_key, "variant_key": variant_key}


def _rescore_title_sellers(organization_id: int) -> None:
    seller_ids = list(
        IcpProfile.objects.filter(
            organization_id=organization_id, targets__dimension=Dimension.TITLE
        )
        .values_list("seller_id", flat=True)
        .distinct()
    )
    if seller_ids:
        _rescore(organization_id, seller_ids=seller_ids)


def _check_variant_free(organization_id: int, variant_key: str, exclude_pk: int | None) -> None:
    clash = TitleSynonym.objects.filter(organization_id=organization_id, variant_key=variant_key)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        reason = _("this variant already has a synonym")
        raise ValidationFailed(f"variant: {reason}", {"variant": reason})


@transaction.atomic
def synonym_create(*, organization: Organization, canonical: str, variant: str) -> TitleSynonym:
    keys = _synonym_keys(canonical, variant)
    _check_variant_free(organization.pk, keys["variant_key"], None)
    synonym = TitleSynonym(
        organization=organization, canonical=canonical.strip(), variant=variant.strip(), **keys
    )
    record_create(
        synonym,
        {"canonical": synonym.canonical, "variant": synonym.variant},
        allowed=("canonical", "variant"),
    )
    _rescore_title_sellers(organization.pk)
    return synonym


@transaction.atomic
def synonym_update(
    *, synonym: TitleSynonym, canonical: str | None = None, variant: str | None = None
) -> TitleSynonym:
    canonical = synonym.canonical if canonical is None else canonical.strip()
    variant = synonym.variant if variant is None else variant.strip()
    keys = _synonym_keys(canonical, variant)
    _check_variant_free(synonym.organization_id, keys["variant_key"], synonym.pk)

    def set_keys(original: TitleSynonym) -> None:
        original.canonical_key = keys["canonical_key"]
        original.variant_key = keys["variant_key"]

    updated = record_update(
        synonym,
        {"canonical": canonical, "variant": variant},
        allowed=("canonical", "variant"),
        unique_field="variant_key",
        before_save=set_keys,
    )
    _rescore_title_sellers(synonym.organization_id)
    return updated


@transaction.atomic
def synonym_delete(*, synonym: TitleSynonym) -> None:
    audit_record(
        synonym,
        AuditEvent.Action.DELETE,
        {"canonical": [synonym.canonical, None], "variant": [synonym.variant, None]},
    )
    organization_id = synonym.organization_id
    synonym.delete()
    _rescore_title_sellers(organization_id)


@transaction.atomic
def synonyms_seed(*, organization: Organization) -> int:
    """Add the built-in English and Chinese title synonyms that are missing; returns how many."""
    existing = set(
        TitleSynonym.objects.filter(organization=organization).values_list("variant_key", flat=True)
    )
    rows = []
    for canonical, variants in SEED_SYNONYMS:
        canonical_key = normalize_title(canonical)
        for variant in variants:
            variant_key = normalize_title(variant)
            if variant_key in existing or variant_key == canonical_key:
                continue
            existing.add(variant_key)
            rows.append(
                TitleSynonym(
                    organization=organization,
                    canonical=canonical,
                    variant=variant,
                    canonical_key=canonical_key,
                    variant_key=variant_key,
                )
            )
    TitleSynonym.objects.bulk_create(rows)
    return len(rows)


# --- trigger events -------------------------------------------------------------------------

TRIGGER_FIELDS = ("company", "lead", "type", "occurred_on", "source_url", "note")


def _trigger_lead_ids(event: TriggerEvent) -> list[int]:
    from patron.leads.models import Lead

    ids: list[int] = []
    if event.lead_id is not None:
        ids.append(event.lead_id)
    if event.company_id is not None:
        ids.extend(Lead.objects.filter(company_id=event.company_id).values_list("id", flat=True))
    return ids


def _check_trigger(values: Mapping[str, Any]) -> None:
    kind = values.get("type")
    if kind is not None and kind not in TriggerType.values:
        reason = _("unknown trigger type %(value)s") % {"value": kind}
        raise ValidationFailed(f"type: {reason}", {"type": reason})


def _check_subject(organization_id: int, company: Any, lead: Any) -> None:
    if company is None and lead is None:
        reason = _("a company or a lead is needed")
        raise ValidationFailed(f"company: {reason}", {"company": reason})
    for name, subject in (("company", company), ("lead", lead)):
        if subject is not None and subject.organization_id != organization_id:
            reason = _("not found")
            raise ValidationFailed(f"{name}: {reason}", {name: reason})


@transaction.atomic
def trigger_event_create(
    *,
    organization: Organization,
    type: str,
    occurred_on: dt.date,
    company: Any = None,
    lead: Any = None,
    source_url: str = "",
    note: str = "",
    created_by: User | None = None,
) -> TriggerEvent:
    values = {
        "company": company,
        "lead": lead,
        "type": type,
        "occurred_on": occurred_on,
        "source_url": source_url,
        "note": note,
    }
    _check_trigger(values)
    _check_subject(organization.pk, company, lead)
    event = TriggerEvent(organization=organization, created_by=created_by, **values)
    record_create(event, values, allowed=TRIGGER_FIELDS)
    _rescore(organization.pk, lead_ids=_trigger_lead_ids(event))
    return event


@transaction.atomic
def trigger_event_update(*, event: TriggerEvent, **values: Any) -> TriggerEvent:
    _check_trigger(values)
    before = _trigger_lead_ids(event)
    _check_subject(
        event.organization_id,
        values.get("company", event.company),
        values.get("lead", event.lead),
    )
    updated = record_update(event, values, allowed=TRIGGER_FIELDS, unique_field="id")
    lead_ids = sorted(set(before) | set(_trigger_lead_ids(updated)))
    _rescore(event.organization_id, lead_ids=lead_ids)
    return updated


@transaction.atomic
def trigger_event_delete(*, event: TriggerEvent) -> None:
    lead_ids = _trigger_lead_ids(event)
    audit_record(
        event,
        AuditEvent.Action.DELETE,
        {name: [jsonable(getattr(event, name)), None] for name in TRIGGER_FIELDS},
    )
    organization_id = event.organization_id
    event.delete()
    _rescore(organization_id, lead_ids=lead_ids)


# --- personal involvement -------------------------------------------------------------------


@transaction.atomic
def involvement_set(*, seller: User, lead: Any, involved: bool) -> bool:
    """Mark (or unmark) ``seller`` as personally involved with ``lead``; True if it changed.
    The +2 counts on the list the lead is on, its owner's (SPEC §5): only the owner can mark
    it. Anyone can take back a mark of their own (say, after the lead changed hands)."""
    existing = LeadInvolvement.objects.filter(seller=seller, lead=lead).first()
    if involved == (existing is not None):
        return False
    if involved and lead.owner_id != seller.pk:
        reason = _("only the lead's owner can mark personal involvement: it counts on their list")
        raise ValidationFailed(f"lead: {reason}", {"lead": reason})
    if involved:
        LeadInvolvement.objects.create(
            organization_id=lead.organization_id, seller=seller, lead=lead
        )
    else:
        assert existing is not None
        existing.delete()
    audit_record(
        lead,
        AuditEvent.Action.UPDATE,
        {"involved_seller": [None if involved else seller.pk, seller.pk if involved else None]},
    )
    _rescore(lead.organization_id, lead_ids=[lead.pk])
    return True
