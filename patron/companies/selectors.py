"""Reads of companies and contacts, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from patron.accounts.models import User
from patron.accounts.selectors import team_scope
from patron.companies.models import Company, Contact, Region
from patron.core.errors import NotFound
from patron.core.models import AuditEvent


@dataclass(frozen=True)
class CompanyFilter:
    stage: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    industry: str | None = None
    region_id: int | None = None
    search: str | None = None


def region_descendant_ids(region_id: int) -> list[int]:
    """The region and every region under it (a province includes its cities)."""
    ids = [region_id]
    frontier = [region_id]
    while frontier:
        frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.extend(frontier)
    return ids


def company_queryset(user: User) -> QuerySet[Company]:
    return Company.objects.filter(organization_id=user.organization_id).filter(team_scope(user))


def company_list(user: User, filters: CompanyFilter | None = None) -> QuerySet[Company]:
    queryset = company_queryset(user)
    f = filters or CompanyFilter()
    if f.stage:
        queryset = queryset.filter(stage=f.stage)
    if f.owner_id:
        queryset = queryset.filter(owner_id=f.owner_id)
    if f.team_id:
        queryset = queryset.filter(team_id=f.team_id)
    if f.industry:
        queryset = queryset.filter(industry=f.industry)
    if f.region_id:
        queryset = queryset.filter(region_id__in=region_descendant_ids(f.region_id))
    if f.search:
        term = f.search.strip()
        # a term without letter case (Chinese) needs no case folding: a plain LIKE is faster
        name = Q(name__contains=term) if term.lower() == term.upper() else Q(name__icontains=term)
        queryset = queryset.filter(name | Q(external_id__iexact=term))
    return queryset.select_related("owner", "team", "region").order_by("name", "id")


def company_get(user: User, company_id: int) -> Company:
    company = (
        company_queryset(user)
        .select_related("owner", "team", "region", "region__parent")
        .filter(id=company_id)
        .first()
    )
    if company is None:
        raise NotFound("company not found", {"company_id": "no such company"})
    return company


def company_get_by_external_id(user: User, external_id: str) -> Company:
    company = company_queryset(user).filter(external_id=external_id).first()
    if company is None:
        raise NotFound("company not found", {"external_id": "no such company"})
    return company


def contact_list(user: User, *, company_id: int | None = None, search: str | None = None):  # type: ignore[no-untyped-def]
    queryset = Contact.objects.filter(organization_id=user.organization_id).filter(
        company__in=company_queryset(user)
    )
    if company_id:
        queryset = queryset.filter(company_id=company_id)
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(email__iexact=search) | Q(phone=search)
        )
    return queryset.select_related("company").order_by("name", "id")


def contact_get(user: User, contact_id: int) -> Contact:
    contact = contact_list(user).filter(id=contact_id).first()
    if contact is None:
        raise NotFound("contact not found", {"contact_id": "no such contact"})
    return contact


def company_audit_trail(company: Company, *, limit: int = 100) -> list[AuditEvent]:
    """Changes to the company itself, its contacts and its orders, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from patron.sales.models import Order

    targets = Q(content_type=ContentType.objects.get_for_model(Company), object_id=company.pk)
    contact_ids = list(company.contacts.values_list("id", flat=True)[:500])
    if contact_ids:
        targets |= Q(
            content_type=ContentType.objects.get_for_model(Contact), object_id__in=contact_ids
        )
    order_ids = list(Order.objects.filter(company=company).values_list("id", flat=True)[:500])
    if order_ids:
        targets |= Q(content_type=ContentType.objects.get_for_model(Order), object_id__in=order_ids)
    return list(
        AuditEvent.objects.filter(targets)
        .select_related("actor", "content_type")
        .order_by("-at", "-id")[:limit]
    )
