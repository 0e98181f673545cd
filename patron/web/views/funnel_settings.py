"""Funnel settings for admins and sales managers: stages (add, rename, reorder, switch off),
plays and the marketing rules that make leads MQLs. Each change goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from patron.accounts.models import User
from patron.core.errors import DomainError
from patron.funnel.models import MarketingRule, OpportunityStage, Play
from patron.funnel.permissions import can_configure, ensure_can_configure
from patron.funnel.services import (
    marketing_rule_create,
    marketing_rule_update,
    mql_rules_apply,
    play_create,
    play_update,
    stage_create,
    stage_update,
    stages_reorder,
)
from patron.web.forms_funnel import PlayForm, RuleForm, StageForm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    organization_id = _user(request).organization_id
    context = {
        "can_configure": can_configure(_user(request)),
        "stages": OpportunityStage.objects.filter(organization_id=organization_id).order_by(
            "number"
        ),
        "plays": Play.objects.filter(organization_id=organization_id).order_by("name"),
        "rules": MarketingRule.objects.filter(organization_id=organization_id).order_by("name"),
        "stage_form": StageForm(initial={"probability": 10}),
        "play_form": PlayForm(),
        "rule_form": RuleForm(),
    }
    return render(request, "web/funnel/settings.html", context)


def _invalid(form: Any) -> DomainError:
    reasons = "; ".join(
        f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
    )
    return DomainError(reasons)


def _stage(user: User, data: Any) -> None:
    organization = user.organization
    action = data.get("action")
    if action == "add":
        form = StageForm(data)
        if not form.is_valid():
            raise _invalid(form)
        stage_create(organization=organization, by=user, **form.cleaned_data)
        return
    stages = list(OpportunityStage.objects.filter(organization=organization).order_by("number"))
    by_id = {str(stage.pk): stage for stage in stages}
    stage = by_id.get(data.get("stage", ""))
    if stage is None:
        raise DomainError(_("stage: no such stage"))
    if action in ("up", "down"):
        index = stages.index(stage)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(stages):
            stages[index], stages[other] = stages[other], stages[index]
            stages_reorder(organization=organization, by=user, stage_ids=[s.pk for s in stages])
    elif action == "toggle":
        stage_update(stage=stage, by=user, is_active=not stage.is_active)
    elif action == "save":
        form = StageForm(data)
        if not form.is_valid():
            raise _invalid(form)
        stage_update(stage=stage, by=user, **form.cleaned_data)
    else:
        raise Http404("no such action")


def _play(user: User, data: Any) -> None:
    if data.get("action") == "add":
        form = PlayForm(data)
        if not form.is_valid():
            raise _invalid(form)
        play_create(organization=user.organization, by=user, **form.cleaned_data)
        return
    play = Play.objects.filter(organization=user.organization, pk=data.get("play") or 0).first()
    if play is None:
        raise DomainError(_("play: no such play"))
    play_update(play=play, by=user, is_active=not play.is_active)


def _rule(user: User, data: Any) -> None:
    action = data.get("action")
    if action == "add":
        form = RuleForm(data)
        if not form.is_valid():
            raise _invalid(form)
        marketing_rule_create(organization=user.organization, by=user, **form.rule_values())
    elif action == "apply":
        ensure_can_configure(user)
        marked = mql_rules_apply(organization=user.organization, at=timezone.now())
        raise _Marked(marked)
    else:
        rule = MarketingRule.objects.filter(
            organization=user.organization, pk=data.get("rule") or 0
        ).first()
        if rule is None:
            raise DomainError(_("rule not found"))
        marketing_rule_update(rule=rule, by=user, is_active=not rule.is_active)


class _Marked(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


@login_required
@require_POST
def settings_action_view(request: HttpRequest, area: str) -> HttpResponse:
    handlers = {"stage": _stage, "play": _play, "rule": _rule}
    if area not in handlers:
        raise Http404("no such settings area")
    try:
        handlers[area](_user(request), request.POST)
    except _Marked as done:
        text = ngettext("%(count)d lead became an MQL.", "%(count)d leads became MQLs.", done.count)
        messages.success(request, text % {"count": done.count})
    except DomainError as failure:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": failure.message})
    else:
        messages.success(request, _("Saved."))
    return redirect("web:funnel-settings")
