"""/contacts: list, get, create, update. The company is named by its external_id."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
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
from patron.companies.choices import Attitude, BuyingRole
from patron.companies.models import Contact
from patron.companies.selectors import contact_get, contact_list
from patron.companies.services import contact_create, contact_update

if TYPE_CHECKING:
    BuyingRoleValue = str
    AttitudeValue = str
else:
    BuyingRoleValue = choice_type(BuyingRole)
    AttitudeValue = choice_type(Attitude, blank=True)

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    external_id: str
    company_id: int
    company_external_id: str
    company_name: str
    name: str
    title: str
    email: str
    phone: str
    buying_role: str
    influence: int | None
    attitude: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


CONTACT_VALUES = (
    "id",
    "external_id",
    "company_id",
    "name",
    "title",
    "email",
    "phone",
    "buying_role",
    "influence",
    "attitude",
    "notes",
    "created_at",
    "updated_at",
)
CONTACT_EXPRESSIONS = {
    "company_external_id": F("company__external_id"),
    "company_name": F("company__name"),
}


def contact_values(queryset: QuerySet[Contact]) -> QuerySet[Contact, dict[str, Any]]:
    return queryset.values(*CONTACT_VALUES, **CONTACT_EXPRESSIONS)


class ContactFields(InputSchema):
    title: Text = omittable(max_length=150)
    email: Text = omittable(max_length=254)
    phone: Text = omittable(max_length=40)
    buying_role: BuyingRoleValue = omittable()
    influence: int | None = omittable(ge=1, le=5)
    attitude: AttitudeValue = omittable()
    notes: Text = omittable(max_length=10000)


class ContactIn(ContactFields):
    external_id: Text = Field(min_length=1, max_length=64)
    company: Text = Field(min_length=1, max_length=64, description="company external_id")
    name: Text = Field(min_length=1, max_length=150)


class ContactPatch(ContactFields):
    external_id: Text = omittable(min_length=1, max_length=64)
    company: Text = omittable(min_length=1, max_length=64, description="company external_id")
    name: Text = omittable(min_length=1, max_length=150)


class ContactQuery(PageQuery):
    company_id: int | None = omittable(ge=1, le=MAX_ID)
    search: Text | None = omittable(max_length=200, description="name contains / email / phone")


def contact_values_in(user: User, payload: ContactFields) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    if "company" in values:
        values["company"] = visible_company(user, values["company"])
    return values


def one_contact(contact_id: int) -> dict[str, Any]:
    row = contact_values(Contact.objects.filter(pk=contact_id)).first()
    assert row is not None
    return row


@router.get("/", response={200: Page[ContactOut], **READ_ERRORS}, summary="List contacts")
def list_contacts(request: HttpRequest, query: Query[ContactQuery]) -> dict[str, Any]:
    queryset = contact_list(api_user(request), company_id=query.company_id, search=query.search)
    return paginate(queryset, query, contact_values)


@router.get("/{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: PathId) -> dict[str, Any]:
    return one_contact(contact_get(api_user(request), contact_id).pk)


@router.post("/", response={201: ContactOut, **WRITE_ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    contact = contact_create(organization=user.organization, **contact_values_in(user, payload))
    return Status(201, one_contact(contact.pk))


@router.patch("/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, summary="Update")
def update_contact(
    request: HttpRequest, payload: ContactPatch, contact_id: PathId
) -> dict[str, Any]:
    user = api_user(request)
    contact = contact_get(user, contact_id)
    contact_update(contact=contact, **contact_values_in(user, payload))
    return one_contact(contact.pk)
