"""API test world: two teams with a BDM each, an admin, products, companies, and a client that
sends ``Authorization: Bearer <token>``."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from patron.accounts.services import api_token_create
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Contact, Region
from patron.core.models import AuditEvent
from patron.sales.models import Order, OrderLine

API = "/api/v1"


class ApiClient:
    """A test client that authenticates with a token and speaks JSON."""

    def __init__(self, token: str | None, scheme: str = "Bearer") -> None:
        self.client = Client()
        self.headers = {"Authorization": f"{scheme} {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(
            API + path, data, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.patch(
            API + path, data, content_type="application/json", headers=self.headers
        )

    def put(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.put(
            API + path, data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_for(db: None) -> Callable[..., ApiClient]:
    """``api_for(user)`` → an ApiClient with a fresh token of ``user``."""

    def make(user: Any, scheme: str = "Bearer") -> ApiClient:
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw, scheme)

    return make


@pytest.fixture
def team_a(team_factory: Callable[..., Any]) -> Any:
    return team_factory("Team A")


@pytest.fixture
def team_b(team_factory: Callable[..., Any]) -> Any:
    return team_factory("Team B")


@pytest.fixture
def bdm_a(user_factory: Callable[..., Any], team_a: Any) -> Any:
    return user_factory("bdm_a", roles=["bdm"], team=team_a)


@pytest.fixture
def bdm_b(user_factory: Callable[..., Any], team_b: Any) -> Any:
    return user_factory("bdm_b", roles=["bdm"], team=team_b)


@pytest.fixture
def admin_user_api(patron_admin: Any) -> Any:
    return patron_admin


@pytest.fixture
def regions(db: None) -> dict[str, Region]:
    china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
    shanghai = Region.objects.create(
        code="310000", name="上海市", name_en="Shanghai", parent=china, level=1
    )
    zhejiang = Region.objects.create(
        code="330000", name="浙江省", name_en="Zhejiang", parent=china, level=1
    )
    hangzhou = Region.objects.create(
        code="330100", name="杭州市", name_en="Hangzhou", parent=zhejiang, level=2
    )
    return {"CN": china, "310000": shanghai, "330000": zhejiang, "330100": hangzhou}


@pytest.fixture
def catalog(organization: Any) -> dict[str, Product]:
    dns = ProductFamily.objects.create(organization=organization, code="dns", name="Dynamic DNS")
    mail = ProductFamily.objects.create(
        organization=organization, code="mail", name="Business email"
    )
    return {
        "DNS-1": Product.objects.create(
            organization=organization,
            sku="DNS-1",
            name="DNS Pro",
            family=dns,
            list_price=Decimal("100.00"),
            unit_cost=Decimal("20.00"),
            is_subscription=True,
        ),
        "MAIL-1": Product.objects.create(
            organization=organization,
            sku="MAIL-1",
            name="Mail 10 seats",
            family=mail,
            list_price=Decimal("500.00"),
            unit_cost=Decimal("150.00"),
        ),
    }


@pytest.fixture
def companies(
    organization: Any, bdm_a: Any, bdm_b: Any, regions: dict[str, Region]
) -> dict[str, Company]:
    """Two companies of team A (one in Hangzhou, one in Shanghai) and one of team B."""

    def make(external_id: str, name: str, owner: Any, region: str, **fields: Any) -> Company:
        return Company.objects.create(
            organization=organization,
            external_id=external_id,
            name=name,
            owner=owner,
            team_id=owner.team_id,
            region=regions[region],
            **fields,
        )

    return {
        "C1": make("C1", "Alpha Tech", bdm_a, "330100", industry="software", size="small"),
        "C2": make("C2", "Beta Retail", bdm_a, "310000", industry="retail", stage="account"),
        "C3": make("C3", "Gamma Logistics", bdm_b, "310000", industry="logistics"),
    }


def row_counts() -> dict[str, int]:
    models: dict[str, Any] = {
        "company": Company,
        "contact": Contact,
        "product": Product,
        "order": Order,
        "order_line": OrderLine,
        "audit": AuditEvent,
    }
    return {name: model.objects.count() for name, model in models.items()}


@pytest.fixture
def unchanged() -> Callable[[], None]:
    """``check = unchanged()`` snapshots row counts; calling ``check()`` asserts they held."""

    def snapshot() -> Callable[[], None]:
        before = row_counts()

        def check() -> None:
            assert row_counts() == before

        return check

    return snapshot  # type: ignore[return-value]
