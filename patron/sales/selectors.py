"""Reads of orders, scoped to the companies the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.companies.models import Company
from patron.companies.selectors import company_queryset
from patron.core.errors import NotFound
from patron.sales.models import Order, OrderLine


@dataclass(frozen=True)
class OrderFilter:
    company_id: int | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    seller_id: int | None = None


def order_queryset(user: User) -> QuerySet[Order]:
    return Order.objects.filter(
        organization_id=user.organization_id,
        company_id__in=company_queryset(user).values("id"),
    )


def order_list(user: User, filters: OrderFilter | None = None) -> QuerySet[Order]:
    """Orders of visible companies, newest first; ``date_from``/``date_to`` are inclusive."""
    f = filters or OrderFilter()
    queryset = order_queryset(user)
    if f.company_id:
        queryset = queryset.filter(company_id=f.company_id)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.date_from:
        queryset = queryset.filter(order_date__gte=f.date_from)
    if f.date_to:
        queryset = queryset.filter(order_date__lte=f.date_to)
    if f.seller_id:
        queryset = queryset.filter(seller_id=f.seller_id)
    return queryset.select_related("company", "seller").order_by("-order_date", "-id")


def order_get(user: User, order_id: int) -> Order:
    order = order_queryset(user).select_related("company", "seller").filter(id=order_id).first()
    if order is None:
        raise NotFound(_("order not found"), {"order_id": _("no such order")})
    return order


def order_lines(order_id: int) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order_id=order_id).select_related("product").order_by("line_no")


def company_orders(company: Company, *, limit: int | None = None) -> QuerySet[Order]:
    """A company's orders, newest first, with seller and lines (product, family) prefetched.
    The caller has already checked that the company is visible."""
    queryset = (
        Order.objects.filter(company_id=company.pk)
        .select_related("seller")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product__family").order_by("line_no"),
            )
        )
        .order_by("-order_date", "-id")
    )
    return queryset[:limit] if limit is not None else queryset
