"""A hand-built funnel for the second quarter of 2026 (Shanghai time), written through the
services so that every number below is the services' own.

Teams: Pipeline (sdr1, ae1, manager) and West (sdr2, ae2). Period: 2026-04-01 … 2026-06-30.

Leads (owner, created, MQL, touches):
| lead | owner | created           | MQL               | touch after MQL by a hunter? |
|------|-------|-------------------|-------------------|------------------------------|
| L1   | sdr1  | Apr 2 10:00       | Apr 2 10:05       | yes: sdr1 calls Apr 2 11:00  |
| L2   | sdr1  | Apr 10 09:00      | Apr 10 09:30      | no: a note by sdr1, an email by ae1 |
| L3   | sdr1  | Mar 31 23:30 (out)| Apr 1 00:10       | no: sdr1 called before the MQL moment |
| L4   | sdr1  | Jun 30 23:59      | —                 |                              |
| L5   | sdr1  | Jul 1 00:00 (out) | Jul 1 00:05 (out) |                              |
| L6   | sdr2  | May 5 10:00       | May 5 10:00       | yes: sdr2 emails May 6       |
| L7   | sdr2  | May 6 10:00       | —                 |                              |
| L8   | sdr1  | Apr 1 00:00       | —                 |                              |

Opportunities (amount, play, source SDR → owner, created, highest stage, closed):
| opp | amount  | play    | source → owner | created      | stage | closed              |
|-----|---------|---------|----------------|--------------|-------|---------------------|
| O1  | 100,000 | demo    | sdr1 → ae1     | Apr 3        | 3     | won May 20          |
| O2  |  50,000 | webinar | sdr1 → ae1     | Mar 15 (out) | 2     | won Apr 15          |
| O3  |  30,000 | demo    | sdr2 → ae1     | May 10       | 2     | lost Jun 10 (price) |
| O4  |  80,000 | —       | — → ae2        | Apr 20       | 1     | won Jun 30 23:00    |
| O5  |  20,000 | webinar | sdr1 → ae1 (pending) | Jun 25 | 1     | open                |
| O6  |  40,000 | demo    | sdr1 → ae1     | Jun 28       | 2     | won Jul 1 00:30 (out) |

SDR role periods: sdr1 recorded from 2025-06-01; sdr2 holds the role with no record (counts
from joining, 2025-01-01); sdr3 held it Jan 1 … Mar 20 2026; sdr4 from Jul 5 2026.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from patron.accounts.models import Team, User
from patron.activities.services import activity_log
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company
from patron.core.audit import Actor, acting_as
from patron.funnel.handoffs import handoff_accept, opportunity_hand_off
from patron.funnel.models import Opportunity, OpportunityStage, Play, RoleSpell
from patron.funnel.opportunities import (
    LineInput,
    opportunity_close_lost,
    opportunity_close_won,
    opportunity_create,
    opportunity_move_stage,
)
from patron.funnel.services import play_create, stages_ensure
from patron.leads.models import Lead
from patron.leads.services import lead_create, lead_mark_mql
from tests.api.conftest import api_for  # noqa: F401  (the token client fixture)

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
JOINED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


class FunnelWorld:
    def __init__(self, organization: Any, user_factory: Callable[..., Any], team_factory) -> None:  # type: ignore[no-untyped-def]
        self.org = organization
        self.pipeline: Team = team_factory("Pipeline")
        self.west: Team = team_factory("West")

        def person(name: str, role: str, team: Team, display: str) -> User:
            return user_factory(
                name, roles=[role], team=team, display_name=display, date_joined=JOINED
            )

        self.sdr1 = person("sdr1", "sdr", self.pipeline, "Sun SDR")
        self.sdr2 = person("sdr2", "sdr", self.west, "Wu SDR")
        self.sdr3 = person("sdr3", "sdr", self.pipeline, "Old SDR")
        self.sdr4 = person("sdr4", "sdr", self.pipeline, "New SDR")
        self.ae1 = person("ae1", "ae", self.pipeline, "Zhou AE")
        self.ae2 = person("ae2", "ae", self.west, "Qian AE")
        self.manager = person("manager", "manager", self.pipeline, "Wang Manager")
        self.pipeline.manager = self.manager
        self.pipeline.save(update_fields=["manager"])
        self.admin = user_factory("padmin", roles=["admin"], display_name="Admin")
        for user, start, end in (
            (self.sdr1, dt.date(2025, 6, 1), None),
            (self.sdr3, dt.date(2026, 1, 1), dt.date(2026, 3, 20)),
            (self.sdr4, dt.date(2026, 7, 5), None),
        ):
            RoleSpell.objects.create(
                organization=organization, user=user, role="sdr", started_on=start, ended_on=end
            )

        family = ProductFamily.objects.create(organization=organization, code="ddns", name="DDNS")
        self.product = Product.objects.create(
            organization=organization, sku="DDNS-PRO", name="DDNS Pro", family=family
        )
        self.companies = [
            Company.objects.create(
                organization=organization,
                external_id=f"C{n}",
                name=name,
                owner=self.sdr1,
                team=self.pipeline,
            )
            for n, name in enumerate(["苏州精密", "Hangzhou Cloud", "Ningbo Port", "Wuxi Steel"])
        ]
        with acting_as(Actor(user_id=self.admin.pk, label="padmin", source="test")):
            self.stages = stages_ensure(organization)
            self.demo = play_create(
                organization=organization, by=self.admin, code="demo", name="Demo request"
            )
            self.webinar = play_create(
                organization=organization, by=self.admin, code="webinar", name="Webinar follow-up"
            )
            self._leads()
            self._opportunities()

    # ---- leads ----

    def lead(self, key: str, owner: User, created: str, mql: str | None = None) -> Lead:
        lead = lead_create(
            organization=self.org,
            external_id=key,
            company_name=f"{key} Co",
            contact_name="王强",
            owner=owner,
            created_at=at(created),
        )
        if mql is not None:
            lead = lead_mark_mql(lead=lead, source="manual", at=at(mql))
        return lead

    def touch(self, lead: Lead, user: User, when: str, kind: str = "call") -> None:
        activity_log(organization=self.org, kind=kind, user=user, lead=lead, occurred_at=at(when))

    def _leads(self) -> None:
        self.l1 = self.lead("L1", self.sdr1, "2026-04-02 10:00", "2026-04-02 10:05")
        self.touch(self.l1, self.sdr1, "2026-04-02 11:00")
        self.l2 = self.lead("L2", self.sdr1, "2026-04-10 09:00", "2026-04-10 09:30")
        self.touch(self.l2, self.sdr1, "2026-04-10 10:00", kind="note")
        self.touch(self.l2, self.ae1, "2026-04-10 11:00", kind="email")
        self.l3 = self.lead("L3", self.sdr1, "2026-03-31 23:30", "2026-04-01 00:10")
        self.touch(self.l3, self.sdr1, "2026-03-31 23:50")
        self.l4 = self.lead("L4", self.sdr1, "2026-06-30 23:59")
        self.l5 = self.lead("L5", self.sdr1, "2026-07-01 00:00", "2026-07-01 00:05")
        self.l6 = self.lead("L6", self.sdr2, "2026-05-05 10:00", "2026-05-05 10:00")
        self.touch(self.l6, self.sdr2, "2026-05-06 09:30", kind="email")
        self.l7 = self.lead("L7", self.sdr2, "2026-05-06 10:00")
        self.l8 = self.lead("L8", self.sdr1, "2026-04-01 00:00")

    # ---- opportunities ----

    def opportunity(
        self,
        key: str,
        amount: str,
        play: Play | None,
        created: str,
        *,
        sdr: User | None,
        ae: User,
        accepted: str | None = None,
    ) -> Opportunity:
        index = int(key[1:]) % len(self.companies)
        opportunity = opportunity_create(
            organization=self.org,
            by=sdr or ae,
            external_id=key,
            name=f"{key} deal",
            company=self.companies[index],
            play=play,
            lines=[LineInput(self.product, Decimal(1), Decimal(amount))],
            created_at=at(created),
        )
        if sdr is not None:
            handoff = opportunity_hand_off(
                opportunity=opportunity, by=sdr, to=ae, at=at(created) + dt.timedelta(hours=1)
            )
            if accepted is not None:
                handoff_accept(handoff=handoff, by=ae, at=at(accepted))
        opportunity.refresh_from_db()
        return opportunity

    def move(self, opportunity: Opportunity, number: int, when: str) -> None:
        stage = OpportunityStage.objects.get(organization=self.org, number=number)
        opportunity_move_stage(
            opportunity=opportunity, by=opportunity.owner, stage=stage, at=at(when)
        )  # type: ignore[arg-type]

    def _opportunities(self) -> None:
        self.o1 = self.opportunity(
            "O1",
            "100000",
            self.demo,
            "2026-04-03 10:00",
            sdr=self.sdr1,
            ae=self.ae1,
            accepted="2026-04-03 14:00",
        )
        self.move(self.o1, 2, "2026-04-10 10:00")
        self.move(self.o1, 3, "2026-04-20 10:00")
        opportunity_close_won(opportunity=self.o1, by=self.ae1, at=at("2026-05-20 15:00"))
        self.o2 = self.opportunity(
            "O2",
            "50000",
            self.webinar,
            "2026-03-15 10:00",
            sdr=self.sdr1,
            ae=self.ae1,
            accepted="2026-03-16 10:00",
        )
        self.move(self.o2, 2, "2026-03-20 10:00")
        opportunity_close_won(opportunity=self.o2, by=self.ae1, at=at("2026-04-15 11:00"))
        self.o3 = self.opportunity(
            "O3",
            "30000",
            self.demo,
            "2026-05-10 10:00",
            sdr=self.sdr2,
            ae=self.ae1,
            accepted="2026-05-11 10:00",
        )
        self.move(self.o3, 2, "2026-05-15 10:00")
        opportunity_close_lost(
            opportunity=self.o3, by=self.ae1, reason="price", at=at("2026-06-10 10:00")
        )
        self.o4 = self.opportunity("O4", "80000", None, "2026-04-20 10:00", sdr=None, ae=self.ae2)
        opportunity_close_won(opportunity=self.o4, by=self.ae2, at=at("2026-06-30 23:00"))
        self.o5 = self.opportunity(
            "O5", "20000", self.webinar, "2026-06-25 10:00", sdr=self.sdr1, ae=self.ae1
        )
        self.o6 = self.opportunity(
            "O6",
            "40000",
            self.demo,
            "2026-06-28 10:00",
            sdr=self.sdr1,
            ae=self.ae1,
            accepted="2026-06-28 12:00",
        )
        self.move(self.o6, 2, "2026-06-29 10:00")
        opportunity_close_won(opportunity=self.o6, by=self.ae1, at=at("2026-07-01 00:30"))


@pytest.fixture(autouse=True)
def isolated_funnel_tests() -> None:
    """Each test starts without cached reports (ids repeat after a rolled-back test)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def funnel_world(
    organization: Any, user_factory: Callable[..., Any], team_factory: Any
) -> FunnelWorld:
    return FunnelWorld(organization, user_factory, team_factory)


def dirty_triggers(event: str) -> list[str]:
    """The names of the roll-up's triggers on ``event`` ("insert", "update", "delete") that
    exist now (a bulk write may pause one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"funnel_dirty_%_{event}"]
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"funnel_dirty_%_{event}"],
            )
        return sorted(row[0] for row in cursor.fetchall())


def hold_exclusively(table: str) -> None:
    """What a bulk load's dropped indexes do on PostgreSQL: hold the table exclusively until
    the transaction ends (the roll-up's triggers pause only then)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
