"""Who may do what in the funnel. Services check these with the acting user; the same answer
drives which buttons the pages show."""

from __future__ import annotations

from django.utils.translation import gettext as _

from patron.accounts.models import Role, Team, User
from patron.accounts.selectors import user_sees_everything
from patron.core.errors import PermissionDenied
from patron.funnel.models import Opportunity
from patron.leads.touches import HUNTER_ROLES

CLOSER_ROLES = (Role.AE.value,)


def is_hunter(user: User) -> bool:
    return user.has_role(*HUNTER_ROLES)


def is_closer(user: User) -> bool:
    return user.has_role(*CLOSER_ROLES)


def manages_team(user: User, team_id: int | None) -> bool:
    """Organization-wide managers and admins manage every team; a team's manager manages it."""
    if user_sees_everything(user):
        return True
    if team_id is None:
        return False
    if user.has_role(Role.MANAGER) and user.team_id == team_id:
        return True
    return Team.objects.filter(id=team_id, manager=user).exists()


def can_configure(user: User) -> bool:
    """Stages, plays, marketing rules, SLA policies and the calendar: admins and managers."""
    return user.is_admin or user.has_role(Role.MANAGER)


def ensure_can_configure(user: User) -> None:
    if not can_configure(user):
        raise PermissionDenied(
            _("Only admins and sales managers change the funnel settings."),
            {"__all__": _("not allowed")},
        )


def manages_opportunity(user: User, opportunity: Opportunity) -> bool:
    return manages_team(user, opportunity.team_id) or manages_team(user, opportunity.source_team_id)


def can_work(user: User, opportunity: Opportunity) -> bool:
    """Move stages and close: the owner (AE) or a manager of the opportunity's teams."""
    return opportunity.owner_id == user.pk or manages_opportunity(user, opportunity)


def can_edit(user: User, opportunity: Opportunity) -> bool:
    """Name, amount, products, play: who works it, and the source SDR until an AE has it."""
    if can_work(user, opportunity):
        return True
    return opportunity.source_sdr_id == user.pk and opportunity.owner_id is None


def can_hand_off(user: User, opportunity: Opportunity) -> bool:
    return opportunity.source_sdr_id == user.pk or manages_opportunity(user, opportunity)


def denied(action: str) -> PermissionDenied:
    return PermissionDenied(
        _("You may not %(action)s this opportunity.") % {"action": action},
        {"__all__": _("not allowed")},
    )
