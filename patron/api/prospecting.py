"""/prospecting: ICP profiles (SPEC §5), title synonyms, trigger events, personal involvement
and the ranked, explained score list of a seller. The same services and selectors as
``patron score`` and the web pages, so the same validation and the same scope: a seller reads
and edits their own profile and list, a manager their team's, an admin everyone's."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from patron.accounts.models import User
from patron.api.auth import api_user
from patron.api.companies import visible_company
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import (
    MAX_ID,
    InputSchema,
    Page,
    PageQuery,
    PathId,
    Text,
    choice_type,
    omittable,
    paginate,
)
from patron.companies.choices import Industry
from patron.core.errors import ValidationFailed
from patron.leads.selectors import lead_queryset
from patron.prospecting import services
from patron.prospecting.choices import TriggerType
from patron.prospecting.explain import out_reasons_text, region_names_for, term_lines
from patron.prospecting.models import IcpProfile, LeadScore, TitleSynonym, TriggerEvent
from patron.prospecting.selectors import (
    ScoreFilter,
    profile_get,
    score_list,
    seller_get,
    synonym_get,
    synonym_list,
    trigger_event_get,
    trigger_event_list,
)

if TYPE_CHECKING:
    IndustryValue = str
    TriggerValue = str
else:
    IndustryValue = choice_type(Industry)
    TriggerValue = choice_type(TriggerType)

router = Router(tags=["prospecting"])

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
MAX_LIST = 50  # a bound on input size; the 3-value limits are checked by the services


class SellerQuery(Schema):
    seller: Text | None = omittable(max_length=150, description="username (default: the caller)")


def _seller(user: User, username: str | None) -> User:
    return seller_get(user, username=username)


# --- profiles -------------------------------------------------------------------------------


class TargetOut(Schema):
    value: str
    priority: int | None = Field(description="0–2; null: the dimension's weight")


class WeightsOut(Schema):
    industry: int
    title: int
    territory: int
    trigger: int


class ProfileOut(Schema):
    seller: str
    version: int
    trigger_days: int
    weights: WeightsOut
    industries: list[TargetOut]
    titles: list[TargetOut]
    territories: list[TargetOut] = Field(
        description="region codes (a region includes its sub-regions)"
    )
    trigger_types: list[TargetOut]


class TargetIn(InputSchema):
    value: Text = Field(min_length=1, max_length=150)
    priority: int | None = Field(None, ge=0, le=2, description="0–2; null: the dimension's weight")


class WeightsIn(InputSchema):
    industry: int = omittable(ge=0, le=2)
    title: int = omittable(ge=0, le=2)
    territory: int = omittable(ge=0, le=2)
    trigger: int = omittable(ge=0, le=2)


class ProfileIn(InputSchema):
    trigger_days: int = omittable(ge=1, le=3650)
    weights: WeightsIn = omittable()
    industries: list[TargetIn] = omittable(max_length=MAX_LIST, description="at most 3")
    titles: list[TargetIn] = omittable(max_length=MAX_LIST, description="at most 3")
    territories: list[TargetIn] = omittable(max_length=MAX_LIST, description="region codes")
    trigger_types: list[TargetIn] = omittable(max_length=MAX_LIST)
    note: Text = omittable(max_length=300)


DIMENSION_OF = {
    "industries": "industry",
    "titles": "title",
    "territories": "territory",
    "trigger_types": "trigger",
}


def profile_out(seller: User, profile: IcpProfile | None) -> dict[str, Any]:
    targets: dict[str, list[dict[str, Any]]] = {name: [] for name in DIMENSION_OF}
    field_of = {dimension: name for name, dimension in DIMENSION_OF.items()}
    if profile is None:
        profile = IcpProfile(seller=seller)
    else:
        for target in profile.targets.all():
            targets[field_of[target.dimension]].append(
                {"value": target.value, "priority": target.priority}
            )
    return {
        "seller": seller.username,
        "version": profile.version,
        "trigger_days": profile.trigger_days,
        "weights": {
            "industry": profile.industry_weight,
            "title": profile.title_weight,
            "territory": profile.territory_weight,
            "trigger": profile.trigger_weight,
        },
        **targets,
    }


@router.get("/profile", response={200: ProfileOut, **READ_ERRORS}, summary="Get an ICP profile")
def get_profile(request: HttpRequest, query: Query[SellerQuery]) -> dict[str, Any]:
    user = api_user(request)
    seller = _seller(user, query.seller)
    return profile_out(seller, profile_get(user, seller=seller))


@router.put("/profile", response={200: ProfileOut, **WRITE_ERRORS}, summary="Update an ICP profile")
def put_profile(
    request: HttpRequest, payload: ProfileIn, query: Query[SellerQuery]
) -> dict[str, Any]:
    """Lists given replace that dimension's targets; a fourth industry or title is refused
    (400, naming the field) and nothing changes. Each accepted change is a new version and
    re-scores the seller's list."""
    user = api_user(request)
    seller = _seller(user, query.seller)
    given = payload.model_dump(exclude_unset=True)
    targets = {
        DIMENSION_OF[name]: [(item["value"], item.get("priority")) for item in given[name]]
        for name in DIMENSION_OF
        if name in given
    }
    with transaction.atomic():
        services.profile_save(
            seller=seller,
            weights=given.get("weights"),
            targets=targets,
            trigger_days=given.get("trigger_days"),
            note=given.get("note", ""),
            actor=user,
        )
    return profile_out(seller, profile_get(user, seller=seller))


