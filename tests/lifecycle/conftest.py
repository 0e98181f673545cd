from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patron.accounts.models import Team, User, UserRole
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company
from patron.core.models import Organization
from patron.sales.services import LineInput, order_create


class World:
    """A small hand-built organization: one team, a BDM, two AMs, two product families."""

    def __init__(self) -> None:
        self.org = Organization.objects.get_default()
        self.org.time_zone = "Asia/Shanghai"
        self.org.save()
        self.team = Team.objects.create(organization=self.org, name="Shanghai 1")
        self.other_team = Team.objects.create(organization=self.org, name="Shanghai 2")
        self.bdm = self.user("bdm", "bdm", self.team)
        self.am1 = self.user("am1", "am", self.team)
        self.am2 = self.user("am2", "am", self.team)
        self.other_am = self.user("am3", "am", self.other_team)
        ddns = ProductFamily.objects.create(organization=self.org, code="ddns", name="DDNS")
        mail = ProductFamily.objects.create(organization=self.org, code="mail", name="Mail")
        self.ddns = Product.objects.create(
            organization=self.org, sku="DDNS-1", name="DDNS", family=ddns, is_subscription=True
        )
        self.mail = Product.objects.create(
            organization=self.org, sku="MAIL-1", name="Mail", family=mail
        )
        self.counter = 0

    def user(self, username: str, role: str, team: Team) -> User:
        user = User.objects.create_user(username, team=team, organization=self.org)
        UserRole.objects.create(user=user, role=role)
        return user

    def company(self, external_id: str) -> Company:
        return Company.objects.create(
            organization=self.org,
            external_id=external_id,
            name=external_id,
            owner=self.bdm,
            team=self.team,
        )

    def order(
        self, company, day, amount="100", *, product=None, status="paid", seller=None, service=None
    ):
        self.counter += 1
        start, end = service or (None, None)
        return order_create(
            organization=self.org,
            external_id=f"O{self.counter}",
            company=company,
            order_date=dt.date.fromisoformat(day) if isinstance(day, str) else day,
            seller=seller or self.bdm,
            status=status,
            lines=[
                LineInput(
                    product=product or self.ddns,
                    quantity=Decimal(1),
                    amount=Decimal(amount),
                    service_start=dt.date.fromisoformat(start) if start else None,
                    service_end=dt.date.fromisoformat(end) if end else None,
                )
            ],
        )


@pytest.fixture
def world(db) -> World:
    return World()
