"""Every write to orders. An order and its lines change together, are audited, and the
company's lifecycle months are recomputed in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patron.catalog.models import Product
from patron.companies.models import Company
from patron.core.audit import audit_record, field_changes, jsonable
from patron.core.errors import ValidationFailed
from patron.core.models import AuditEvent, CurrencyRate, Organization
from patron.core.months import local_date
from patron.core.validation import validate_instance
from patron.sales.models import Order, OrderLine

HEADER_FIELDS = (
    "external_id",
    "company",
    "order_date",
    "seller",
    "status",
    "currency",
    "due_date",
    "paid_date",
    "notes",
)


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: Decimal
    amount: Decimal
    cost: Decimal = Decimal("0")
    discount_pct: Decimal = Decimal("0")
    service_start: dt.date | None = None
    service_end: dt.date | None = None


def currency_rate(organization: Organization, currency: str) -> Decimal:
    if currency == organization.currency:
        return Decimal("1")
    rate = (
        CurrencyRate.objects.filter(organization=organization, currency=currency)
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationFailed(
            _("currency: no exchange rate for %(currency)s") % {"currency": currency},
            {"currency": _("no exchange rate for %(currency)s") % {"currency": currency}},
        )
    return rate


def order_local_date(organization: Organization, value: dt.date | dt.datetime) -> dt.date:
    """An order dated by a moment is dated by that moment's day in the organization's zone."""
    if isinstance(value, dt.datetime):
        return local_date(value, organization.time_zone)
    return value


def _write_lines(order: Order, lines: Sequence[LineInput]) -> list[OrderLine]:
    if not lines:
        raise ValidationFailed(
            _("lines: an order needs at least one line"),
            {"lines": _("an order needs at least one line")},
        )
    built = []
    for number, line in enumerate(lines, start=1):
        built.append(
            OrderLine(
                organization_id=order.organization_id,
                order=order,
                line_no=number,
                product=line.product,
                quantity=line.quantity,
                amount=line.amount,
                base_amount=(line.amount * order.fx_rate).quantize(Decimal("0.01")),
                cost=line.cost,
                discount_pct=line.discount_pct,
                service_start=line.service_start,
                service_end=line.service_end,
            )
        )
    for index, line_object in enumerate(built):
        try:
            validate_instance(line_object, exclude=["order"])
        except ValidationFailed as error:
            prefixed = {f"lines[{index}].{k}": v for k, v in error.field_errors.items()}
            raise ValidationFailed(f"lines[{index}].{error.message}", prefixed) from None
    order.lines.all().delete()
    OrderLine.objects.bulk_create(built)
    return built


def _line_summary(lines: Sequence[LineInput]) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product.sku,
            "quantity": str(line.quantity),
            "amount": str(line.amount),
            "service_start": jsonable(line.service_start),
            "service_end": jsonable(line.service_end),
        }
        for line in lines
    ]


def _recompute(order: Order, *company_ids: int, seller_ids: Sequence[int | None] = ()) -> None:
    from patron.lifecycle.services import lifecycle_recompute
    from patron.prospecting.services import industry_won_rescore

    lifecycle_recompute(organization=order.organization, company_ids=sorted(set(company_ids)))
    # "+1 won in that industry" on the sellers' prospect lists (SPEC §5)
    industry_won_rescore(
        organization=order.organization,
        seller_ids=[pk for pk in {order.seller_id, *seller_ids} if pk],
        company_ids=company_ids,
    )


@transaction.atomic
def order_create(*, organization: Organization, lines: Sequence[LineInput], **values: Any) -> Order:
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    values.setdefault("currency", organization.currency)
    if "order_date" in values and values["order_date"] is not None:
        values["order_date"] = order_local_date(organization, values["order_date"])
    order = Order(organization=organization, **values)
    order.fx_rate = currency_rate(organization, order.currency)
    order.total_amount = sum((line.amount for line in lines), Decimal("0"))
    validate_instance(order, unique_field="external_id")
    order.save()
    _write_lines(order, lines)
    changes = {name: [None, jsonable(getattr(order, name))] for name in values}
    changes["lines"] = [None, _line_summary(lines)]
    audit_record(order, AuditEvent.Action.CREATE, changes)
    _recompute(order, order.company_id)
    return order


@transaction.atomic
def order_update(*, order: Order, lines: Sequence[LineInput] | None = None, **values: Any) -> Order:
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    original = Order.objects.select_for_update().get(pk=order.pk)
    previous_company_id = original.company_id
    previous_seller_id = original.seller_id
    if values.get("order_date") is not None:
        values["order_date"] = order_local_date(original.organization, values["order_date"])
    changes = field_changes(original, values)
    if "currency" in changes:
        original.fx_rate = currency_rate(original.organization, original.currency)
    if lines is not None:
        original.total_amount = sum((line.amount for line in lines), Decimal("0"))
        changes["lines"] = [None, _line_summary(lines)]
    if not changes:
        return original
    validate_instance(original, unique_field="external_id")
    original.save()
    if lines is not None:
        _write_lines(original, lines)
    elif "currency" in changes:
        for line in original.lines.all():
            line.base_amount = (line.amount * original.fx_rate).quantize(Decimal("0.01"))
            line.save(update_fields=["base_amount", "updated_at"])
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    _recompute(original, previous_company_id, original.company_id, seller_ids=[previous_seller_id])
    return original


def company_for_order(organization: Organization, company_id: int) -> Company:
    company = Company.objects.filter(organization=organization, id=company_id).first()
    if company is None:
        raise ValidationFailed(_("company: no such company"), {"company": _("no such company")})
    return company