class VersionOut(Schema):
    number: int
    created_at: dt.datetime
    created_by: str | None
    note: str
    snapshot: dict[str, Any]


@router.get(
    "/profile/versions",
    response={200: list[VersionOut], **READ_ERRORS},
    summary="A profile's versions (newest first)",
)
def profile_versions(request: HttpRequest, query: Query[SellerQuery]) -> list[dict[str, Any]]:
    user = api_user(request)
    seller = _seller(user, query.seller)
    profile = profile_get(user, seller=seller)
    if profile is None:
        return []
    return [
        {
            "number": version.number,
            "created_at": version.created_at,
            "created_by": version.created_by.username if version.created_by else None,
            "note": version.note,
            "snapshot": version.snapshot,
        }
        for version in profile.versions.select_related("created_by").order_by("-number")[:100]
    ]


# --- scores ---------------------------------------------------------------------------------


class TermOut(Schema):
    term: str = Field(
        description="industry, title, territory, trigger, won_in_industry, reference, involved"
    )
    value: str
    points: int
    text: str = Field(description="e.g. '+2 trigger Merger 2026-10-02' (translated)")


class ScoreOut(Schema):
    lead_id: int
    lead_external_id: str
    company_name: str
    contact_name: str
    title: str
    industry: str
    region: str | None = Field(description="region code")
    score: int
    in_target: bool
    out_reasons: list[str]
    out_reasons_text: str
    starred: bool
    last_trigger_on: dt.date | None
    profile_version: int
    breakdown: list[TermOut]
    computed_at: dt.datetime


class ScoreQuery(PageQuery):
    seller: Text | None = omittable(max_length=150, description="username (default: the caller)")
    in_target: bool = Field(True, description="false: the out-of-target leads")
    starred: bool | None = omittable()
    industry: IndustryValue | None = omittable()
    region: Text | None = omittable(max_length=32, description="region code (with sub-regions)")
    min_score: int | None = omittable(ge=0, le=12)
    search: Text | None = omittable(max_length=100, description="company, contact or title")


def score_rows(scores: list[LeadScore]) -> list[dict[str, Any]]:
    names = region_names_for(scores)
    return [
        {
            "lead_id": score.lead_id,
            "lead_external_id": score.lead.external_id,
            "company_name": score.lead.company_name,
            "contact_name": score.lead.contact_name,
            "title": score.lead.title,
            "industry": score.industry,
            "region": score.lead.region.code if score.lead.region else None,
            "score": score.score,
            "in_target": score.in_target,
            "out_reasons": score.out_reason_list,
            "out_reasons_text": out_reasons_text(score),
            "starred": score.starred,
            "last_trigger_on": score.last_trigger_on,
            "profile_version": score.profile_version,
            "breakdown": term_lines(score, names),
            "computed_at": score.computed_at,
        }
        for score in scores
    ]


