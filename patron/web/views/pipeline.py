"""The pipeline board (kanban by stage, drag to move), opportunity pages and their actions.
Every change goes through the funnel services — the same validation as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts.models import User
from patron.accounts.selectors import team_list, user_sees_everything
from patron.companies.models import Company
from patron.companies.selectors import company_queryset
from patron.core.errors import DomainError, NotFound
from patron.funnel import permissions
from patron.funnel.handoffs import handoff_accept, handoff_reject, opportunity_hand_off
from patron.funnel.models import OpportunityStage, Play
from patron.funnel.opportunities import (
    opportunity_close_lost,
    opportunity_close_won,
    opportunity_create,
    opportunity_move_stage,
)
from patron.funnel.selectors import (
    BoardFilter,
    handoff_inbox,
    opportunity_get,
    opportunity_handoffs,
    opportunity_stage_history,
    pending_handoff,
    pipeline_board,
    play_list,
    stage_list,
)
from patron.leads.selectors import lead_queryset
from patron.web.forms_funnel import (
    HandOffForm,
    LostForm,
    MoveForm,
    OpportunityForm,
    RejectForm,
    aes_of,
)
from patron.web.presenters import format_money
from patron.web.presenters_funnel import stage_options

WHO = ("mine", "sourced", "team", "all")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def default_who(user: User) -> str:
    if permissions.is_closer(user):
        return "mine"
    if permissions.is_hunter(user):
        return "sourced"
    return "all" if user_sees_everything(user) else "team"


def board_filter(user: User, params: QueryDict) -> tuple[str, BoardFilter, int | None]:
    who = params.get("who") or default_who(user)
    if who not in WHO:
        who = default_who(user)
    team_id = None
    raw_team = params.get("team") or ""
    visible = {team.pk for team in team_list(user)}
    if raw_team.isdigit() and int(raw_team) in visible:
        team_id = int(raw_team)
    if who == "team" and team_id is None and user.team_id is not None:
        team_id = user.team_id
    board = {
        "mine": BoardFilter(owner_id=user.pk),
        "sourced": BoardFilter(source_sdr_id=user.pk),
        "team": BoardFilter(team_id=team_id),
        "all": BoardFilter(),
    }[who]
    return who, board, team_id


def id_url(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[id])`` for many ids, reversing once."""
    sentinel = 987654321
    before, after = reverse(name, args=[sentinel]).split(str(sentinel))
    return lambda pk: f"{before}{int(pk)}{after}"


def board_context(user: User, params: QueryDict, error: str = "") -> dict[str, Any]:
    who, board, team_id = board_filter(user, params)
    columns = pipeline_board(user, board)
    wanted = {"who": who}
    if team_id:
        wanted["team"] = str(team_id)
    query = urlencode(wanted)
    stages = stage_list(user.organization_id)
    # a card's two links: reversed once per board, not twice per card (a reverse costs
    # about 0.3 ms; a board shows up to 25 cards a stage)
    move_url, detail_url = id_url("web:pipeline-move"), id_url("web:opportunity-detail")
    for column in columns:
        for card in column.cards:
            card.move_url = move_url(card.pk)  # type: ignore[attr-defined]
            card.detail_url = detail_url(card.pk)  # type: ignore[attr-defined]
    return {
        # each column with the options of its cards' move menu (the same for every card of
        # a column: built once, not once per card)
        "columns": columns,
        "board_columns": [(column, stage_options(stages, column.stage.pk)) for column in columns],
        "who": who,
        "team_id": team_id,
        "teams": team_list(user),
        "board_query": query,
        "error": error,
        "total_count": sum(column.count for column in columns),
        "total_amount": format_money(sum(column.amount for column in columns)),
        "total_weighted": format_money(sum(column.weighted for column in columns)),
        "stages": stages,
    }


@login_required
def board_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = board_context(user, request.GET)
    context["inbox"] = handoff_inbox(user)
    context["can_create"] = permissions.is_hunter(user) or permissions.is_closer(user)
    context["can_create"] = context["can_create"] or permissions.can_configure(user)
    if request.htmx and request.htmx.target == "board":  # type: ignore[attr-defined]
        return render(request, "web/funnel/_board.html", context)
    return render(request, "web/funnel/board.html", context)


def _stage(user: User, raw: str | None) -> OpportunityStage:
    stage = None
    if raw and raw.isdigit():
        stage = OpportunityStage.objects.filter(
            organization_id=user.organization_id, pk=int(raw)
        ).first()
    if stage is None:
        raise DomainError(_("stage: no such stage"), {"stage": _("no such stage")})
    return stage


@login_required
@require_POST
def move_view(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """Drag and drop (and the card's "move to" form): the board comes back re-drawn, with the
    reason when the move was refused (status 4xx; nothing changed)."""
    user = _user(request)
    error, status = "", 200
    try:
        opportunity = opportunity_get(user, opportunity_id)
        opportunity_move_stage(
            opportunity=opportunity, by=user, stage=_stage(user, request.POST.get("stage"))
        )
    except DomainError as failure:
        error, status = failure.message, failure.status_code
    if request.POST.get("board") is not None:
        params = QueryDict(request.POST.get("board", ""))
        return render(
            request, "web/funnel/_board.html", board_context(user, params, error), status=status
        )
    if error:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": error})
    return _back(request, reverse("web:opportunity-detail", args=[opportunity_id]))


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target)


