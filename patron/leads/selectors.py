"""Reads of leads, scoped to what the user may see.

SPEC §11: a seller sees their own leads, a manager the leads of the teams they manage, an
admin (or an organization-wide manager) every lead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from patron.accounts.models import Role, Team, User
from patron.accounts.selectors import user_sees_everything
from patron.activities.models import Activity
from patron.core.audit import audit_trail
from patron.core.errors import NotFound
from patron.core.models import AuditEvent
from patron.imports.models import ImportRun
from patron.imports.selectors import ImportCreation
from patron.leads import rules
from patron.leads.choices import DuplicateStatus
from patron.leads.models import Lead, LeadDuplicate


def managed_team_ids(user: User) -> set[int]:
    """The teams whose leads ``user`` sees as their manager."""
    team_ids = set(Team.objects.filter(manager=user).values_list("id", flat=True))
    if user.team_id is not None and user.has_role(Role.MANAGER):
        team_ids.add(user.team_id)
    return team_ids


def lead_scope(user: User) -> Q:
    if user_sees_everything(user):
        return Q()
    team_ids = managed_team_ids(user)
    if team_ids:
        return Q(team_id__in=team_ids) | Q(owner=user)
    return Q(owner=user)


def lead_queryset(user: User) -> QuerySet[Lead]:
    return Lead.objects.filter(organization_id=user.organization_id).filter(lead_scope(user))


def lead_get(user: User, lead_id: int) -> Lead:
    lead = (
        lead_queryset(user)
        .select_related("owner", "team", "region", "company", "contact")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    owner_id: int | None = None
    industry: str | None = None
    region_id: int | None = None
    mql: bool | None = None
    search: str | None = None


def lead_list(user: User, filters: LeadFilter) -> QuerySet[Lead]:
    """The leads ``user`` may see, filtered, newest first (the ``lead_created`` index order)."""
    leads = lead_queryset(user)
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.owner_id is not None:
        leads = leads.filter(owner_id=filters.owner_id)
    if filters.industry:
        leads = leads.filter(industry=filters.industry)
    if filters.region_id is not None:
        leads = leads.filter(
            Q(region_id=filters.region_id) | Q(region__parent_id=filters.region_id)
        )
    if filters.mql is not None:
        leads = leads.filter(mql_at__isnull=not filters.mql)
    if filters.search:
        leads = leads.filter(search_condition(filters.search))
    return leads.select_related("owner", "region").order_by("-created_at", "-id")


def search_condition(text: str) -> Q:
    """A search that indexes serve at a million leads: the lead id, the email or the phone
    (folded like the match keys), or the start of the company name (``name_key`` begins with
    the folded company name)."""
    condition = Q(external_id=text.strip())
    email = rules.email_key(text)
    if email and "@" in email:
        condition |= Q(email_key=email)
    phone = rules.phone_key(text)
    if phone:
        condition |= Q(phone_key=phone)
    company = rules.company_part(text)
    if company:
        condition |= Q(name_key__gte=company, name_key__lt=company + "\U0010ffff")
    return condition


def lead_activities(lead: Lead, *, limit: int = 100) -> list[Activity]:
    return list(
        Activity.objects.filter(lead=lead)
        .select_related("user")
        .order_by("-occurred_at", "-id")[:limit]
    )


def lead_history(lead: Lead, *, limit: int = 100) -> tuple[list[AuditEvent], list[ImportCreation]]:
    """The lead's audit events (newest first) and the import run that created it, if any."""
    events = list(audit_trail(lead).select_related("content_type").order_by("-at", "-id")[:limit])
    creations: list[ImportCreation] = []
    if lead.created_by_import_id is not None:
        run = ImportRun.objects.filter(pk=lead.created_by_import_id).first()
        if run is not None:
            creations.append(
                ImportCreation(
                    run_id=run.pk,
                    at=run.created_at,
                    actor_label=run.actor_label,
                    file_name=run.file_name,
                    model=Lead,
                    count=1,
                    object_label=str(lead),
                )
            )
    return events, creations


# --- duplicates ------------------------------------------------------------------------------


def duplicate_scope(user: User) -> Q:
    """A seller sees the duplicates of their own leads (and of their companies' contacts), a
    manager those of the teams they manage, an admin every one (SPEC §11); whoever ran an
    import sees the duplicates it reported."""
    if user_sees_everything(user):
        return Q()
    team_ids = managed_team_ids(user)
    scope = (
        Q(matched_lead__owner=user)
        | Q(matched_contact__company__owner=user)
        | Q(import_run__actor=user)
    )
    if team_ids:
        scope |= Q(matched_lead__team_id__in=team_ids) | Q(
            matched_contact__company__team_id__in=team_ids
        )
    return scope


def duplicate_queryset(user: User) -> QuerySet[LeadDuplicate]:
    return LeadDuplicate.objects.filter(organization_id=user.organization_id).filter(
        duplicate_scope(user)
    )


def duplicate_list(
    user: User, *, status: str = DuplicateStatus.OPEN, run_id: int | None = None
) -> QuerySet[LeadDuplicate]:
    duplicates = duplicate_queryset(user).filter(status=status)
    if run_id is not None:
        duplicates = duplicates.filter(import_run_id=run_id)
    return duplicates.select_related(
        "matched_lead", "matched_contact", "matched_contact__company", "import_run"
    ).order_by("-id")


def duplicate_get(user: User, duplicate_id: int) -> LeadDuplicate:
    duplicate = (
        duplicate_queryset(user)
        .select_related(
            "matched_lead",
            "matched_lead__owner",
            "matched_lead__region",
            "matched_contact",
            "matched_contact__company",
            "lead",
            "import_run",
        )
        .filter(pk=duplicate_id)
        .first()
    )
    if duplicate is None:
        raise NotFound(f"duplicate {duplicate_id} not found")
    return duplicate


def duplicate_runs(user: User) -> list[ImportRun]:
    """The import runs that left open duplicates the user may see (for the filter)."""
    run_ids = (
        duplicate_queryset(user)
        .filter(status=DuplicateStatus.OPEN, import_run__isnull=False)
        .values_list("import_run_id", flat=True)
        .distinct()
    )
    return list(ImportRun.objects.filter(pk__in=run_ids).order_by("-created_at"))
