"""/orders: list with filters, get with lines, create with lines, update and line replacement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from patron.core.audit import audit_trail
from patron.core.models import CurrencyRate
from patron.sales.models import Order, OrderLine

LINE_DNS = {"sku": "DNS-1", "quantity": "2", "amount": "200.00", "cost": "40.00"}


def order_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "external_id": "O-100",
        "company": "C1",
        "order_date": "2026-03-15",
        "status": "paid",
        "lines": [
            LINE_DNS,
            {
                "sku": "MAIL-1",
                "quantity": "1",
                "amount": "450.00",
                "discount_pct": "10",
                "service_start": "2026-03-15",
                "service_end": "2027-03-14",
            },
        ],
    }
    return payload | overrides


@pytest.fixture
def orders(organization: Any, companies: Any, catalog: Any, bdm_a: Any, bdm_b: Any) -> Any:
    """Four orders written straight to the tables (the API's create is tested on its own)."""
    sellers = {"bdm_a": bdm_a, "bdm_b": bdm_b}
    made = {}
    for external_id, company, day, status, seller in [
        ("O-1", "C1", "2026-01-10", "paid", "bdm_a"),
        ("O-2", "C2", "2026-02-10", "open", "bdm_a"),
        ("O-3", "C3", "2026-02-20", "paid", "bdm_b"),
        ("O-4", "C1", "2026-03-01", "cancelled", "bdm_a"),
    ]:
        order = Order.objects.create(
            organization=organization,
            external_id=external_id,
            company=companies[company],
            order_date=dt.date.fromisoformat(day),
            status=status,
            seller=sellers[seller],
            total_amount=Decimal("200.00"),
        )
        OrderLine.objects.create(
            organization=organization,
            order=order,
            line_no=1,
            product=catalog["DNS-1"],
            quantity=Decimal("2"),
            amount=Decimal("200.00"),
            base_amount=Decimal("200.00"),
            cost=Decimal("40.00"),
        )
        made[external_id] = order
    return made


def test_create_with_lines(api_for: Any, bdm_a: Any, companies: Any, catalog: Any) -> None:
    response = api_for(bdm_a).post("/orders/", order_payload())
    assert response.status_code == 201, response.json()
    order = Order.objects.get(external_id="O-100")
    body = response.json()
    assert (body.pop("created_at"), body.pop("updated_at")) != (None, None)
    assert body == {
        "id": order.pk,
        "external_id": "O-100",
        "company_id": companies["C1"].pk,
        "company_external_id": "C1",
        "company_name": "Alpha Tech",
        "order_date": "2026-03-15",
        "seller_id": bdm_a.pk,
        "seller_username": "bdm_a",
        "status": "paid",
        "currency": "CNY",
        "fx_rate": "1.00000000",
        "total_amount": "650.00",
        "due_date": None,
        "paid_date": None,
        "notes": "",
        "lines": [
            {
                "line_no": 1,
                "product_id": catalog["DNS-1"].pk,
                "sku": "DNS-1",
                "product_name": "DNS Pro",
                "quantity": "2.00",
                "amount": "200.00",
                "base_amount": "200.00",
                "cost": "40.00",
                "discount_pct": "0.00",
                "service_start": None,
                "service_end": None,
            },
            {
                "line_no": 2,
                "product_id": catalog["MAIL-1"].pk,
                "sku": "MAIL-1",
                "product_name": "Mail 10 seats",
                "quantity": "1.00",
                "amount": "450.00",
                "base_amount": "450.00",
                "cost": "0.00",
                "discount_pct": "10.00",
                "service_start": "2026-03-15",
                "service_end": "2027-03-14",
            },
        ],
    }
    event = audit_trail(order).get(action="create")
    assert (event.actor_id, event.source) == (bdm_a.pk, "api")
    companies["C1"].refresh_from_db()
    assert companies["C1"].first_order_date == dt.date(2026, 3, 15)


def test_foreign_currency_uses_the_rate(
    api_for: Any, bdm_a: Any, organization: Any, companies: Any, catalog: Any
) -> None:
    CurrencyRate.objects.create(organization=organization, currency="USD", rate=Decimal("7.1"))
    response = api_for(bdm_a).post("/orders/", order_payload(currency="USD", lines=[LINE_DNS]))
    assert response.status_code == 201
    assert response.json()["fx_rate"] == "7.10000000"
    assert response.json()["lines"][0]["base_amount"] == "1420.00"


def test_list_filters_and_visibility(api_for: Any, bdm_a: Any, bdm_b: Any, orders: Any) -> None:
    client = api_for(bdm_a)

    def ids(**params: Any) -> list[str]:
        body = client.get("/orders/", **params).json()
        assert body["count"] == len(body["results"])
        return [row["external_id"] for row in body["results"]]

    assert ids() == ["O-4", "O-2", "O-1"]
    assert ids(status="paid") == ["O-1"]
    assert ids(company_id=orders["O-1"].company_id) == ["O-4", "O-1"]
    assert ids(**{"from": "2026-02-01", "to": "2026-02-28"}) == ["O-2"]
    assert ids(seller=bdm_a.pk) == ["O-4", "O-2", "O-1"]
    assert ids(seller=bdm_b.pk) == []
    assert client.get(f"/orders/{orders['O-3'].pk}").status_code == 404
    row = client.get("/orders/", page_size=1).json()["results"][0]
    assert "lines" not in row
    assert row["total_amount"] == "200.00"


def test_get_with_lines(api_for: Any, bdm_a: Any, orders: Any) -> None:
    body = api_for(bdm_a).get(f"/orders/{orders['O-1'].pk}").json()
    assert (body["external_id"], body["seller_username"], body["status"]) == (
        "O-1",
        "bdm_a",
        "paid",
    )
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("DNS-1", "2.00")]


