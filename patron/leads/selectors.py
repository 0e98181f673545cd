"""Reads of leads, scoped to what the user may see.

SPEC §11: a seller sees their own leads, a manager the leads of the teams they manage, an
admin (or an organization-wide manager) every lead.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patron.accounts.models import Role, Team, User
from patron.accounts.selectors import user_sees_everything
from patron.core.errors import NotFound
from patron.leads.models import Lead


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
