"""Every write to products and families, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from patron.catalog.models import Product, ProductFamily
from patron.core.audit import audit_record, field_changes, jsonable
from patron.core.models import AuditEvent, Organization
from patron.core.validation import validate_instance

PRODUCT_FIELDS = (
    "sku",
    "name",
    "family",
    "list_price",
    "unit_cost",
    "currency",
    "is_subscription",
    "is_active",
)


@transaction.atomic
def product_family_create(*, organization: Organization, code: str, name: str) -> ProductFamily:
    family = ProductFamily(organization=organization, code=code, name=name)
    validate_instance(family, unique_field="code")
    family.save()
    audit_record(family, AuditEvent.Action.CREATE, {"code": [None, code], "name": [None, name]})
    return family


@transaction.atomic
def product_create(*, organization: Organization, **values: Any) -> Product:
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    values.setdefault("currency", organization.currency)
    product = Product(organization=organization, **values)
    validate_instance(product, unique_field="sku")
    product.save()
    audit_record(
        product,
        AuditEvent.Action.CREATE,
        {name: [None, jsonable(getattr(product, name))] for name in values},
    )
    return product


@transaction.atomic
def product_update(*, product: Product, **values: Any) -> Product:
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    original = Product.objects.select_for_update().get(pk=product.pk)
    changes = field_changes(original, values)
    if not changes:
        return original
    validate_instance(original, unique_field="sku")
    original.save()
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    return original
