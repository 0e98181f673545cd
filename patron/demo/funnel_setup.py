"""The funnel's reference data in the demo world: stages, plays, marketing rules, SLA
policies, the SDRs and AEs (more of them at the bench size) and their role periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password

from patron.accounts.models import Role, Team, User, UserRole
from patron.core.models import Organization
from patron.demo.reference import DEMO_PASSWORD
from patron.funnel.choices import FunnelRole, SlaKind
from patron.funnel.models import MarketingRule, OpportunityStage, Play, RoleSpell, SlaPolicy
from patron.funnel.sla import DEFAULT_BREAK, DEFAULT_TARGETS

PIPELINE_TEAM = "商机开发组 Pipeline"
# (number, name, win probability %)
STAGES = (
    (1, "需求确认 Qualify", 10),
    (2, "方案沟通 Discover", 25),
    (3, "报价 Propose", 50),
    (4, "商务谈判 Negotiate", 75),
    (5, "签约 Commit", 90),
)
# (code, name, description)
PLAYS = (
    ("demo", "演示预约 Demo request", "A live demo within two days of the request."),
    ("trial", "免费试用 Free trial", "A guided 14-day trial with a mid-trial check-in."),
    (
        "webinar",
        "研讨会跟进 Webinar follow-up",
        "Call attendees within a day, share the recording.",
    ),
    ("nurture", "内容培育 Content nurture", "Three-touch email sequence after a download."),
    ("event", "展会会面 Event meeting", "Book a meeting at the booth, follow up in a week."),
    ("expansion", "老客户扩容 Account expansion", "An AE-led upsell or cross-sell to a customer."),
)
SOURCE_PLAY = {
    "demo_request": "demo",
    "free_trial": "trial",
    "webinar": "webinar",
    "content_download": "nurture",
    "event": "event",
    "web_form": "demo",
    "chat": "demo",
}
BUYING_TITLES = ["总监", "总经理", "首席", "CEO", "CIO", "CTO", "Director"]
IT_TITLES = ["IT", "信息", "网络", "CIO", "CTO", "Network"]
# (name, sources, title keywords, needs an email)
RULES: tuple[tuple[str, list[str], list[str], bool], ...] = (
    ("演示与试用 Demo and trial requests", ["demo_request", "free_trial"], [], True),
    ("研讨会与展会的决策人 Webinar and event buyers", ["webinar", "event"], BUYING_TITLES, False),
    ("IT 人员下载资料 Content downloads by IT", ["content_download"], IT_TITLES, True),
)


@dataclass
class Seller:
    user_id: int
    team_id: int
    joined: dt.date  # first day in the role


@dataclass
class FunnelPeople:
    sdrs: list[Seller]
    aes: list[Seller]


def settings_prepare(organization: Organization, by: User | None) -> dict[str, int]:
    """Stages, plays, rules and SLA policies (created once; reused on a second run)."""
    if not OpportunityStage.objects.filter(organization=organization).exists():
        OpportunityStage.objects.bulk_create(
            [
                OpportunityStage(organization=organization, number=n, name=name, probability=p)
                for n, name, p in STAGES
            ]
        )
    existing = set(Play.objects.filter(organization=organization).values_list("code", flat=True))
    Play.objects.bulk_create(
        [
            Play(organization=organization, code=code, name=name, description=text)
            for code, name, text in PLAYS
            if code not in existing
        ]
    )
    rule_names = set(
        MarketingRule.objects.filter(organization=organization).values_list("name", flat=True)
    )
    MarketingRule.objects.bulk_create(
        [
            MarketingRule(
                organization=organization,
                name=name,
                sources=sources,
                title_keywords=keywords,
                require_email=email,
            )
            for name, sources, keywords, email in RULES
            if name not in rule_names
        ]
    )
    for kind in SlaKind:
        SlaPolicy.objects.get_or_create(
            organization=organization,
            kind=kind.value,
            defaults={
                "target_hours": DEFAULT_TARGETS[kind],
                "break_start": DEFAULT_BREAK[0],
                "break_end": DEFAULT_BREAK[1],
            },
        )
    return dict(Play.objects.filter(organization=organization).values_list("code", "id"))


def _extra_people(organization: Organization, sdrs: int, aes: int) -> None:
    """Bench size: more pipeline teams of SDRs and AEs (sdrNNN, aeNNN), 25 people a team."""
    have_sdrs = User.objects.filter(organization=organization, roles__role=Role.SDR).count()
    have_aes = User.objects.filter(organization=organization, roles__role=Role.AE).count()
    plan = [(f"sdr{k:03d}", Role.SDR.value) for k in range(have_sdrs + 1, sdrs + 1)]
    plan += [(f"ae{k:03d}", Role.AE.value) for k in range(have_aes + 1, aes + 1)]
    if not plan:
        return
    password = make_password(DEMO_PASSWORD)
    teams = []
    for index in range(0, len(plan), 25):
        team, _created = Team.objects.get_or_create(
            organization=organization, name=f"{PIPELINE_TEAM} {index // 25 + 2}"
        )
        teams.append(team)
    users = User.objects.bulk_create(
        [
            User(
                username=name,
                organization=organization,
                team=teams[index // 25],
                display_name=name.upper(),
                email=f"{name}@oray-demo.example",
                password=password,
            )
            for index, (name, _role) in enumerate(plan)
        ]
    )
    UserRole.objects.bulk_create(
        [UserRole(user=user, role=role) for user, (_n, role) in zip(users, plan, strict=True)]
    )


def people_prepare(
    organization: Organization,
    window_start: dt.date,
    rng: np.random.Generator,
    *,
    sdrs: int = 0,
    aes: int = 0,
) -> FunnelPeople:
    """The SDRs and AEs of the funnel and their role periods. The last SDR (when there are
    several) joined mid-year, so headcount changes over the window."""
    _extra_people(organization, sdrs, aes)
    result = FunnelPeople(sdrs=[], aes=[])
    spells = []
    for role, target in ((FunnelRole.SDR, result.sdrs), (FunnelRole.AE, result.aes)):
        users = list(
            User.objects.filter(organization=organization, roles__role=role.value, is_active=True)
            .order_by("id")
            .values_list("id", "team_id", "username")
        )
        for index, (user_id, team_id, username) in enumerate(users):
            joined = window_start - dt.timedelta(days=int(rng.integers(120, 700)))
            if role == FunnelRole.SDR and len(users) > 1 and index == len(users) - 1:
                joined = window_start + dt.timedelta(days=150)
            if username in ("sdr", "ae"):
                joined = window_start - dt.timedelta(days=400)
            target.append(Seller(user_id, team_id, joined))
            spells.append(
                RoleSpell(
                    organization=organization, user_id=user_id, role=role.value, started_on=joined
                )
            )
    RoleSpell.objects.bulk_create(spells)
    if not result.sdrs or not result.aes:
        raise ValueError("the funnel needs at least one SDR and one AE")
    return result
