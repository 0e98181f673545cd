"""Reads of prospecting data, scoped: a seller sees their own list and profile, a manager the
lists of the sellers in the teams they manage, an admin every list (SPEC §11)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from patron.accounts.models import User
from patron.accounts.selectors import user_sees_everything
from patron.companies.models import Region
from patron.companies.selectors import region_descendant_ids
from patron.core.errors import NotFound
from patron.leads.selectors import lead_queryset, managed_team_ids
from patron.prospecting.models import (
    RANK_ORDER,
    IcpProfile,
    LeadInvolvement,
    LeadScore,
    TitleSynonym,
    TriggerEvent,
)


@dataclass(frozen=True)
class ScoreFilter:
    """Filters of a ranked list. ``in_target`` False gives the out-of-target leads."""

    in_target: bool = True
    starred: bool | None = None
    industry: str | None = None
    region_code: str | None = None
    min_score: int | None = None
    search: str | None = None


def seller_scope(user: User) -> Q:
    """The sellers whose lists and profiles ``user`` may read (as a filter on User)."""
    if user_sees_everything(user):
        return Q()
    team_ids = managed_team_ids(user)
    if team_ids:
        return Q(team_id__in=team_ids) | Q(pk=user.pk)
    return Q(pk=user.pk)


def visible_sellers(user: User) -> QuerySet[User]:
    return (
        User.objects.filter(organization_id=user.organization_id, is_active=True)
        .filter(seller_scope(user))
        .order_by("username")
    )


def seller_get(user: User, *, seller_id: int | None = None, username: str | None = None) -> User:
    """A seller ``user`` may read (``user`` itself when neither id nor username is given)."""
    if seller_id is None and username is None:
        return user
    queryset = visible_sellers(user)
    seller = (
        queryset.filter(pk=seller_id).first()
        if seller_id is not None
        else queryset.filter(username=username).first()
    )
    if seller is None:
        raise NotFound(f"seller {seller_id or username} not found")
    return seller


def profile_get(user: User, *, seller: User) -> IcpProfile | None:
    """The seller's profile with its targets, or None before the first save."""
    seller_get(user, seller_id=seller.pk)
    return IcpProfile.objects.filter(seller=seller).prefetch_related("targets").first()


def score_list(
    user: User, *, seller: User | None = None, filters: ScoreFilter | None = None
) -> QuerySet[LeadScore]:
    """``seller``'s ranked list (highest score first, ties by most recent trigger then oldest
    lead), with its lead, filtered. ``seller`` defaults to ``user``; it must be visible."""
    seller = seller_get(user, seller_id=None if seller is None else seller.pk)
    f = filters or ScoreFilter()
    # "in_target IN (…)" (not the bare boolean column) is an equality SQLite's planner can use,
    # so the page is read in order from the index instead of sorting the whole list
    queryset = LeadScore.objects.filter(seller=seller, in_target__in=[f.in_target])
    if f.starred is not None:
        queryset = queryset.filter(starred=f.starred)
    if f.industry:
        queryset = queryset.filter(industry=f.industry)
    if f.min_score is not None:
        queryset = queryset.filter(score__gte=f.min_score)
    if f.region_code:
        region = Region.objects.filter(code=f.region_code).first()
        region_ids = region_descendant_ids(region.pk) if region is not None else []
        queryset = queryset.filter(lead__region_id__in=region_ids)
    if f.search:
        term = f.search.strip()
        queryset = queryset.filter(
            Q(lead__company_name__icontains=term)
            | Q(lead__contact_name__icontains=term)
            | Q(lead__title__icontains=term)
        )
    return queryset.select_related("lead", "lead__region").order_by(*RANK_ORDER)


def score_position(score: LeadScore) -> int:
    """1-based place of ``score`` on its seller's in-target list."""
    ahead = LeadScore.objects.filter(
        seller_id=score.seller_id, in_target__in=[score.in_target]
    ).filter(
        Q(rank_key__lt=score.rank_key)
        | Q(rank_key=score.rank_key, lead_created_at__lt=score.lead_created_at)
        | Q(
            rank_key=score.rank_key,
            lead_created_at=score.lead_created_at,
            lead_id__lt=score.lead_id,
        )
    )
    return ahead.count() + 1


def lead_scores(user: User, *, lead_id: int) -> QuerySet[LeadScore]:
    """The scores of one lead ``user`` may see (one per seller whose list holds it)."""
    return (
        LeadScore.objects.filter(lead_id=lead_id, lead__organization_id=user.organization_id)
        .filter(seller_id__in=visible_sellers(user).values("pk"))
        .select_related("seller")
    )


def lead_involvement(seller_id: int, *, lead_id: int) -> bool:
    """Whether the seller marked themselves personally involved with the lead (+2 when it is
    on their list); the caller has checked the lead is visible."""
    return LeadInvolvement.objects.filter(seller_id=seller_id, lead_id=lead_id).exists()


def synonym_list(user: User) -> QuerySet[TitleSynonym]:
    return TitleSynonym.objects.filter(organization_id=user.organization_id)


def synonym_get(user: User, synonym_id: int) -> TitleSynonym:
    synonym = synonym_list(user).filter(pk=synonym_id).first()
    if synonym is None:
        raise NotFound(f"synonym {synonym_id} not found")
    return synonym


def trigger_event_list(
    user: User, *, company_id: int | None = None, lead_id: int | None = None
) -> QuerySet[TriggerEvent]:
    """Trigger events on companies and leads ``user`` may see."""
    from patron.companies.selectors import company_queryset

    queryset = TriggerEvent.objects.filter(organization_id=user.organization_id).filter(
        Q(company_id__in=company_queryset(user).values("pk"))
        | Q(lead_id__in=lead_queryset(user).values("pk"))
    )
    if company_id is not None:
        queryset = queryset.filter(company_id=company_id)
    if lead_id is not None:
        queryset = queryset.filter(lead_id=lead_id)
    return _newest_first(queryset)


def _newest_first(queryset: QuerySet[TriggerEvent]) -> QuerySet[TriggerEvent]:
    return queryset.select_related("company", "lead", "created_by").order_by("-occurred_on", "-id")


def lead_trigger_events(
    user: User, *, lead_id: int, company_id: int | None
) -> QuerySet[TriggerEvent]:
    """The trigger events of one lead ``user`` may see and of its company, newest first. The
    company's events count in the lead's score, so whoever sees the lead sees them, even when
    the company itself belongs to another team."""
    lead = lead_queryset(user).filter(pk=lead_id)
    own = Q(lead_id__in=lead.values("pk"))
    if company_id is not None:
        own |= Q(company_id__in=lead.filter(company_id=company_id).values("company_id"))
    return _newest_first(TriggerEvent.objects.filter(own, organization_id=user.organization_id))


def trigger_event_get(user: User, event_id: int) -> TriggerEvent:
    event = trigger_event_list(user).filter(pk=event_id).first()
    if event is None:
        raise NotFound(f"trigger event {event_id} not found")
    return event