@login_required
def opportunity_detail_view(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    user = _user(request)
    try:
        opportunity = opportunity_get(user, opportunity_id)
    except NotFound:
        raise Http404("opportunity not found") from None
    handoff = pending_handoff(opportunity)
    stages = stage_list(user.organization_id)
    can_work = permissions.can_work(user, opportunity) and opportunity.is_open
    context = {
        "opportunity": opportunity,
        "amount_text": format_money(opportunity.amount),
        "lines": list(opportunity.lines.select_related("product").order_by("line_no")),
        "history": opportunity_stage_history(opportunity),
        "handoffs": opportunity_handoffs(opportunity),
        "activities": list(
            opportunity.activities.select_related("user").order_by("-occurred_at")[:50]  # type: ignore[attr-defined]
        ),
        "pending": handoff,
        "can_answer": handoff is not None and handoff.to_user_id == user.pk,
        "can_hand_off": opportunity.is_open
        and opportunity.source_sdr_id is not None
        and opportunity.handoff_status in ("", "rejected")
        and permissions.can_hand_off(user, opportunity),
        "can_move": can_work and handoff is None and opportunity.owner_id is not None,
        "can_close_lost": opportunity.is_open
        and handoff is None
        and (can_work or (opportunity.owner_id is None and opportunity.source_sdr_id == user.pk)),
        "move_form": MoveForm(initial={"stage": opportunity.stage_id}, stages=stages),
        "hand_off_form": HandOffForm(aes=aes_of(user.organization_id)),
        "reject_form": RejectForm(),
        "lost_form": LostForm(),
    }
    return render(request, "web/funnel/opportunity.html", context)


ACTIONS = ("hand_off", "accept", "reject", "won", "lost")


@login_required
@require_POST
def opportunity_action_view(request: HttpRequest, opportunity_id: int, action: str) -> HttpResponse:
    user = _user(request)
    if action not in ACTIONS:
        raise Http404("no such action")
    detail = reverse("web:opportunity-detail", args=[opportunity_id])
    try:
        opportunity = opportunity_get(user, opportunity_id)
        _act(user, opportunity, action, request.POST)
    except NotFound:
        raise Http404("opportunity not found") from None
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
        return redirect(detail)
    messages.success(request, _("Saved."))
    return redirect(detail)


def _act(user: User, opportunity: Any, action: str, data: QueryDict) -> None:
    if action == "hand_off":
        form = HandOffForm(data, aes=aes_of(user.organization_id))
        if not form.is_valid():
            raise DomainError(_("to: choose an AE"), {"to": _("choose an AE")})
        to = User.objects.get(pk=form.cleaned_data["to"])
        opportunity_hand_off(opportunity=opportunity, by=user, to=to)
    elif action in ("accept", "reject"):
        handoff = pending_handoff(opportunity)
        if handoff is None:
            raise DomainError(_("There is no hand-off waiting for an answer."))
        if action == "accept":
            handoff_accept(handoff=handoff, by=user)
        else:
            handoff_reject(
                handoff=handoff,
                by=user,
                reason=data.get("reason", ""),
                note=data.get("note", "")[:500],
            )
    elif action == "won":
        opportunity_close_won(opportunity=opportunity, by=user)
    else:
        opportunity_close_lost(
            opportunity=opportunity,
            by=user,
            reason=data.get("loss_reason", ""),
            note=data.get("loss_note", "")[:500],
        )


@login_required
def opportunity_new_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    plays = play_list(user.organization_id)
    form = OpportunityForm(request.POST or None, plays=plays, aes=aes_of(user.organization_id))
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = _create(user, form.cleaned_data)
        except DomainError as failure:
            for field, reason in failure.field_errors.items():
                form.add_error(field if field in form.fields else None, reason)
            if not failure.field_errors:
                form.add_error(None, failure.message)
        else:
            return redirect("web:opportunity-detail", opportunity_id=opportunity.pk)
    return render(request, "web/funnel/new.html", {"form": form})


@transaction.atomic
def _create(user: User, data: dict[str, Any]) -> Any:
    company: Company | None = None
    lead = None
    if data.get("company"):
        company = company_queryset(user).filter(external_id=data["company"]).first()
        if company is None:
            raise DomainError(_("company: no such company"), {"company": _("no such company")})
    if data.get("lead"):
        lead = lead_queryset(user).filter(external_id=data["lead"]).first()
        if lead is None:
            raise DomainError(_("lead: no such lead"), {"lead": _("no such lead")})
    play = Play.objects.filter(
        organization_id=user.organization_id, pk=data.get("play") or 0
    ).first()
    opportunity = opportunity_create(
        organization=user.organization,
        by=user,
        name=data["name"],
        company=company,
        lead=lead,
        amount=data.get("amount"),
        play=play,
        expected_close_on=data.get("expected_close_on"),
        next_step=data.get("next_step") or "",
    )
    if data.get("hand_off_to"):
        to = User.objects.filter(
            organization_id=user.organization_id, pk=data["hand_off_to"]
        ).first()
        if to is None:
            raise DomainError(_("hand_off_to: no such AE"), {"hand_off_to": _("no such AE")})
        opportunity_hand_off(opportunity=opportunity, by=user, to=to)
    return opportunity
