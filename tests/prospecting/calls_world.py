"""A hand-built prospecting history for the call list and refine tests.

Scores are written directly (not by the scorer), so these tests pin the call list and the
conversion arithmetic whatever the scoring does. Team East 1: li (BDM) and its manager; team
West: wu (BDM). Lead creation 2026-09-01 10:00 Shanghai; calls in October.

li's list (profile: industries manufacturing and retail without own priority, industry weight
1; trigger merger with priority 2):
| leads  | score | industry      | trigger | called | converted                         |
|--------|-------|---------------|---------|--------|-----------------------------------|
| A1–A5  | 10    | manufacturing | merger  | yes    | A1 won opportunity, A2 paid order |
| P      | 8     | manufacturing | —       | yes    | no (see below)                    |
| B1–B30 | 5     | retail        | —       | yes    | B1 paid order on the lead's day   |
| C1–C2  | 2     | retail        | —       | no     | —                                 |
| O      | out of target (title)   | —       | yes    | won opportunity (not counted)     |

P's company has a paid order the day before the lead, a cancelled one after, and P an open
opportunity: none of these converts.

li: listed 38, called 36, converted 3 → 1/12 (below the goal of 1 in 10).
wu: listed 3, called 0, converted 0 → no conversion (nothing called).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patron.activities.models import Activity, ActivityKind
from patron.companies.models import Company
from patron.funnel.models import Opportunity
from patron.funnel.services import stages_ensure
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, IcpProfileVersion, IcpTarget, LeadScore
from patron.prospecting.rules import rank_key
from patron.sales.models import Order

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEAD_CREATED = dt.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)
CALLED_AT = dt.datetime(2026, 10, 5, 10, 0, tzinfo=SHANGHAI)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@dataclass
class CallsWorld:
    org: Any
    east: Any
    west: Any
    manager: Any
    li: Any
    wu: Any
    other_manager: Any
    leads: dict[str, Lead] = field(default_factory=dict)
    counter: int = 0

    def company(self, name: str) -> Company:
        self.counter += 1
        return Company.objects.create(
            organization=self.org, external_id=f"C{self.counter:04d}", name=name
        )

    def lead(self, key: str, owner: Any, **fields: Any) -> Lead:
        fields.setdefault("company_name", f"{key} Ltd")
        fields.setdefault("contact_name", f"Contact {key}")
        fields.setdefault("phone", f"+86 21 5555 {len(self.leads):04d}")
        fields.setdefault("created_at", LEAD_CREATED)
        lead = Lead.objects.create(
            organization=self.org,
            external_id=key,
            owner=owner,
            team_id=owner.team_id,
            **fields,
        )
        self.leads[key] = lead
        return lead

    def score(self, lead: Lead, seller: Any, score: int, **fields: Any) -> LeadScore:
        fields.setdefault("in_target", True)
        fields.setdefault("profile_version", 1)
        fields.setdefault("industry", lead.industry)
        return LeadScore.objects.create(
            organization=self.org,
            seller=seller,
            lead=lead,
            score=score,
            lead_created_at=lead.created_at,
            rank_key=rank_key(score, fields.get("last_trigger_on")),
            computed_at=timezone.now(),
            **fields,
        )

    def call(self, lead: Lead, user: Any, outcome: str = "connected", when: Any = None) -> Activity:
        return Activity.objects.create(
            organization=self.org,
            kind=ActivityKind.CALL,
            user=user,
            lead=lead,
            occurred_at=when or CALLED_AT,
            outcome=outcome,
        )

    def paid_order(self, company: Company, day: dt.date, status: str = "paid") -> Order:
        self.counter += 1
        return Order.objects.create(
            organization=self.org,
            external_id=f"O{self.counter:04d}",
            company=company,
            order_date=day,
            status=status,
            total_amount=Decimal("1000"),
        )

    def opportunity(self, lead: Lead, status: str = "won") -> Opportunity:
        self.counter += 1
        stage = stages_ensure(self.org)[0]
        company = lead.company or self.company(f"Opportunity company {self.counter}")
        return Opportunity.objects.create(
            organization=self.org,
            external_id=f"OP{self.counter:04d}",
            name=f"Deal {self.counter}",
            company=company,
            lead=lead,
            stage=stage,
            status=status,
            owner=lead.owner,
            closed_at=None if status == "open" else at("2026-10-20 12:00"),
        )


def profile_for(seller: Any, *, industry_weight: int = 1, version: int = 1) -> IcpProfile:
    profile = IcpProfile.objects.create(
        organization=seller.organization,
        seller=seller,
        industry_weight=industry_weight,
        version=version,
    )
    for dimension, value, priority in (
        ("industry", "manufacturing", None),
        ("industry", "retail", None),
        ("trigger", "merger", 2),
    ):
        IcpTarget.objects.create(
            organization=seller.organization,
            profile=profile,
            dimension=dimension,
            value=value,
            priority=priority,
        )
    IcpProfileVersion.objects.create(
        organization=seller.organization, profile=profile, number=version, snapshot={}
    )
    return profile


@pytest.fixture(name="calls_world")
def calls_world_fixture(organization: Any, team_factory: Any, user_factory: Any) -> CallsWorld:
    east = team_factory("East 1")
    west = team_factory("West")
    manager = user_factory("boss", roles=["manager"], team=east, display_name="Wang Manager")
    east.manager = manager
    east.save(update_fields=["manager"])
    other_manager = user_factory("westboss", roles=["manager"], team=west)
    west.manager = other_manager
    west.save(update_fields=["manager"])
    li = user_factory("li", roles=["bdm"], team=east, display_name="Li BDM")
    wu = user_factory("wu", roles=["bdm"], team=west, display_name="Wu BDM")
    world = CallsWorld(organization, east, west, manager, li, wu, other_manager)
    profile_for(li)
    profile_for(wu)
    for n in range(1, 6):
        lead = world.lead(f"A{n}", li, industry="manufacturing", company=world.company(f"A{n}"))
        world.score(
            lead,
            li,
            10,
            trigger_type="merger",
            trigger_points=2,
            starred=True,
            industry_points=1,
            trigger_on=dt.date(2026, 9, 20),
            last_trigger_on=dt.date(2026, 9, 20),
        )
        world.call(lead, li)
    world.opportunity(world.leads["A1"])
    world.paid_order(world.leads["A2"].company, dt.date(2026, 10, 30))
    prior = world.lead("P", li, industry="manufacturing", company=world.company("P"))
    world.score(prior, li, 8, industry_points=1)
    world.call(prior, li, "no_answer")
    world.paid_order(prior.company, dt.date(2026, 8, 31))  # the day before the lead
    world.paid_order(prior.company, dt.date(2026, 10, 1), status="cancelled")
    world.opportunity(prior, status="open")
    for n in range(1, 31):
        lead = world.lead(f"B{n}", li, industry="retail", company=world.company(f"B{n}"))
        world.score(lead, li, 5, industry_points=1)
        world.call(lead, li, "not_interested")
    world.paid_order(world.leads["B1"].company, dt.date(2026, 9, 1))  # the lead's own day
    for n in range(1, 3):
        world.score(world.lead(f"C{n}", li, industry="retail"), li, 2)
    out = world.lead("O", li, industry="retail", title="Intern")
    world.score(out, li, 0, in_target=False, out_reasons="title")
    world.call(out, li)
    world.opportunity(out)
    for n in range(1, 4):
        world.score(world.lead(f"W{n}", wu, industry="retail"), wu, 4)
    return world


@pytest.fixture(name="calls_api")
def calls_api_fixture(db: None) -> Any:
    """``calls_api(user)`` → an API client with a fresh token of ``user``."""
    from patron.accounts.services import api_token_create
    from tests.api.conftest import ApiClient

    def make(user: Any) -> ApiClient:
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make
