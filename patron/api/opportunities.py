"""/opportunities: list, get (lines, stage history, hand-offs), create, update, and the moves
of the funnel — hand off to an AE, accept, reject with a reason, move stage, close won (the
order is created) or lost. The same services as the pipeline board, so the same validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from patron.accounts.models import User
from patron.api.auth import api_user
from patron.api.companies import organization_user, visible_company
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import (
    MAX_ID,
    Currency,
    InputSchema,
    Page,
    PageQuery,
    PathId,
    Text,
    choice_type,
    money,
    omittable,
    paginate,
)
from patron.catalog.selectors import products_by_sku
from patron.core.errors import ValidationFailed
from patron.funnel.choices import HandoffStatus, LossReason, OpportunityStatus, RejectionReason
from patron.funnel.handoffs import handoff_accept, handoff_reject, opportunity_hand_off
from patron.funnel.models import Opportunity, OpportunityStage, Play
from patron.funnel.opportunities import (
    LineInput,
    opportunity_close_lost,
    opportunity_close_won,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)
from patron.funnel.periods import day_start
from patron.funnel.selectors import (
    OpportunityFilter,
    handoff_get,
    opportunity_get,
    opportunity_handoffs,
    opportunity_list,
    opportunity_stage_history,
)
from patron.leads.selectors import lead_queryset

if TYPE_CHECKING:
    StatusValue = str
    HandoffValue = str
    LossValue = str
    RejectionValue = str
else:
    StatusValue = choice_type(OpportunityStatus)
    HandoffValue = choice_type(HandoffStatus)
    LossValue = choice_type(LossReason)
    RejectionValue = choice_type(RejectionReason)

router = Router(tags=["opportunities"])

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
EARLIEST_MOMENT = dt.datetime(1900, 1, 2, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(2199, 12, 30, tzinfo=dt.UTC)
MAX_LINES = 200


class OpportunityOut(Schema):
    id: int
    external_id: str
    name: str
    company_id: int
    company_external_id: str
    company_name: str
    lead_id: int | None
    contact_id: int | None
    currency: str
    amount: Decimal
    base_amount: Decimal
    stage_number: int
    stage_name: str
    max_stage_number: int
    status: str
    owner: str | None = Field(description="owner (AE) username")
    source_sdr: str | None = Field(description="source SDR username")
    play: str | None = Field(description="play code")
    handoff_status: str
    created_at: dt.datetime
    expected_close_on: dt.date | None
    closed_at: dt.datetime | None
    loss_reason: str
    loss_note: str
    next_step: str
    order: str | None = Field(description="external id of the order a won opportunity produced")


class LineOut(Schema):
    line_no: int
    sku: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    amount: Decimal


class StageChangeOut(Schema):
    at: dt.datetime
    from_stage_number: int | None
    to_stage_number: int
    from_status: str
    to_status: str
    by: str | None


class HandoffOut(Schema):
    from_user: str | None
    to_user: str
    handed_at: dt.datetime
    status: str
    responded_at: dt.datetime | None
    reason: str
    note: str


class OpportunityDetailOut(OpportunityOut):
    lines: list[LineOut]
    stage_history: list[StageChangeOut]
    handoffs: list[HandoffOut]


VALUES = (
    "id",
    "external_id",
    "name",
    "company_id",
    "lead_id",
    "contact_id",
    "currency",
    "amount",
    "base_amount",
    "stage_number",
    "max_stage_number",
    "status",
    "handoff_status",
    "created_at",
    "expected_close_on",
    "closed_at",
    "loss_reason",
    "loss_note",
    "next_step",
)
EXPRESSIONS = {
    "company_external_id": F("company__external_id"),
    "company_name": F("company__name"),
    "stage_name": F("stage__name"),
    "owner": F("owner__username"),
    "source_sdr": F("source_sdr__username"),
    "play": F("play__code"),
    "order": F("order__external_id"),
}


def opportunity_values(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity, dict[str, Any]]:
    return queryset.values(*VALUES, **EXPRESSIONS)


def one(opportunity: Opportunity) -> dict[str, Any]:
    row = opportunity_values(Opportunity.objects.filter(pk=opportunity.pk)).first()
    assert row is not None
    row["lines"] = list(
        opportunity.lines.order_by("line_no").values(
            "line_no",
            "quantity",
            "unit_price",
            "discount_pct",
            "amount",
            sku=F("product__sku"),
            product_name=F("product__name"),
        )
    )
    row["stage_history"] = [
        {
            "at": change.at,
            "from_stage_number": change.from_stage_number,
            "to_stage_number": change.to_stage_number,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "by": change.user.username if change.user else None,
        }
        for change in opportunity_stage_history(opportunity)
    ]
    row["handoffs"] = [
        {
            "from_user": handoff.from_user.username if handoff.from_user else None,
            "to_user": handoff.to_user.username,
            "handed_at": handoff.handed_at,
            "status": handoff.status,
            "responded_at": handoff.responded_at,
            "reason": handoff.reason,
            "note": handoff.note,
        }
        for handoff in opportunity_handoffs(opportunity)
    ]
    return row


class OpportunityQuery(PageQuery):
    status: StatusValue | None = None
    stage: int | None = omittable(ge=1, le=1000, description="stage number")
    owner: int | None = omittable(ge=1, le=MAX_ID, description="owner user id")
    source_sdr: int | None = omittable(ge=1, le=MAX_ID, description="source SDR user id")
    team: int | None = omittable(ge=1, le=MAX_ID, description="owner's or source SDR's team")
    play: int | None = omittable(ge=1, le=MAX_ID, description="play id")
    company_id: int | None = omittable(ge=1, le=MAX_ID)
    handoff_status: HandoffValue | None = None
    created_from: dt.date | None = omittable(
        ge=EARLIEST, le=LATEST, description="created on or after"
    )
    created_to: dt.date | None = omittable(
        ge=EARLIEST, le=LATEST, description="created on or before"
    )


@router.get("/", response={200: Page[OpportunityOut], **READ_ERRORS}, summary="List")
def list_opportunities(request: HttpRequest, query: Query[OpportunityQuery]) -> dict[str, Any]:
    user = api_user(request)
    zone = user.organization.time_zone
    stage_id = None
    if query.stage is not None:
        stage_id = (
            OpportunityStage.objects.filter(
                organization_id=user.organization_id, number=query.stage
            )
            .values_list("id", flat=True)
            .first()
        ) or -1
    filters = OpportunityFilter(
        status=query.status,
        stage_id=stage_id,
        owner_id=query.owner,
        source_sdr_id=query.source_sdr,
        team_id=query.team,
        play_id=query.play,
        company_id=query.company_id,
        handoff_status=query.handoff_status,
        created_from=day_start(query.created_from, zone) if query.created_from else None,
        created_to=day_start(query.created_to + dt.timedelta(days=1), zone)
        if query.created_to
        else None,
    )
    return paginate(opportunity_list(user, filters), query, opportunity_values)


@router.get("/{opportunity_id}", response={200: OpportunityDetailOut, **READ_ERRORS}, summary="Get")
def get_opportunity(request: HttpRequest, opportunity_id: PathId) -> dict[str, Any]:
    return one(opportunity_get(api_user(request), opportunity_id))


class LineIn(InputSchema):
    sku: Text = Field(min_length=1, max_length=64, description="product SKU")
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=2, allow_inf_nan=False)
    unit_price: Decimal = money(digits=14)
    discount_pct: Decimal = Field(
        Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False
    )


class OpportunityFields(InputSchema):
    amount: Decimal = omittable(
        max_digits=16, decimal_places=2, ge=0, allow_inf_nan=False, description="when no lines"
    )
    currency: Currency = omittable()
    play: Text | None = omittable(max_length=50, description="play code")
    expected_close_on: dt.date | None = omittable(ge=EARLIEST, le=LATEST)
    next_step: Text = omittable(max_length=300)
    lines: list[LineIn] = omittable(max_length=MAX_LINES, description="replaces every line")


class OpportunityIn(OpportunityFields):
    name: Text = Field(min_length=1, max_length=200)
    company: Text | None = omittable(
        min_length=1, max_length=64, description="company external_id (or give a lead)"
    )
    lead: int | None = omittable(ge=1, le=MAX_ID, description="id of the lead it came from")
    external_id: Text = omittable(min_length=1, max_length=64, description="default: OPP-n")
    owner: Text | None = omittable(max_length=150, description="AE username (managers)")
    source_sdr: Text | None = omittable(max_length=150, description="SDR username (managers)")


class OpportunityPatch(OpportunityFields):
    name: Text = omittable(min_length=1, max_length=200)


def line_inputs(user: User, lines: list[LineIn]) -> list[LineInput]:
    products = products_by_sku(user, sorted({line.sku for line in lines}))
    missing = {
        f"lines[{index}].sku": _("no such product")
        for index, line in enumerate(lines)
        if line.sku not in products
    }
    if missing:
        first = next(iter(missing))
        raise ValidationFailed(f"{first}: {missing[first]}", missing)
    return [
        LineInput(products[line.sku], line.quantity, line.unit_price, line.discount_pct)
        for line in lines
    ]


def play_by_code(user: User, code: str | None) -> Play | None:
    if code is None:
        return None
    play = Play.objects.filter(organization_id=user.organization_id, code=code).first()
    if play is None:
        raise ValidationFailed(_("play: no such play"), {"play": _("no such play")})
    return play


def values_in(user: User, payload: OpportunityFields) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"lines"})
    if "play" in values:
        values["play"] = play_by_code(user, values["play"])
    return values


@router.post("/", response={201: OpportunityDetailOut, **WRITE_ERRORS}, summary="Create")
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    values = values_in(user, payload)
    if values.get("company") is not None:
        values["company"] = visible_company(user, values["company"])
    if values.get("lead") is not None:
        lead = lead_queryset(user).filter(pk=values["lead"]).first()
        if lead is None:
            raise ValidationFailed(_("lead: no such lead"), {"lead": _("no such lead")})
        values["lead"] = lead
    for field in ("owner", "source_sdr"):
        if field in values:
            values[field] = organization_user(user, values[field], field)
    lines = line_inputs(user, payload.lines) if payload.lines else ()
    opportunity = opportunity_create(organization=user.organization, by=user, lines=lines, **values)
    return Status(201, one(opportunity))


@router.patch(
    "/{opportunity_id}", response={200: OpportunityDetailOut, **WRITE_ERRORS}, summary="Update"
)
def update_opportunity(
    request: HttpRequest, payload: OpportunityPatch, opportunity_id: PathId
) -> dict[str, Any]:
    user = api_user(request)
    opportunity = opportunity_get(user, opportunity_id)
    lines = line_inputs(user, payload.lines) if "lines" in payload.model_fields_set else None
    opportunity_update(opportunity=opportunity, by=user, lines=lines, **values_in(user, payload))
    return one(opportunity)


class Moment(InputSchema):
    at: dt.datetime | None = omittable(
        ge=EARLIEST_MOMENT, le=LATEST_MOMENT, description="when it happened (default: now)"
    )


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    if at is not None and at.tzinfo is None:
        raise ValidationFailed(
            _("at: a moment with a time zone is needed"),
            {"at": _("a moment with a time zone is needed")},
        )
    return at


class MoveIn(Moment):
    stage: int = Field(ge=1, le=1000, description="stage number")


@router.post(
    "/{opportunity_id}/move",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Move to a stage",
)
def move(request: HttpRequest, payload: MoveIn, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    opportunity = opportunity_get(user, opportunity_id)
    stage = OpportunityStage.objects.filter(
        organization_id=user.organization_id, number=payload.stage
    ).first()
    if stage is None:
        raise ValidationFailed(_("stage: no such stage"), {"stage": _("no such stage")})
    opportunity_move_stage(opportunity=opportunity, by=user, stage=stage, at=_aware(payload.at))
    return one(opportunity)


class HandOffIn(Moment):
    to: Text = Field(min_length=1, max_length=150, description="AE username")


@router.post(
    "/{opportunity_id}/hand-off",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Hand off to an AE",
)
def hand_off(request: HttpRequest, payload: HandOffIn, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    opportunity = opportunity_get(user, opportunity_id)
    to = organization_user(user, payload.to, "to")
    assert to is not None
    opportunity_hand_off(opportunity=opportunity, by=user, to=to, at=_aware(payload.at))
    return one(opportunity)


@router.post(
    "/{opportunity_id}/accept",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Accept the hand-off (the AE it was handed to)",
)
def accept(request: HttpRequest, payload: Moment, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    handoff = handoff_get(user, opportunity_id)
    handoff_accept(handoff=handoff, by=user, at=_aware(payload.at))
    return one(handoff.opportunity)


class RejectIn(Moment):
    reason: RejectionValue
    note: Text = Field("", max_length=500)


@router.post(
    "/{opportunity_id}/reject",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Reject the hand-off with a reason (the AE it was handed to)",
)
def reject(request: HttpRequest, payload: RejectIn, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    handoff = handoff_get(user, opportunity_id)
    handoff_reject(
        handoff=handoff, by=user, reason=payload.reason, note=payload.note, at=_aware(payload.at)
    )
    return one(handoff.opportunity)


@router.post(
    "/{opportunity_id}/won",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Close won (creates the order)",
)
def won(request: HttpRequest, payload: Moment, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    opportunity = opportunity_get(user, opportunity_id)
    opportunity_close_won(opportunity=opportunity, by=user, at=_aware(payload.at))
    return one(opportunity)


class LostIn(Moment):
    loss_reason: LossValue
    loss_note: Text = Field("", max_length=500)


@router.post(
    "/{opportunity_id}/lost",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Close lost with a reason",
)
def lost(request: HttpRequest, payload: LostIn, opportunity_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    opportunity = opportunity_get(user, opportunity_id)
    opportunity_close_lost(
        opportunity=opportunity,
        by=user,
        reason=payload.loss_reason,
        note=payload.loss_note,
        at=_aware(payload.at),
    )
    return one(opportunity)
