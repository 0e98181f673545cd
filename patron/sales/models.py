"""Orders and their lines. Amounts are Decimal in the order's currency; ``base_amount`` is the
same amount in the organization's currency, used by every report."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import Organization, OrgScopedModel
from patron.imports.models import CreatedByImport


class OrderStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


COUNTED_STATUSES = (OrderStatus.PAID.value, OrderStatus.OPEN.value)


class Order(CreatedByImport, OrgScopedModel):
    # No single-column indexes on the foreign keys: the unique (organization, external_id) and
    # the (company|seller, order_date) indexes below cover them, and every index slows imports.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )
    external_id = models.CharField(_("order id"), max_length=64)
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("company"),
        db_index=False,
    )
    order_date = models.DateField(_("order date"))
    seller = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sold_orders",
        verbose_name=_("seller"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    fx_rate = models.DecimalField(
        _("rate to organization currency"), max_digits=18, decimal_places=8, default=Decimal("1")
    )
    total_amount = models.DecimalField(
        _("total amount"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_date = models.DateField(_("paid date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="order_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in OrderStatus]),
                name="order_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(fx_rate__gt=0), name="order_fx_positive"),
        ]
        indexes = [
            models.Index(fields=["company", "order_date"], name="order_company_date"),
            models.Index(fields=["organization", "order_date"], name="order_date"),
            models.Index(fields=["seller", "order_date"], name="order_seller_date"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_counted(self) -> bool:
        return self.status in COUNTED_STATUSES


class OrderLine(OrgScopedModel):
    # The unique (order, line_no) index serves lookups by order; an index on organization_id
    # would not narrow anything down (an installation serves one organization).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("order"),
        db_index=False,
    )
    line_no = models.PositiveIntegerField(_("line"), default=1)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="order_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    base_amount = models.DecimalField(
        _("amount in organization currency"), max_digits=16, decimal_places=2
    )
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, default=Decimal("0"))
    discount_pct = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    service_start = models.DateField(_("service start"), null=True, blank=True)
    service_end = models.DateField(_("service end"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="line_amount_non_negative"
            ),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="line_cost_non_negative"),
            models.CheckConstraint(
                condition=models.Q(discount_pct__gte=0, discount_pct__lte=100),
                name="line_discount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(service_start__isnull=True)
                | models.Q(service_end__isnull=True)
                | models.Q(service_end__gte=models.F("service_start")),
                name="line_service_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no}"
