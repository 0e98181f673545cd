"""/prospecting/conversion: conversion per seller, team and score band against the goal of 1
in 10, and for one seller the lift of each criterion and the proposed priorities (the same
query objects as the refine page and ``patron prospecting conversion``); accepting the
proposal saves a new profile version."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from patron.api.auth import api_user
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import MAX_ID, InputSchema, omittable
from patron.prospecting.call_list import call_list_sellers
from patron.prospecting.models import IcpProfile
from patron.prospecting.refine import (
    conversion_report,
    refine_accept,
    seller_lifts,
    seller_proposals,
)
from patron.prospecting.selectors import seller_get

router = Router(tags=["prospecting"])


class ConversionQuery(Schema):
    seller: int | None = omittable(
        ge=1, le=MAX_ID, description="user id: add this seller's lift and proposals"
    )


class LineOut(Schema):
    key: str
    label: str
    listed: int
    called: int
    converted: int
    conversion: float | None = Field(description="converted ÷ called; null when nothing called")
    below_goal: bool


class SellerLineOut(LineOut):
    seller: int
    username: str
    bands: list[LineOut]


class LiftOut(Schema):
    dimension: str
    value: str
    called_with: int
    converted_with: int
    called_without: int
    converted_without: int
    conversion_with: float | None
    conversion_without: float | None
    lift: float | None


class ProposalOut(Schema):
    dimension: str
    value: str
    current: int
    proposed: int
    lift: float | None
    is_change: bool


class SellerRefineOut(Schema):
    seller: int
    username: str
    profile_version: int | None
    lifts: list[LiftOut]
    proposals: list[ProposalOut]


class ConversionOut(Schema):
    goal: float
    total: LineOut
    bands: list[LineOut]
    teams: list[LineOut]
    sellers: list[SellerLineOut]
    refine: SellerRefineOut | None = None


def seller_refine(seller: Any) -> dict[str, Any]:
    lifts = seller_lifts(seller=seller)
    profile = IcpProfile.objects.filter(seller=seller).only("version").first()
    return {
        "seller": seller.pk,
        "username": seller.username,
        "profile_version": profile.version if profile else None,
        "lifts": [lift.as_dict() for lift in lifts],
        "proposals": [p.as_dict() for p in seller_proposals(seller=seller, lifts=lifts)],
    }


@router.get(
    "/conversion",
    response={200: ConversionOut, **READ_ERRORS},
    summary="Conversion per seller, team and score band; lift and proposals of one seller",
)
def conversion(request: HttpRequest, query: Query[ConversionQuery]) -> dict[str, Any]:
    user = api_user(request)
    sellers = list(call_list_sellers(user).select_related("team"))
    data = conversion_report(organization=user.organization, sellers=sellers).as_dict()
    if query.seller is not None:
        data["refine"] = seller_refine(seller_get(user, seller_id=query.seller))
    return data


class AcceptIn(InputSchema):
    seller: int = Field(ge=1, le=MAX_ID, description="user id of the seller")
    version: int = Field(ge=0, le=MAX_ID, description="the profile version the proposal is for")


class AcceptOut(Schema):
    seller: int
    profile_version: int


@router.post(
    "/conversion/accept",
    response={200: AcceptOut, **WRITE_ERRORS},
    summary="Accept the proposed priorities (a new profile version; the list is re-scored)",
)
def accept(request: HttpRequest, payload: AcceptIn) -> dict[str, Any]:
    user = api_user(request)
    seller = seller_get(user, seller_id=payload.seller)
    profile = refine_accept(seller=seller, by=user, version=payload.version)
    return {"seller": seller.pk, "profile_version": profile.version}