def test_order_list_query_count(
    api_for: Any, bdm_a: Any, orders: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_for(bdm_a)
    client.get("/orders/")
    with django_assert_max_num_queries(6):
        assert client.get("/orders/").json()["count"] == 3


def test_update_header_and_replace_lines(api_for: Any, bdm_a: Any, orders: Any) -> None:
    order = orders["O-2"]
    response = api_for(bdm_a).patch(
        f"/orders/{order.pk}",
        {
            "status": "paid",
            "paid_date": "2026-02-28",
            "lines": [{"sku": "MAIL-1", "quantity": "3", "amount": "1350"}],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["paid_date"], body["total_amount"]) == (
        "paid",
        "2026-02-28",
        "1350.00",
    )
    assert [(line["line_no"], line["sku"]) for line in body["lines"]] == [(1, "MAIL-1")]
    assert list(OrderLine.objects.filter(order=order).values_list("product__sku", "amount")) == [
        ("MAIL-1", Decimal("1350.00"))
    ]
    event = audit_trail(order).get(action="update")
    assert event.changes["status"] == ["open", "paid"]
    assert event.source == "api"


def test_update_without_lines_keeps_them(api_for: Any, bdm_a: Any, orders: Any) -> None:
    order = orders["O-1"]
    response = api_for(bdm_a).patch(f"/orders/{order.pk}", {"notes": "renewal due"})
    assert response.status_code == 200
    assert response.json()["notes"] == "renewal due"
    assert OrderLine.objects.filter(order=order).count() == 1


def test_update_invisible_order_is_404(
    api_for: Any, bdm_a: Any, orders: Any, unchanged: Any
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.patch(f"/orders/{orders['O-3'].pk}", {"status": "refunded"})
    assert response.status_code == 404
    assert response.json()["message"] == "order not found"
    check()


BAD_LINE = "lines[0]"


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"lines": [LINE_DNS | {"quantity": "-1"}]}, f"{BAD_LINE}.quantity", "greater than 0"),
        ({"lines": [LINE_DNS | {"quantity": "0"}]}, f"{BAD_LINE}.quantity", "greater than 0"),
        ({"lines": [LINE_DNS | {"sku": "NOPE"}]}, f"{BAD_LINE}.sku", "no such product"),
        ({"lines": [LINE_DNS | {"discount_pct": "101"}]}, f"{BAD_LINE}.discount_pct", "100"),
        ({"lines": [LINE_DNS | {"amount": "1.001"}]}, f"{BAD_LINE}.amount", "decimal places"),
        (
            {"lines": [LINE_DNS | {"service_start": "2026-05-01", "service_end": "2026-04-01"}]},
            BAD_LINE,
            "service_end must not be before service_start",
        ),
        ({"lines": []}, "lines", "at least 1 item"),
        ({"order_date": "2026-02-30"}, "order_date", "valid date"),
        ({"order_date": "yesterday"}, "order_date", "valid date"),
        ({"status": "shipped"}, "status", "Input should be"),
        ({"company": "C3"}, "company", "no such company"),
        ({"company": "ZZZ"}, "company", "no such company"),
        ({"seller": "ghost"}, "seller", "no such user"),
        ({"currency": "EUR"}, "currency", "no exchange rate for EUR"),
        ({"external_id": "O-1"}, "external_id", "already used by another record"),
        ({"notes": "x" * 10001}, "notes", "at most 10000"),
    ],
)
def test_create_validation_changes_nothing(
    api_for: Any,
    bdm_a: Any,
    orders: Any,
    unchanged: Any,
    overrides: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.post("/orders/", order_payload(**overrides))
    assert response.status_code == 422, response.json()
    body = response.json()
    assert list(body["field_errors"]) == [field]
    assert reason in body["field_errors"][field]
    check()


def test_missing_lines_is_named(api_for: Any, bdm_a: Any, companies: Any, unchanged: Any) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    payload = order_payload()
    del payload["lines"]
    response = client.post("/orders/", payload)
    assert response.status_code == 422
    assert response.json()["field_errors"] == {"lines": "Field required"}
    check()


def test_bad_patch_changes_nothing(api_for: Any, bdm_a: Any, orders: Any, unchanged: Any) -> None:
    client = api_for(bdm_a)
    order = orders["O-1"]
    check = unchanged()
    response = client.patch(
        f"/orders/{order.pk}",
        {"status": "paid", "lines": [LINE_DNS, LINE_DNS | {"sku": "GONE"}]},
    )
    assert response.status_code == 422
    assert response.json()["field_errors"] == {"lines[1].sku": "no such product"}
    check()
    assert list(OrderLine.objects.filter(order=order).values_list("product__sku", flat=True)) == [
        "DNS-1"
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2026-13-01"}, "from"), ({"status": "lost"}, "status"), ({"seller": 0}, "seller")],
)
def test_bad_list_filters(api_for: Any, bdm_a: Any, params: Any, field: str) -> None:
    response = api_for(bdm_a).get("/orders/", **params)
    assert response.status_code == 422
    assert list(response.json()["field_errors"]) == [field]
