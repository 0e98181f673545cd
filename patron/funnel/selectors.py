"""Reads of opportunities, scoped to what the user may see (SPEC §11): admins and
organization-wide managers see all; everyone else sees the opportunities of the teams they
belong to or manage, and those they own or sourced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.accounts.selectors import visible_team_ids
from patron.core.errors import NotFound
from patron.funnel.choices import HandoffStatus, OpportunityStatus
from patron.funnel.models import (
    Opportunity,
    OpportunityHandoff,
    OpportunityStage,
    Play,
    StageChange,
)

CARDS_PER_STAGE = 25
ZERO = Decimal("0.00")


def opportunity_scope(user: User) -> Q:
    team_ids = visible_team_ids(user)
    if team_ids is None:
        return Q()
    return (
        Q(team_id__in=team_ids)
        | Q(source_team_id__in=team_ids)
        | Q(owner=user)
        | Q(source_sdr=user)
    )


def opportunity_queryset(user: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(organization_id=user.organization_id).filter(
        opportunity_scope(user)
    )


@dataclass(frozen=True)
class OpportunityFilter:
    status: str | None = None
    stage_id: int | None = None
    owner_id: int | None = None
    source_sdr_id: int | None = None
    team_id: int | None = None  # the owner's or the source SDR's team
    play_id: int | None = None
    company_id: int | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None  # exclusive
    handoff_status: str | None = None


def opportunity_list(user: User, filters: OpportunityFilter | None = None) -> QuerySet[Opportunity]:
    f = filters or OpportunityFilter()
    queryset = opportunity_queryset(user)
    exact = {
        "status": f.status,
        "stage_id": f.stage_id,
        "owner_id": f.owner_id,
        "source_sdr_id": f.source_sdr_id,
        "play_id": f.play_id,
        "company_id": f.company_id,
        "handoff_status": f.handoff_status,
    }
    queryset = queryset.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.team_id is not None:
        queryset = queryset.filter(Q(team_id=f.team_id) | Q(source_team_id=f.team_id))
    if f.created_from is not None:
        queryset = queryset.filter(created_at__gte=f.created_from)
    if f.created_to is not None:
        queryset = queryset.filter(created_at__lt=f.created_to)
    return queryset.select_related("company", "owner", "source_sdr", "stage", "play").order_by(
        "-created_at", "-id"
    )


def opportunity_get(user: User, opportunity_id: int) -> Opportunity:
    opportunity = (
        opportunity_queryset(user)
        .select_related(
            "company", "contact", "lead", "owner", "source_sdr", "stage", "play", "order", "team"
        )
        .filter(pk=opportunity_id)
        .first()
    )
    if opportunity is None:
        raise NotFound(_("opportunity not found"), {"opportunity_id": _("no such opportunity")})
    return opportunity


def opportunity_stage_history(opportunity: Opportunity) -> list[StageChange]:
    return list(
        StageChange.objects.filter(opportunity=opportunity)
        .select_related("user")
        .order_by("at", "id")
    )


def opportunity_handoffs(opportunity: Opportunity) -> list[OpportunityHandoff]:
    return list(
        OpportunityHandoff.objects.filter(opportunity=opportunity)
        .select_related("from_user", "to_user")
        .order_by("handed_at", "id")
    )


def pending_handoff(opportunity: Opportunity) -> OpportunityHandoff | None:
    return (
        OpportunityHandoff.objects.filter(opportunity=opportunity, status=HandoffStatus.PENDING)
        .select_related("to_user")
        .first()
    )


def handoff_get(user: User, opportunity_id: int) -> OpportunityHandoff:
    """The pending hand-off of an opportunity the user may see."""
    opportunity = opportunity_get(user, opportunity_id)
    handoff = pending_handoff(opportunity)
    if handoff is None:
        raise NotFound(
            _("this opportunity has no hand-off waiting for an answer"),
            {"opportunity_id": _("no pending hand-off")},
        )
    return handoff


def handoff_inbox(user: User) -> list[OpportunityHandoff]:
    """Hand-offs waiting for this AE's answer, oldest first."""
    return list(
        OpportunityHandoff.objects.filter(to_user=user, status=HandoffStatus.PENDING)
        .select_related("opportunity", "opportunity__company", "from_user")
        .order_by("handed_at", "id")
    )


def stage_list(organization_id: int, *, active_only: bool = True) -> list[OpportunityStage]:
    stages = OpportunityStage.objects.filter(organization_id=organization_id)
    if active_only:
        stages = stages.filter(is_active=True)
    return list(stages.order_by("number"))


def play_list(organization_id: int, *, active_only: bool = True) -> list[Play]:
    plays = Play.objects.filter(organization_id=organization_id)
    if active_only:
        plays = plays.filter(is_active=True)
    return list(plays.order_by("name"))


# ---- the pipeline board ----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilter:
    owner_id: int | None = None  # an AE's board
    source_sdr_id: int | None = None  # what an SDR handed over
    team_id: int | None = None  # a team's board
    play_id: int | None = None


@dataclass
class BoardColumn:
    stage: OpportunityStage
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    amount: Decimal = ZERO

    @property
    def weighted(self) -> Decimal:
        return (self.amount * self.stage.probability / 100).quantize(Decimal("0.01"))

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board_queryset(user: User, board: BoardFilter) -> QuerySet[Opportunity]:
    queryset = opportunity_queryset(user).filter(status=OpportunityStatus.OPEN)
    if board.owner_id is not None:
        queryset = queryset.filter(owner_id=board.owner_id)
    if board.source_sdr_id is not None:
        queryset = queryset.filter(source_sdr_id=board.source_sdr_id)
    if board.team_id is not None:
        queryset = queryset.filter(Q(team_id=board.team_id) | Q(source_team_id=board.team_id))
    if board.play_id is not None:
        queryset = queryset.filter(play_id=board.play_id)
    return queryset


def pipeline_board(user: User, board: BoardFilter) -> list[BoardColumn]:
    """One column per active stage: the biggest open opportunities first, with the count, the
    amount and the probability-weighted amount of every open opportunity at that stage."""
    queryset = board_queryset(user, board)
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stage_list(user.organization_id)}
    totals = queryset.order_by().values("stage_id").annotate(n=Count("*"), s=Sum("base_amount"))
    for row in totals:
        column = columns.get(row["stage_id"])
        if column is not None:
            column.count = row["n"]
            column.amount = Decimal(str(row["s"] or 0)).quantize(Decimal("0.01"))
    for stage_id, column in columns.items():
        if not column.count:
            continue
        column.cards = list(
            queryset.filter(stage_id=stage_id)
            .select_related("company", "owner", "source_sdr", "play")
            .order_by("-base_amount")[:CARDS_PER_STAGE]
        )
    return list(columns.values())