@router.get(
    "/scores", response={200: Page[ScoreOut], **READ_ERRORS}, summary="A seller's ranked list"
)
def list_scores(request: HttpRequest, query: Query[ScoreQuery]) -> dict[str, Any]:
    """Highest score first; ties by the most recent trigger, then the oldest lead."""
    user = api_user(request)
    seller = _seller(user, query.seller)
    filters = ScoreFilter(
        in_target=query.in_target,
        starred=query.starred,
        industry=query.industry,
        region_code=query.region,
        min_score=query.min_score,
        search=query.search,
    )
    page = paginate(
        score_list(user, seller=seller, filters=filters),
        query,
        count_cap=1_000 if query.search else None,
    )
    page["results"] = score_rows(page["results"])
    return page


class RescoreOut(Schema):
    written: int = Field(description="rows inserted or changed")


@router.post(
    "/scores/rescore",
    response={200: RescoreOut, **WRITE_ERRORS},
    summary="Score a seller's whole list again",
)
def rescore(request: HttpRequest, query: Query[SellerQuery]) -> dict[str, Any]:
    user = api_user(request)
    seller = _seller(user, query.seller)
    return {"written": services.score_seller(seller=seller)}


class InvolvementIn(InputSchema):
    lead: int = Field(ge=1, le=MAX_ID, description="lead id")
    involved: bool


class InvolvementOut(Schema):
    lead: int
    involved: bool
    changed: bool


@router.put(
    "/involvement",
    response={200: InvolvementOut, **WRITE_ERRORS},
    summary="Mark yourself personally involved with a lead (+2)",
)
def put_involvement(request: HttpRequest, payload: InvolvementIn) -> dict[str, Any]:
    user = api_user(request)
    lead = lead_queryset(user).filter(pk=payload.lead).first()
    if lead is None:
        raise ValidationFailed(_("lead: no such lead"), {"lead": _("no such lead")})
    changed = services.involvement_set(seller=user, lead=lead, involved=payload.involved)
    return {"lead": lead.pk, "involved": payload.involved, "changed": changed}


# --- synonyms -------------------------------------------------------------------------------


class SynonymOut(Schema):
    id: int
    canonical: str
    variant: str


class SynonymIn(InputSchema):
    canonical: Text = Field(min_length=1, max_length=150)
    variant: Text = Field(min_length=1, max_length=150)


class SynonymPatch(InputSchema):
    canonical: Text = omittable(min_length=1, max_length=150)
    variant: Text = omittable(min_length=1, max_length=150)


class SynonymQuery(PageQuery):
    search: Text | None = omittable(max_length=100)


def synonym_values(queryset: Any) -> Any:
    return queryset.values("id", "canonical", "variant")


@router.get("/synonyms", response={200: Page[SynonymOut], **READ_ERRORS}, summary="Title synonyms")
def list_synonyms(request: HttpRequest, query: Query[SynonymQuery]) -> dict[str, Any]:
    queryset = synonym_list(api_user(request)).order_by("canonical_key", "variant_key", "id")
    if query.search:
        queryset = queryset.filter(canonical__icontains=query.search) | queryset.filter(
            variant__icontains=query.search
        )
    return paginate(queryset, query, synonym_values)


def _synonym_out(synonym: TitleSynonym) -> dict[str, Any]:
    return {"id": synonym.pk, "canonical": synonym.canonical, "variant": synonym.variant}


