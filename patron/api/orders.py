"""/orders: list, get (with lines), create (with lines), update (lines are replaced when given).
The company is named by external_id, the seller by username, each line's product by SKU."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, model_validator

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
from patron.sales.models import Order, OrderLine, OrderStatus
from patron.sales.selectors import OrderFilter, order_get, order_lines, order_list
from patron.sales.services import LineInput, order_create, order_update

if TYPE_CHECKING:
    StatusValue = str
else:
    StatusValue = choice_type(OrderStatus)

router = Router(tags=["orders"])

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
MAX_LINES = 500


def day(default: Any = ..., **kwargs: Any) -> Any:
    return Field(default, ge=EARLIEST, le=LATEST, **kwargs)


class OrderOut(Schema):
    id: int
    external_id: str
    company_id: int
    company_external_id: str
    company_name: str
    order_date: dt.date
    seller_id: int | None
    seller_username: str | None
    status: str
    currency: str
    fx_rate: Decimal
    total_amount: Decimal
    due_date: dt.date | None
    paid_date: dt.date | None
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class LineOut(Schema):
    line_no: int
    product_id: int
    sku: str
    product_name: str
    quantity: Decimal
    amount: Decimal
    base_amount: Decimal
    cost: Decimal
    discount_pct: Decimal
    service_start: dt.date | None
    service_end: dt.date | None


class OrderDetailOut(OrderOut):
    lines: list[LineOut]


ORDER_VALUES = (
    "id",
    "external_id",
    "company_id",
    "order_date",
    "seller_id",
    "status",
    "currency",
    "fx_rate",
    "total_amount",
    "due_date",
    "paid_date",
    "notes",
    "created_at",
    "updated_at",
)
ORDER_EXPRESSIONS = {
    "company_external_id": F("company__external_id"),
    "company_name": F("company__name"),
    "seller_username": F("seller__username"),
}
LINE_VALUES = (
    "line_no",
    "product_id",
    "quantity",
    "amount",
    "base_amount",
    "cost",
    "discount_pct",
    "service_start",
    "service_end",
)
LINE_EXPRESSIONS = {"sku": F("product__sku"), "product_name": F("product__name")}


def order_values(queryset: QuerySet[Order]) -> QuerySet[Order, dict[str, Any]]:
    return queryset.values(*ORDER_VALUES, **ORDER_EXPRESSIONS)


def line_values(queryset: QuerySet[OrderLine]) -> QuerySet[OrderLine, dict[str, Any]]:
    return queryset.values(*LINE_VALUES, **LINE_EXPRESSIONS)


class LineIn(InputSchema):
    sku: Text = Field(min_length=1, max_length=64, description="product SKU")
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=2, allow_inf_nan=False)
    amount: Decimal = money(description="line amount in the order currency")
    cost: Decimal = money(default=Decimal("0"))
    discount_pct: Decimal = Field(
        Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False
    )
    service_start: dt.date | None = day(None)
    service_end: dt.date | None = day(None)

    @model_validator(mode="after")
    def service_period_ordered(self) -> Self:
        if self.service_start and self.service_end and self.service_end < self.service_start:
            raise ValueError("service_end must not be before service_start")
        return self


class OrderFields(InputSchema):
    seller: Text | None = omittable(max_length=150, description="seller username")
    status: StatusValue = omittable()
    currency: Currency = omittable()
    due_date: dt.date | None = day(None)
    paid_date: dt.date | None = day(None)
    notes: Text = omittable(max_length=10000)


class OrderIn(OrderFields):
    external_id: Text = Field(min_length=1, max_length=64)
    company: Text = Field(min_length=1, max_length=64, description="company external_id")
    order_date: dt.date = day()
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class OrderPatch(OrderFields):
    external_id: Text = omittable(min_length=1, max_length=64)
    company: Text = omittable(min_length=1, max_length=64, description="company external_id")
    order_date: dt.date = day(None)
    lines: list[LineIn] = omittable(
        min_length=1, max_length=MAX_LINES, description="replaces every line when given"
    )


class OrderQuery(PageQuery):
    company_id: int | None = omittable(ge=1, le=MAX_ID)
    status: StatusValue | None = None
    date_from: dt.date | None = omittable(alias="from", description="order_date on or after")
    date_to: dt.date | None = omittable(alias="to", description="order_date on or before")
    seller: int | None = omittable(ge=1, le=MAX_ID, description="seller user id")


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
        LineInput(
            product=products[line.sku],
            quantity=line.quantity,
            amount=line.amount,
            cost=line.cost,
            discount_pct=line.discount_pct,
            service_start=line.service_start,
            service_end=line.service_end,
        )
        for line in lines
    ]


def order_values_in(user: User, payload: OrderFields) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"lines"})
    if "company" in values:
        values["company"] = visible_company(user, values["company"])
    if "seller" in values:
        values["seller"] = organization_user(user, values["seller"], "seller")
    return values


def one_order(order_id: int) -> dict[str, Any]:
    row = order_values(Order.objects.filter(pk=order_id)).first()
    assert row is not None
    row["lines"] = list(line_values(order_lines(order_id)))
    return row


@router.get("/", response={200: Page[OrderOut], **READ_ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, query: Query[OrderQuery]) -> dict[str, Any]:
    filters = OrderFilter(
        company_id=query.company_id,
        status=query.status,
        date_from=query.date_from,
        date_to=query.date_to,
        seller_id=query.seller,
    )
    return paginate(order_list(api_user(request), filters), query, order_values)


@router.get("/{order_id}", response={200: OrderDetailOut, **READ_ERRORS}, summary="Get an order")
def get_order(request: HttpRequest, order_id: PathId) -> dict[str, Any]:
    return one_order(order_get(api_user(request), order_id).pk)


@router.post("/", response={201: OrderDetailOut, **WRITE_ERRORS}, summary="Create an order")
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    values = order_values_in(user, payload)
    values.setdefault("seller", user)
    lines = line_inputs(user, payload.lines)
    order = order_create(organization=user.organization, lines=lines, **values)
    return Status(201, one_order(order.pk))


@router.patch("/{order_id}", response={200: OrderDetailOut, **WRITE_ERRORS}, summary="Update")
def update_order(request: HttpRequest, payload: OrderPatch, order_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    order = order_get(user, order_id)
    values = order_values_in(user, payload)
    lines = line_inputs(user, payload.lines) if "lines" in payload.model_fields_set else None
    order_update(order=order, lines=lines, **values)
    return one_order(order.pk)
