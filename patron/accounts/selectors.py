"""Who may see what. Every read of business records goes through these scopes."""

from __future__ import annotations

from django.db.models import Q

from patron.accounts.models import Role, Team, User


def user_sees_everything(user: User) -> bool:
    """Admins, and sales managers who are not tied to one team, see the whole organization."""
    return user.is_admin or (user.has_role(Role.MANAGER) and user.team_id is None)


def visible_team_ids(user: User) -> set[int] | None:
    """Team ids whose records ``user`` may read; ``None`` means every team."""
    if user_sees_everything(user):
        return None
    team_ids = set(Team.objects.filter(manager=user).values_list("id", flat=True))
    if user.team_id is not None:
        team_ids.add(user.team_id)
    return team_ids


def team_scope(user: User, *, team_field: str = "team", owner_field: str = "owner") -> Q:
    """A filter for rows owned by ``user`` or belonging to a team ``user`` may see."""
    team_ids = visible_team_ids(user)
    if team_ids is None:
        return Q()
    return Q(**{f"{team_field}__in": team_ids}) | Q(**{owner_field: user})


def team_list(user: User) -> list[Team]:
    queryset = Team.objects.filter(organization_id=user.organization_id).select_related("manager")
    team_ids = visible_team_ids(user)
    if team_ids is not None:
        queryset = queryset.filter(id__in=team_ids)
    return list(queryset)


def user_list(user: User, *, role: str | None = None) -> list[User]:
    queryset = User.objects.filter(organization_id=user.organization_id, is_active=True)
    team_ids = visible_team_ids(user)
    if team_ids is not None:
        queryset = queryset.filter(Q(team_id__in=team_ids) | Q(id=user.id))
    if role:
        queryset = queryset.filter(roles__role=role)
    return list(queryset.select_related("team").order_by("username").distinct())
