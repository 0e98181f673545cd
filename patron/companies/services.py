"""Every write to companies and contacts. Each records an audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from patron.accounts.models import User
from patron.companies.models import Company, Contact
from patron.core.models import Organization
from patron.core.records import record_create, record_update

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
    company = Company(organization=organization, **values)
    company.team_id = _team_of(values.get("owner"))
    record_create(company, values, allowed=COMPANY_FIELDS, unique_field="external_id")
    if company.is_reference and company.industry:
        from patron.prospecting.services import reference_changed_rescore

        reference_changed_rescore(organization=organization, industries=[company.industry])
    return company


@transaction.atomic
def company_update(*, company: Company, **values: Any) -> Company:
    def follow_owner(original: Company) -> None:
        if "owner" in values:
            original.team_id = _team_of(values["owner"])

    before = (company.is_reference, company.industry)
    updated = record_update(
        company,
        values,
        allowed=COMPANY_FIELDS,
        unique_field="external_id",
        before_save=follow_owner,
    )
    if (updated.is_reference, updated.industry) != before and (updated.is_reference or before[0]):
        # "+1 reference customer in that industry" on every prospect list (SPEC §5)
        from patron.prospecting.services import reference_changed_rescore

        reference_changed_rescore(
            organization=updated.organization, industries={before[1], updated.industry}
        )
    return updated


@transaction.atomic
def contact_create(*, organization: Organization, **values: Any) -> Contact:
    contact = Contact(organization=organization, **values)
    return record_create(contact, values, allowed=CONTACT_FIELDS, unique_field="external_id")


@transaction.atomic
def contact_update(*, contact: Contact, **values: Any) -> Contact:
    return record_update(contact, values, allowed=CONTACT_FIELDS, unique_field="external_id")
