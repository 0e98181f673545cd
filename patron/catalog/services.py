"""Every write to products and families, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patron.accounts.models import Role, User
from patron.catalog.models import Product, ProductFamily
from patron.core.audit import audit_record
from patron.core.errors import PermissionDenied
from patron.core.models import AuditEvent, Organization
from patron.core.records import record_create, record_update
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


def catalog_change_check(user: User) -> None:
    """The catalog (products, families, prices) is the admins' and sales managers' to change."""
    if not (user.is_admin or user.has_role(Role.MANAGER)):
        raise PermissionDenied(
            _("only admins and sales managers may change products"),
            {"product": _("only admins and sales managers may change products")},
        )


@transaction.atomic
def product_create(*, organization: Organization, **values: Any) -> Product:
    values.setdefault("currency", organization.currency)
    product = Product(organization=organization, **values)
    return record_create(product, values, allowed=PRODUCT_FIELDS, unique_field="sku")


@transaction.atomic
def product_update(*, product: Product, **values: Any) -> Product:
    return record_update(product, values, allowed=PRODUCT_FIELDS, unique_field="sku")
