"""Reads of the product catalog. The catalog is shared by the whole organization."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.catalog.models import Product, ProductFamily
from patron.core.errors import NotFound


def product_list(
    user: User, *, family: str | None = None, sku: str | None = None
) -> QuerySet[Product]:
    """Products of the user's organization, optionally of one family (by code) or one SKU."""
    queryset = Product.objects.filter(organization_id=user.organization_id)
    if family:
        queryset = queryset.filter(family__code=family)
    if sku:
        queryset = queryset.filter(sku=sku)
    return queryset.select_related("family").order_by("sku", "id")


def product_get(user: User, product_id: int) -> Product:
    product = product_list(user).filter(id=product_id).first()
    if product is None:
        raise NotFound(_("product not found"), {"product_id": _("no such product")})
    return product


def product_family_get_by_code(user: User, code: str) -> ProductFamily | None:
    return ProductFamily.objects.filter(organization_id=user.organization_id, code=code).first()


def products_by_sku(user: User, skus: list[str]) -> dict[str, Product]:
    """The organization's products among ``skus``, keyed by SKU (one query)."""
    return {
        product.sku: product
        for product in Product.objects.filter(organization_id=user.organization_id, sku__in=skus)
    }
