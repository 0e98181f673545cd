"""/companies: list, get, create, update. Payloads name the owner by username and the region by
its code; list filters take ids (owner, team, region) as the company list page does."""

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
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import (
    MAX_ID,
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
from patron.companies.choices import CompanySize, CreditRating, Industry, Stage
from patron.companies.models import Company, Region
from patron.companies.selectors import (
    CompanyFilter,
    company_get,
    company_get_by_external_id,
    company_list,
)
from patron.companies.services import company_create, company_update
from patron.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    IndustryValue = str
    SizeValue = str
    RatingValue = str
    StageValue = str
else:
    IndustryValue = choice_type(Industry, blank=True)
    SizeValue = choice_type(CompanySize, blank=True)
    RatingValue = choice_type(CreditRating, blank=True)
    StageValue = choice_type(Stage)

router = Router(tags=["companies"])


class CompanyOut(Schema):
    id: int
    external_id: str
    name: str
    industry: str
    region_id: int | None
    region_code: str | None
    region_name: str | None
    size: str
    owner_id: int | None
    owner_username: str | None
    team_id: int | None
    team_name: str | None
    is_reference: bool
    market_potential: Decimal | None
    credit_rating: str
    website: str
    phone: str
    address: str
    stage: str
    first_order_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


COMPANY_VALUES = (
    "id",
    "external_id",
    "name",
    "industry",
    "region_id",
    "size",
    "owner_id",
    "team_id",
    "is_reference",
    "market_potential",
    "credit_rating",
    "website",
    "phone",
    "address",
    "stage",
    "first_order_date",
    "created_at",
    "updated_at",
)
COMPANY_EXPRESSIONS = {
    "region_code": F("region__code"),
    "region_name": F("region__name"),
    "owner_username": F("owner__username"),
    "team_name": F("team__name"),
}


SEARCH_COUNT_CAP = 1000  # a substring search stops counting there


def company_values(queryset: QuerySet[Company]) -> QuerySet[Company, dict[str, Any]]:
    return queryset.values(*COMPANY_VALUES, **COMPANY_EXPRESSIONS)


class CompanyFields(InputSchema):
    """Fields shared by create and update (all optional here)."""

    industry: IndustryValue = omittable()
    region: Text | None = omittable(max_length=32, description="region code, e.g. 310000")
    size: SizeValue = omittable()
    owner: Text | None = omittable(max_length=150, description="username of the owner")
    is_reference: bool = omittable()
    market_potential: Decimal | None = money(default=None)
    credit_rating: RatingValue = omittable()
    website: Text = omittable(max_length=200)
    phone: Text = omittable(max_length=40)
    address: Text = omittable(max_length=300)


class CompanyIn(CompanyFields):
    external_id: Text = Field(min_length=1, max_length=64)
    name: Text = Field(min_length=1, max_length=200)


class CompanyPatch(CompanyFields):
    external_id: Text = omittable(min_length=1, max_length=64)
    name: Text = omittable(min_length=1, max_length=200)


class CompanyQuery(PageQuery):
    stage: StageValue | None = None
    owner: int | None = omittable(ge=1, le=MAX_ID, description="owner user id")
    team: int | None = omittable(ge=1, le=MAX_ID, description="team id")
    industry: IndustryValue | None = None
    region: int | None = omittable(ge=1, le=MAX_ID, description="region id (with sub-regions)")
    search: Text | None = omittable(max_length=200, description="name contains / external id")


def organization_user(user: User, username: str | None, field: str) -> User | None:
    if username is None:
        return None
    found = User.objects.filter(
        organization_id=user.organization_id, username=username, is_active=True
    ).first()
    if found is None:
        raise ValidationFailed(
            _("%(field)s: no such user") % {"field": field}, {field: _("no such user")}
        )
    return found


def region_by_code(code: str | None) -> Region | None:
    if code is None:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(_("region: no such region"), {"region": _("no such region")})
    return region


def visible_company(user: User, external_id: str, field: str = "company") -> Company:
    """The company with ``external_id`` if ``user`` may see it; a 422 naming ``field`` if not."""
    try:
        return company_get_by_external_id(user, external_id)
    except NotFound:
        raise ValidationFailed(
            _("%(field)s: no such company") % {"field": field}, {field: _("no such company")}
        ) from None


def company_values_in(user: User, payload: CompanyFields) -> dict[str, Any]:
    """The payload's fields as service keyword arguments, natural keys resolved to objects."""
    values = payload.model_dump(exclude_unset=True)
    if "owner" in values:
        values["owner"] = organization_user(user, values["owner"], "owner")
    if "region" in values:
        values["region"] = region_by_code(values["region"])
    return values


def one_company(queryset: QuerySet[Company]) -> dict[str, Any]:
    row = company_values(queryset).first()
    assert row is not None
    return row


@router.get("/", response={200: Page[CompanyOut], **READ_ERRORS}, summary="List companies")
def list_companies(request: HttpRequest, query: Query[CompanyQuery]) -> dict[str, Any]:
    filters = CompanyFilter(
        stage=query.stage,
        owner_id=query.owner,
        team_id=query.team,
        industry=query.industry,
        region_id=query.region,
        search=query.search,
    )
    return paginate(
        company_list(api_user(request), filters),
        query,
        company_values,
        count_cap=SEARCH_COUNT_CAP if query.search else None,
    )


@router.get("/{company_id}", response={200: CompanyOut, **READ_ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, company_id: PathId) -> dict[str, Any]:
    company = company_get(api_user(request), company_id)
    return one_company(Company.objects.filter(pk=company.pk))


@router.post("/", response={201: CompanyOut, **WRITE_ERRORS}, summary="Create a company")
def create_company(request: HttpRequest, payload: CompanyIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    values = company_values_in(user, payload)
    values.setdefault("owner", user)
    company = company_create(organization=user.organization, **values)
    return Status(201, one_company(Company.objects.filter(pk=company.pk)))


@router.patch("/{company_id}", response={200: CompanyOut, **WRITE_ERRORS}, summary="Update")
def update_company(
    request: HttpRequest,
    payload: CompanyPatch,
    company_id: PathId,
) -> dict[str, Any]:
    user = api_user(request)
    company = company_get(user, company_id)
    company_update(company=company, **company_values_in(user, payload))
    return one_company(Company.objects.filter(pk=company.pk))
