"""Every write to companies and contacts. Each records an audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from patron.accounts.models import User
from patron.companies.models import Company, Contact
from patron.core.audit import audit_record, field_changes, jsonable
from patron.core.models import AuditEvent, Organization
from patron.core.validation import validate_instance

COMPANY_FIELDS = (
    "external_id",
    "name",
    "industry",
    "region",
    "size",
    "owner",
    "is_reference",
    "market_potential",
    "credit_rating",
    "website",
    "phone",
    "address",
)
CONTACT_FIELDS = (
    "external_id",
    "company",
    "name",
    "title",
    "email",
    "phone",
    "buying_role",
    "influence",
    "attitude",
    "notes",
)


def _team_of(owner: User | None) -> int | None:
    return owner.team_id if owner is not None else None


@transaction.atomic
def company_create(*, organization: Organization, **values: Any) -> Company:
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"unknown company fields: {sorted(unknown)}")
    company = Company(organization=organization, **values)
    company.team_id = _team_of(values.get("owner"))
    validate_instance(company, unique_field="external_id")
    company.save()
    audit_record(
        company,
        AuditEvent.Action.CREATE,
        {name: [None, jsonable(getattr(company, name))] for name in values},
    )
    return company


@transaction.atomic
def company_update(*, company: Company, **values: Any) -> Company:
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"unknown company fields: {sorted(unknown)}")
    original = Company.objects.select_for_update().get(pk=company.pk)
    changes = field_changes(original, values)
    if not changes:
        return original
    if "owner" in values:
        original.team_id = _team_of(values["owner"])
    validate_instance(original, unique_field="external_id")
    original.save()
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    return original


@transaction.atomic
def contact_create(*, organization: Organization, **values: Any) -> Contact:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    contact = Contact(organization=organization, **values)
    validate_instance(contact, unique_field="external_id")
    contact.save()
    audit_record(
        contact,
        AuditEvent.Action.CREATE,
        {name: [None, jsonable(getattr(contact, name))] for name in values},
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, **values: Any) -> Contact:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    original = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = field_changes(original, values)
    if not changes:
        return original
    validate_instance(original, unique_field="external_id")
    original.save()
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    return original
