"""/products: list, get, create, update. The family is named by its code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from patron.accounts.models import User
from patron.api.auth import api_user
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import (
    Currency,
    InputSchema,
    Page,
    PageQuery,
    PathId,
    Text,
    money,
    omittable,
    paginate,
)
from patron.catalog.models import Product
from patron.catalog.selectors import product_family_get_by_code, product_get, product_list
from patron.catalog.services import catalog_change_check, product_create, product_update
from patron.core.errors import ValidationFailed

router = Router(tags=["products"])


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    family_id: int
    family_code: str
    family_name: str
    list_price: Decimal
    unit_cost: Decimal
    currency: str
    is_subscription: bool
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


PRODUCT_VALUES = (
    "id",
    "sku",
    "name",
    "family_id",
    "list_price",
    "unit_cost",
    "currency",
    "is_subscription",
    "is_active",
    "created_at",
    "updated_at",
)
PRODUCT_EXPRESSIONS = {"family_code": F("family__code"), "family_name": F("family__name")}


def product_values(queryset: QuerySet[Product]) -> QuerySet[Product, dict[str, Any]]:
    return queryset.values(*PRODUCT_VALUES, **PRODUCT_EXPRESSIONS)


class ProductFields(InputSchema):
    list_price: Decimal = money(default=None, digits=14)
    unit_cost: Decimal = money(default=None, digits=14)
    currency: Currency = omittable()
    is_subscription: bool = omittable()
    is_active: bool = omittable()


class ProductIn(ProductFields):
    sku: Text = Field(min_length=1, max_length=64)
    name: Text = Field(min_length=1, max_length=200)
    family: str = Field(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")


class ProductPatch(ProductFields):
    sku: Text = omittable(min_length=1, max_length=64)
    name: Text = omittable(min_length=1, max_length=200)
    family: str = omittable(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")


class ProductQuery(PageQuery):
    family: str | None = omittable(max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    sku: Text | None = omittable(max_length=64)


def product_values_in(user: User, payload: ProductFields) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    if "family" in values:
        family = product_family_get_by_code(user, values["family"])
        if family is None:
            raise ValidationFailed(_("family: no such family"), {"family": _("no such family")})
        values["family"] = family
    return values


def one_product(product_id: int) -> dict[str, Any]:
    row = product_values(Product.objects.filter(pk=product_id)).first()
    assert row is not None
    return row


@router.get("/", response={200: Page[ProductOut], **READ_ERRORS}, summary="List products")
def list_products(request: HttpRequest, query: Query[ProductQuery]) -> dict[str, Any]:
    queryset = product_list(api_user(request), family=query.family, sku=query.sku)
    return paginate(queryset, query, product_values)


@router.get("/{product_id}", response={200: ProductOut, **READ_ERRORS}, summary="Get a product")
def get_product(request: HttpRequest, product_id: PathId) -> dict[str, Any]:
    return one_product(product_get(api_user(request), product_id).pk)


@router.post("/", response={201: ProductOut, **WRITE_ERRORS}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    catalog_change_check(user)
    product = product_create(organization=user.organization, **product_values_in(user, payload))
    return Status(201, one_product(product.pk))


@router.patch("/{product_id}", response={200: ProductOut, **WRITE_ERRORS}, summary="Update")
def update_product(
    request: HttpRequest, payload: ProductPatch, product_id: PathId
) -> dict[str, Any]:
    user = api_user(request)
    product = product_get(user, product_id)
    catalog_change_check(user)
    product_update(product=product, **product_values_in(user, payload))
    return one_product(product.pk)
