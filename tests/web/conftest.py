"""A small hand-built world for the web pages: two teams, a region tree, five companies.

Orders go through ``order_create``, which recomputes the lifecycle (through the current month),
so the stored months, events and hand-offs are the engine's own. Month by month (2026):

| company | team | region | orders (amount)                       | stage in 2026-03 |
|---------|------|--------|---------------------------------------|------------------|
| A Alpha | East | 深圳    | Jan DDNS 100, Feb DDNS 100, Mar MAIL 300 | account (cross-sold) |
| B Beta  | East | 广州    | Feb DDNS 80                            | visitor          |
| C Gamma | West | 上海    | Feb DDNS 200, Mar DDNS 250             | account (became account) |
| D Delta | East | 广东    | none                                  | prospect         |
| E Epsilon | West | 上海  | last month and this month, DDNS 90 each | prospect         |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from patron.accounts.models import Team, User
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Region
from patron.companies.services import company_create, company_update, contact_create
from patron.core.audit import acting_as, actor_for
from patron.core.months import current_month, month_start
from patron.sales.services import LineInput, order_create


class WebWorld:
    def __init__(self, organization: Any, user_factory: Callable[..., Any], east: Team) -> None:
        self.org = organization
        self.east = east
        self.west = Team.objects.create(organization=organization, name="West 2")
        self.bdm: User = user_factory("bdm", roles=["bdm"], team=east, display_name="Li BDM")
        self.am: User = user_factory("am", roles=["am"], team=east, display_name="Zhang AM")
        self.west_bdm: User = user_factory(
            "wbdm", roles=["bdm"], team=self.west, display_name="Chen BDM"
        )
        self.west_am: User = user_factory(
            "wam", roles=["am"], team=self.west, display_name="Zhao AM"
        )
        self.manager: User = user_factory(
            "manager", roles=["manager"], team=east, display_name="Wang Manager"
        )
        east.manager = self.manager
        east.save(update_fields=["manager"])
        self.admin: User = user_factory("padmin", roles=["admin"], display_name="Admin")

        china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
        self.guangdong = Region.objects.create(
            code="CN-GD", name="广东省", name_en="Guangdong", parent=china, level=1
        )
        self.shenzhen = Region.objects.create(
            code="CN-GD-SZ", name="深圳市", name_en="Shenzhen", parent=self.guangdong, level=2
        )
        self.guangzhou = Region.objects.create(
            code="CN-GD-GZ", name="广州市", name_en="Guangzhou", parent=self.guangdong, level=2
        )
        self.shanghai = Region.objects.create(
            code="CN-SH", name="上海市", name_en="Shanghai", parent=china, level=1
        )

        ddns = ProductFamily.objects.create(organization=organization, code="ddns", name="DDNS")
        mail = ProductFamily.objects.create(organization=organization, code="mail", name="Mail")
        self.ddns = Product.objects.create(
            organization=organization, sku="DDNS-PRO", name="DDNS Pro", family=ddns
        )
        self.mail = Product.objects.create(
            organization=organization, sku="MAIL-10", name="Business Mail", family=mail
        )
        self.counter = 0
        with acting_as(actor_for(self.admin, "web")):
            self.a = self.company("E-A", "Alpha 深圳科技", self.bdm, self.shenzhen, "software")
            self.b = self.company("E-B", "Beta 广州贸易", self.bdm, self.guangzhou, "retail")
            self.c = self.company("W-C", "Gamma Shanghai", self.west_bdm, self.shanghai, "finance")
            self.d = self.company("E-D", "Delta Prospect", self.bdm, self.guangdong, "education")
            self.e = self.company("W-E", "Epsilon Cloud", self.west_bdm, self.shanghai, "media")
            self.order(self.a, "2026-01-10", "100")
            self.order(self.a, "2026-02-10", "100")
            self.order(self.a, "2026-03-10", "300", product=self.mail)
            self.order(self.b, "2026-02-15", "80")
            self.order(self.c, "2026-02-20", "200", seller=self.west_bdm)
            self.order(self.c, "2026-03-05", "250", seller=self.west_bdm)
            now = current_month(organization.time_zone)  # E stays an account whenever this runs
            self.order(self.e, month_start(now - 1).isoformat(), "90", seller=self.west_bdm)
            self.order(self.e, month_start(now).isoformat(), "90", seller=self.west_bdm)
            contact_create(
                organization=organization,
                company=self.a,
                external_id="P-1",
                name="Sun Li 孙莉",
                title="CTO",
                email="sun.li@alpha.example",
            )
            company_update(company=self.a, credit_rating="AA")
        for company in (self.a, self.b, self.c, self.d, self.e):
            company.refresh_from_db()

    def company(self, external_id: str, name: str, owner: User, region: Region, industry: str):
        return company_create(
            organization=self.org,
            external_id=external_id,
            name=name,
            owner=owner,
            region=region,
            industry=industry,
        )

    def order(
        self,
        company: Company,
        day: str,
        amount: str,
        *,
        product: Product | None = None,
        seller: User | None = None,
    ) -> Any:
        self.counter += 1
        return order_create(
            organization=self.org,
            external_id=f"SO-{self.counter:03d}",
            company=company,
            order_date=dt.date.fromisoformat(day),
            seller=seller or self.bdm,
            status="paid",
            lines=[
                LineInput(product=product or self.ddns, quantity=Decimal(2), amount=Decimal(amount))
            ],
        )


@pytest.fixture
def web_world(organization: Any, user_factory: Callable[..., Any], team: Team) -> WebWorld:
    return WebWorld(organization, user_factory, team)