@router.post("/synonyms", response={201: SynonymOut, **WRITE_ERRORS}, summary="Add a synonym")
def create_synonym(request: HttpRequest, payload: SynonymIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    synonym = services.synonym_create(
        organization=user.organization, canonical=payload.canonical, variant=payload.variant
    )
    return Status(201, _synonym_out(synonym))


@router.patch(
    "/synonyms/{synonym_id}", response={200: SynonymOut, **WRITE_ERRORS}, summary="Change a synonym"
)
def update_synonym(
    request: HttpRequest, payload: SynonymPatch, synonym_id: PathId
) -> dict[str, Any]:
    user = api_user(request)
    synonym = synonym_get(user, synonym_id)
    values = payload.model_dump(exclude_unset=True)
    return _synonym_out(services.synonym_update(synonym=synonym, **values))


@router.delete(
    "/synonyms/{synonym_id}", response={204: None, **WRITE_ERRORS}, summary="Remove a synonym"
)
def delete_synonym(request: HttpRequest, synonym_id: PathId) -> Status[None]:
    services.synonym_delete(synonym=synonym_get(api_user(request), synonym_id))
    return Status(204, None)


# --- trigger events -------------------------------------------------------------------------


class TriggerOut(Schema):
    id: int
    type: str
    occurred_on: dt.date
    company: str | None = Field(description="company external_id")
    lead: int | None = Field(description="lead id")
    source_url: str
    note: str
    created_by: str | None


class TriggerQuery(PageQuery):
    company: Text | None = omittable(max_length=64, description="company external_id")
    lead: int | None = omittable(ge=1, le=MAX_ID, description="lead id")
    type: TriggerValue | None = omittable()


class TriggerFields(InputSchema):
    source_url: Text = omittable(max_length=500)
    note: Text = omittable(max_length=500)


class TriggerIn(TriggerFields):
    type: TriggerValue
    occurred_on: dt.date = Field(ge=EARLIEST, le=LATEST)
    company: Text | None = omittable(min_length=1, max_length=64, description="company external_id")
    lead: int | None = omittable(ge=1, le=MAX_ID, description="lead id")


class TriggerPatch(TriggerFields):
    type: TriggerValue = omittable()
    occurred_on: dt.date = omittable(ge=EARLIEST, le=LATEST)


def _trigger_out(event: TriggerEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "type": event.type,
        "occurred_on": event.occurred_on,
        "company": event.company.external_id if event.company else None,
        "lead": event.lead_id,
        "source_url": event.source_url,
        "note": event.note,
        "created_by": event.created_by.username if event.created_by else None,
    }


def _check_url(url: str | None) -> None:
    if url and not url.lower().startswith(("http://", "https://")):
        reason = _("a link starts with http:// or https://")
        raise ValidationFailed(f"source_url: {reason}", {"source_url": reason})


@router.get("/triggers", response={200: Page[TriggerOut], **READ_ERRORS}, summary="Trigger events")
def list_triggers(request: HttpRequest, query: Query[TriggerQuery]) -> dict[str, Any]:
    user = api_user(request)
    company_id = None
    if query.company is not None:
        company_id = visible_company(user, query.company).pk
    queryset = trigger_event_list(user, company_id=company_id, lead_id=query.lead)
    if query.type:
        queryset = queryset.filter(type=query.type)
    page = paginate(queryset, query)
    page["results"] = [_trigger_out(event) for event in page["results"]]
    return page


@router.post("/triggers", response={201: TriggerOut, **WRITE_ERRORS}, summary="Record a trigger")
def create_trigger(request: HttpRequest, payload: TriggerIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    _check_url(payload.source_url)
    company = visible_company(user, payload.company) if payload.company else None
    lead = None
    if payload.lead is not None:
        lead = lead_queryset(user).filter(pk=payload.lead).first()
        if lead is None:
            raise ValidationFailed(_("lead: no such lead"), {"lead": _("no such lead")})
    event = services.trigger_event_create(
        organization=user.organization,
        type=payload.type,
        occurred_on=payload.occurred_on,
        company=company,
        lead=lead,
        source_url=payload.source_url or "",
        note=payload.note or "",
        created_by=user,
    )
    return Status(201, _trigger_out(event))


@router.patch(
    "/triggers/{trigger_id}", response={200: TriggerOut, **WRITE_ERRORS}, summary="Change a trigger"
)
def update_trigger(
    request: HttpRequest, payload: TriggerPatch, trigger_id: PathId
) -> dict[str, Any]:
    user = api_user(request)
    event = trigger_event_get(user, trigger_id)
    values = payload.model_dump(exclude_unset=True)
    _check_url(values.get("source_url"))
    updated = services.trigger_event_update(event=event, **values)
    return _trigger_out(trigger_event_get(user, updated.pk))


@router.delete(
    "/triggers/{trigger_id}", response={204: None, **WRITE_ERRORS}, summary="Remove a trigger"
)
def delete_trigger(request: HttpRequest, trigger_id: PathId) -> Status[None]:
    services.trigger_event_delete(event=trigger_event_get(api_user(request), trigger_id))
    return Status(204, None)
