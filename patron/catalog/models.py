"""Products and product families (families drive cross-sell)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import OrgScopedModel
from patron.imports.models import CreatedByImport


class ProductFamily(OrgScopedModel):
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="family_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Product(CreatedByImport, OrgScopedModel):
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    family = models.ForeignKey(
        ProductFamily, on_delete=models.PROTECT, related_name="products", verbose_name=_("family")
    )
    list_price = models.DecimalField(
        _("list price"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    is_subscription = models.BooleanField(_("is subscription"), default=False)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sku"], name="product_sku_unique"),
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0) & models.Q(unit_cost__gte=0),
                name="product_prices_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
