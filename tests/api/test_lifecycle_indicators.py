"""/companies/{id}/lifecycle and /indicators, fed by orders created through the API."""

from __future__ import annotations

from typing import Any

import pytest

from patron.core.months import parse_month
from patron.performance.indicators import indicators_report


@pytest.fixture
def history(
    api_for: Any, bdm_a: Any, user_factory: Any, team_a: Any, companies: Any, catalog: Any
) -> Any:
    """C1 buys DNS in January 2026 and email in February, then nothing."""
    am_a = user_factory("am_a", roles=["am"], team=team_a)
    client = api_for(bdm_a)
    for external_id, day, sku, amount in [
        ("H-1", "2026-01-10", "DNS-1", "200.00"),
        ("H-2", "2026-02-10", "MAIL-1", "450.00"),
    ]:
        response = client.post(
            "/orders/",
            {
                "external_id": external_id,
                "company": "C1",
                "order_date": day,
                "status": "paid",
                "lines": [{"sku": sku, "quantity": "1", "amount": amount}],
            },
        )
        assert response.status_code == 201, response.json()
    return {"client": client, "am_a": am_a}


def test_company_lifecycle(history: Any, bdm_a: Any, companies: Any) -> None:
    response = history["client"].get(f"/companies/{companies['C1'].pk}/lifecycle")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["company_id"], body["external_id"]) == (companies["C1"].pk, "C1")
    am_id = history["am_a"].pk
    assert body["months"][:5] == [
        {
            "month": "2026-01",
            "stage": "new_customer",
            "is_active": True,
            "revenue": "200.00",
            "owner_id": bdm_a.pk,
        },
        {
            "month": "2026-02",
            "stage": "account",
            "is_active": True,
            "revenue": "450.00",
            "owner_id": am_id,
        },
        {
            "month": "2026-03",
            "stage": "account",
            "is_active": False,
            "revenue": "0.00",
            "owner_id": am_id,
        },
        {
            "month": "2026-04",
            "stage": "account",
            "is_active": False,
            "revenue": "0.00",
            "owner_id": am_id,
        },
        {
            "month": "2026-05",
            "stage": "lapsed",
            "is_active": False,
            "revenue": "0.00",
            "owner_id": am_id,
        },
    ]
    assert body["events"] == [
        {"month": "2026-01", "kind": "became_customer", "amount": "0.00"},
        {"month": "2026-02", "kind": "became_account", "amount": "0.00"},
        {"month": "2026-02", "kind": "cross_sold", "amount": "450.00"},
        {"month": "2026-05", "kind": "lapsed", "amount": "0.00"},
    ]
    assert body["handoffs"] == [
        {
            "month": "2026-02",
            "from_user_id": bdm_a.pk,
            "from_username": "bdm_a",
            "to_user_id": am_id,
            "to_username": "am_a",
            "rule": "team_least_loaded",
        }
    ]


def test_lifecycle_of_invisible_company_is_404(api_for: Any, bdm_a: Any, companies: Any) -> None:
    response = api_for(bdm_a).get(f"/companies/{companies['C3'].pk}/lifecycle")
    assert response.status_code == 404
    assert response.json()["field_errors"] == {"company_id": "no such company"}


def test_indicators_match_the_report(
    history: Any, api_for: Any, patron_admin: Any, organization: Any, team_a: Any
) -> None:
    client = api_for(patron_admin)
    response = client.get("/indicators/", month="2026-02")
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = indicators_report(
        organization=organization, month=parse_month("2026-02"), viewer=patron_admin
    ).as_dict()
    assert body == expected
    totals = body["organization"]
    assert (totals["active_accounts"], totals["account_revenue"]) == (1, "450.00")
    assert (totals["new_customers"], totals["conversion_rate"]) == (0, 1.0)
    assert (totals["expansion_revenue"], totals["products_per_account"]) == ("450.00", 2.0)
    by_team = client.get("/indicators/", month="2026-02", team=team_a.pk).json()
    assert [row["label"] for row in by_team["teams"]] == ["Team A"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"month": "2026-13"}, 422, "month"),
        ({"month": "March"}, 422, "month"),
        ({}, 422, "month"),
        ({"month": "2026-02", "team": "team_b"}, 404, "team"),
        ({"month": "2026-02", "team": 999999}, 404, "team"),
    ],
)
def test_indicator_errors(
    api_for: Any, bdm_a: Any, team_b: Any, params: Any, status: int, field: str
) -> None:
    if params.get("team") == "team_b":
        params = params | {"team": team_b.pk}
    response = api_for(bdm_a).get("/indicators/", **params)
    assert response.status_code == status
    assert list(response.json()["field_errors"]) == [field]
