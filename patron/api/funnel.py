"""/funnel: the SPEC §9 metrics, SLA compliance and headcount planning (the same query
objects as ``patron metrics`` and the funnel dashboard), and the funnel's settings: stages,
plays, marketing rules (lead → MQL) and SLA policies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from patron.api.auth import api_user
from patron.api.errors import READ_ERRORS, WRITE_ERRORS
from patron.api.schemas import MAX_ID, Id, InputSchema, PathId, Text, money, omittable
from patron.companies.choices import Industry
from patron.companies.models import Region
from patron.core.errors import NotFound, ValidationFailed
from patron.funnel.choices import SlaKind
from patron.funnel.models import MarketingRule, OpportunityStage, Play
from patron.funnel.reports import funnel_report, headcount_report, resolve_scope
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
from patron.funnel.sla import sla_policies, sla_policy_update, sla_report

if TYPE_CHECKING:
    IndustryValue = str
    SlaKindValue = str
    BucketValue = str
else:
    from patron.api.schemas import choice_type

    IndustryValue = choice_type(Industry)
    SlaKindValue = choice_type(SlaKind)
    from typing import Literal

    BucketValue = Literal["week", "month"]

router = Router(tags=["funnel"])

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def day(default: Any = ..., **kwargs: Any) -> Any:
    return Field(default, ge=EARLIEST, le=LATEST, **kwargs)


class PeriodQuery(Schema):
    date_from: dt.date = day(alias="from", description="first day, YYYY-MM-DD")
    date_to: dt.date = day(alias="to", description="last day, YYYY-MM-DD (inclusive)")
    team: int | None = omittable(ge=1, le=MAX_ID, description="team id")
    user: int | None = omittable(ge=1, le=MAX_ID, description="user id")


class MetricsQuery(PeriodQuery):
    people: bool = Field(False, description="add the per-person table")
    bucket: BucketValue | None = omittable(description="add a weekly or monthly trend")


class MetricsOut(Schema):
    leads: int
    mqls: int
    mql_per_lead: float | None
    follow_up_rate: float | None
    opportunities_created: int
    opps_per_mql: float | None
    new_pipeline: str = Field(description="decimal, organization currency")
    pipeline_per_opp: str | None
    sdr_bookings: str
    pct_bookings_sdr: float | None
    sdr_headcount: int
    closed_won_revenue: str
    new_deals: int
    asp: str | None
    win_rate: float | None
    pct_reaching_stage_2: float | None


class PlayOut(Schema):
    play: str = Field(description="play code; empty for opportunities without a play")
    label: str
    opportunities: int
    won: int
    lost: int
    win_rate: float | None
    asp: str | None


class PersonOut(MetricsOut):
    user: int
    username: str
    label: str
    team: str


class TrendPeriodOut(MetricsOut):
    label: str
    from_: dt.date = Field(alias="from")
    to: dt.date


class TrendOut(Schema):
    bucket: str
    periods: list[TrendPeriodOut]


class ScopeOut(Schema):
    label: str
    team: int | None
    user: int | None


class FunnelReportOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    scope: ScopeOut
    metrics: MetricsOut
    engagement_mode: list[PlayOut]
    people: list[PersonOut] | None = None
    trend: TrendOut | None = None


@router.get(
    "/metrics",
    response={200: FunnelReportOut, **READ_ERRORS},
    summary="The 17 funnel metrics of a period",
    by_alias=True,
)
def metrics(request: HttpRequest, query: Query[MetricsQuery]) -> dict[str, Any]:
    user = api_user(request)
    report = funnel_report(
        organization=user.organization,
        date_from=query.date_from,
        date_to=query.date_to,
        team_id=query.team,
        user_id=query.user,
        viewer=user,
        people=query.people,
        bucket=query.bucket,
    )
    return report.as_dict()


class SlaRowOut(Schema):
    key: int | None
    label: str
    team: str
    met: int
    breached: int
    at_risk: int
    open: int
    compliance: float | None


class BreachOut(Schema):
    kind: str
    record_id: int
    record: str
    person: str
    team: str
    started_at: dt.datetime
    stopped_at: dt.datetime | None
    elapsed_hours: str
    over_by_hours: str


class SlaSectionOut(Schema):
    kind: str
    target_hours: str
    total: SlaRowOut
    teams: list[SlaRowOut]
    people: list[SlaRowOut]
    breach_count: int
    breaches: list[BreachOut]


class SlaQuery(PeriodQuery):
    breaches: int = Field(100, ge=0, le=1000, description="breaches listed, worst first")


@router.get("/sla", response={200: list[SlaSectionOut], **READ_ERRORS}, summary="SLA compliance")
def sla(request: HttpRequest, query: Query[SlaQuery]) -> list[dict[str, Any]]:
    user = api_user(request)
    scope = resolve_scope(user.organization, team_id=query.team, user_id=query.user, viewer=user)
    if query.date_to < query.date_from:
        raise ValidationFailed(_("to: the period ends before it starts"), {"to": _("before from")})
    sections = sla_report(
        organization=user.organization,
        date_from=query.date_from,
        date_to=query.date_to,
        team_ids=set(scope.team_ids) if scope.team_ids is not None else None,
        user_id=scope.user.pk if scope.user else None,
        breaches_shown=query.breaches,
    )
    return [section.as_dict() for section in sections]


class HeadcountQuery(Schema):
    target: Decimal = money(gt=Decimal("0"), ge=None, description="revenue target")
    months: int = Field(12, ge=1, le=60, description="months to reach the target")
    date_from: dt.date = day(alias="from", description="measure rates from this day")
    date_to: dt.date = day(alias="to", description="… to this day")
    team: int | None = omittable(ge=1, le=MAX_ID, description="team id")


@router.get("/headcount", response={200: dict[str, Any], **READ_ERRORS}, summary="Headcount plan")
def headcount(request: HttpRequest, query: Query[HeadcountQuery]) -> dict[str, Any]:
    user = api_user(request)
    return headcount_report(
        organization=user.organization,
        target=query.target,
        months=query.months,
        date_from=query.date_from,
        date_to=query.date_to,
        team_id=query.team,
        viewer=user,
    ).as_dict()


# ---- settings --------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    number: int
    name: str
    probability: int
    is_active: bool


class StageIn(InputSchema):
    name: Text = Field(min_length=1, max_length=100)
    probability: int = Field(10, ge=0, le=100)


class StagePatch(InputSchema):
    name: Text = omittable(min_length=1, max_length=100)
    probability: int = omittable(ge=0, le=100)
    is_active: bool = omittable()


class StageOrderIn(InputSchema):
    stage_ids: list[Id] = Field(min_length=1, max_length=100)


STAGE_VALUES = ("id", "number", "name", "probability", "is_active")


def _stages(organization_id: int) -> list[dict[str, Any]]:
    return list(
        OpportunityStage.objects.filter(organization_id=organization_id)
        .order_by("number")
        .values(*STAGE_VALUES)
    )


def _stage(user: Any, stage_id: int) -> OpportunityStage:
    stage = OpportunityStage.objects.filter(
        organization_id=user.organization_id, pk=stage_id
    ).first()
    if stage is None:
        raise NotFound(_("stage not found"), {"stage_id": _("no such stage")})
    return stage


@router.get("/stages", response={200: list[StageOut], **READ_ERRORS}, summary="Stages")
def list_stages(request: HttpRequest) -> list[dict[str, Any]]:
    return _stages(api_user(request).organization_id)


@router.post("/stages", response={201: StageOut, **WRITE_ERRORS}, summary="Add a stage")
def create_stage(request: HttpRequest, payload: StageIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    stage = stage_create(organization=user.organization, by=user, **payload.model_dump())
    return Status(201, {name: getattr(stage, name) for name in STAGE_VALUES})


@router.patch(
    "/stages/{stage_id}", response={200: StageOut, **WRITE_ERRORS}, summary="Change a stage"
)
def update_stage(request: HttpRequest, payload: StagePatch, stage_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    stage = stage_update(
        stage=_stage(user, stage_id), by=user, **payload.model_dump(exclude_unset=True)
    )
    return {name: getattr(stage, name) for name in STAGE_VALUES}


@router.post(
    "/stages/order", response={200: list[StageOut], **WRITE_ERRORS}, summary="Reorder stages"
)
def reorder_stages(request: HttpRequest, payload: StageOrderIn) -> list[dict[str, Any]]:
    user = api_user(request)
    stages_reorder(organization=user.organization, by=user, stage_ids=payload.stage_ids)
    return _stages(user.organization_id)


class PlayRowOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class PlayIn(InputSchema):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: Text = Field(min_length=1, max_length=100)
    description: Text = Field("", max_length=5000)


class PlayPatch(InputSchema):
    name: Text = omittable(min_length=1, max_length=100)
    description: Text = omittable(max_length=5000)
    is_active: bool = omittable()


PLAY_VALUES = ("id", "code", "name", "description", "is_active")


@router.get("/plays", response={200: list[PlayRowOut], **READ_ERRORS}, summary="Plays")
def list_plays(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    return list(
        Play.objects.filter(organization_id=user.organization_id)
        .order_by("name")
        .values(*PLAY_VALUES)
    )


@router.post("/plays", response={201: PlayRowOut, **WRITE_ERRORS}, summary="Add a play")
def create_play(request: HttpRequest, payload: PlayIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    play = play_create(organization=user.organization, by=user, **payload.model_dump())
    return Status(201, {name: getattr(play, name) for name in PLAY_VALUES})


@router.patch("/plays/{play_id}", response={200: PlayRowOut, **WRITE_ERRORS}, summary="Change")
def update_play(request: HttpRequest, payload: PlayPatch, play_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    play = Play.objects.filter(organization_id=user.organization_id, pk=play_id).first()
    if play is None:
        raise NotFound(_("play not found"), {"play_id": _("no such play")})
    play = play_update(play=play, by=user, **payload.model_dump(exclude_unset=True))
    return {name: getattr(play, name) for name in PLAY_VALUES}


class RuleOut(Schema):
    id: int
    name: str
    is_active: bool
    sources: list[str]
    industries: list[str]
    title_keywords: list[str]
    region: str | None = Field(description="region code; includes its sub-regions")
    require_email: bool
    require_phone: bool
    require_company: bool


class RuleFields(InputSchema):
    is_active: bool = omittable()
    sources: list[Text] = omittable(max_length=50, description="lead sources; empty: any")
    industries: list[IndustryValue] = omittable(max_length=20)
    title_keywords: list[Text] = omittable(max_length=50)
    region: Text | None = omittable(max_length=32, description="region code")
    require_email: bool = omittable()
    require_phone: bool = omittable()
    require_company: bool = omittable()


class RuleIn(RuleFields):
    name: Text = Field(min_length=1, max_length=100)


class RulePatch(RuleFields):
    name: Text = omittable(min_length=1, max_length=100)


def _rule_out(rule: MarketingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "is_active": rule.is_active,
        "sources": rule.sources,
        "industries": rule.industries,
        "title_keywords": rule.title_keywords,
        "region": rule.region.code if rule.region else None,
        "require_email": rule.require_email,
        "require_phone": rule.require_phone,
        "require_company": rule.require_company,
    }


def _rule_values(payload: RuleFields) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    if "region" in values and values["region"] is not None:
        region = Region.objects.filter(code=values["region"]).first()
        if region is None:
            raise ValidationFailed(_("region: no such region"), {"region": _("no such region")})
        values["region"] = region
    return values


@router.get("/mql-rules", response={200: list[RuleOut], **READ_ERRORS}, summary="MQL rules")
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    rules = MarketingRule.objects.filter(organization_id=user.organization_id).select_related(
        "region"
    )
    return [_rule_out(rule) for rule in rules]


@router.post("/mql-rules", response={201: RuleOut, **WRITE_ERRORS}, summary="Add an MQL rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    rule = marketing_rule_create(organization=user.organization, by=user, **_rule_values(payload))
    return Status(201, _rule_out(rule))


@router.patch(
    "/mql-rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS}, summary="Change an MQL rule"
)
def update_rule(request: HttpRequest, payload: RulePatch, rule_id: PathId) -> dict[str, Any]:
    user = api_user(request)
    rule = MarketingRule.objects.filter(organization_id=user.organization_id, pk=rule_id).first()
    if rule is None:
        raise NotFound(_("rule not found"), {"rule_id": _("no such rule")})
    return _rule_out(marketing_rule_update(rule=rule, by=user, **_rule_values(payload)))


class ApplyOut(Schema):
    marked: int = Field(description="leads that became MQL")


@router.post(
    "/mql-rules/apply",
    response={200: ApplyOut, **WRITE_ERRORS},
    summary="Apply the MQL rules to every lead that is not an MQL yet (MQL from now)",
)
def apply_rules(request: HttpRequest) -> dict[str, Any]:
    from django.utils import timezone

    from patron.funnel.permissions import ensure_can_configure

    user = api_user(request)
    ensure_can_configure(user)
    marked = mql_rules_apply(organization=user.organization, at=timezone.now())
    return {"marked": marked}


class PolicyOut(Schema):
    kind: str
    target_hours: Decimal
    warn_minutes: int
    day_start: dt.time
    day_end: dt.time
    break_start: dt.time | None
    break_end: dt.time | None
    is_active: bool


class PolicyPatch(InputSchema):
    target_hours: Decimal = omittable(
        ge=Decimal("0.25"), le=Decimal("999"), max_digits=5, decimal_places=2, allow_inf_nan=False
    )
    warn_minutes: int = omittable(ge=0, le=1440)
    day_start: dt.time = omittable()
    day_end: dt.time = omittable()
    break_start: dt.time | None = omittable()
    break_end: dt.time | None = omittable()
    is_active: bool = omittable()


POLICY_VALUES = (
    "kind",
    "target_hours",
    "warn_minutes",
    "day_start",
    "day_end",
    "break_start",
    "break_end",
    "is_active",
)


@router.get("/sla-policies", response={200: list[PolicyOut], **READ_ERRORS}, summary="SLAs")
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    return [
        {name: getattr(policy, name) for name in POLICY_VALUES}
        for policy in sla_policies(user.organization)
    ]


@router.patch(
    "/sla-policies/{kind}", response={200: PolicyOut, **WRITE_ERRORS}, summary="Change an SLA"
)
def update_policy(request: HttpRequest, payload: PolicyPatch, kind: SlaKindValue) -> dict[str, Any]:
    user = api_user(request)
    values = payload.model_dump(exclude_unset=True)
    for name in ("day_start", "day_end", "break_start", "break_end"):
        if values.get(name) is not None and values[name].tzinfo is not None:
            raise ValidationFailed(
                _("%(field)s: a wall-clock time without a zone") % {"field": name},
                {name: _("a wall-clock time without a zone")},
            )
    policy = sla_policy_update(organization=user.organization, by=user, kind=kind, **values)
    return {name: getattr(policy, name) for name in POLICY_VALUES}
