"""/companies: list with filters and pagination, get, create, update, visibility, validation."""

from __future__ import annotations

from typing import Any

import pytest

from patron.companies.models import Company
from patron.core.audit import audit_trail


def strip_times(row: dict[str, Any]) -> dict[str, Any]:
    assert row.pop("created_at")
    assert row.pop("updated_at")
    return row


def expected_company(company: Company, **overrides: Any) -> dict[str, Any]:
    region = company.region
    row = {
        "id": company.pk,
        "external_id": company.external_id,
        "name": company.name,
        "industry": company.industry,
        "region_id": region.pk if region else None,
        "region_code": region.code if region else None,
        "region_name": region.name if region else None,
        "size": company.size,
        "owner_id": company.owner_id,
        "owner_username": company.owner.username if company.owner else None,
        "team_id": company.team_id,
        "team_name": company.team.name if company.team else None,
        "is_reference": company.is_reference,
        "market_potential": None,
        "credit_rating": company.credit_rating,
        "website": "",
        "phone": "",
        "address": "",
        "stage": company.stage,
        "first_order_date": None,
    }
    row.update(overrides)
    return row


def test_list_is_scoped_and_paginated(api_for: Any, bdm_a: Any, companies: Any) -> None:
    response = api_for(bdm_a).get("/companies/")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("count", "page", "page_size")} == {
        "count": 2,
        "page": 1,
        "page_size": 50,
    }
    assert [strip_times(row) for row in body["results"]] == [
        expected_company(companies["C1"]),
        expected_company(companies["C2"]),
    ]


def test_pagination(api_for: Any, patron_admin: Any, companies: Any) -> None:
    client = api_for(patron_admin)
    first = client.get("/companies/", page_size=2).json()
    second = client.get("/companies/", page_size=2, page=2).json()
    beyond = client.get("/companies/", page_size=2, page=3).json()
    assert (first["count"], [row["external_id"] for row in first["results"]]) == (3, ["C1", "C2"])
    assert (second["page"], [row["external_id"] for row in second["results"]]) == (2, ["C3"])
    assert beyond["results"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "account"}, ["C2"]),
        ({"industry": "logistics"}, ["C3"]),
        ({"search": "beta"}, ["C2"]),
        ({"search": "C3"}, ["C3"]),
        ({"region": "330000"}, ["C1"]),
        ({"region": "310000"}, ["C2", "C3"]),
        ({"team": "team_b"}, ["C3"]),
        ({"owner": "bdm_a"}, ["C1", "C2"]),
    ],
)
def test_filters(
    api_for: Any,
    patron_admin: Any,
    companies: Any,
    regions: Any,
    team_b: Any,
    bdm_a: Any,
    params: dict[str, str],
    expected: list[str],
) -> None:
    ids = {"330000": regions["330000"].pk, "310000": regions["310000"].pk}
    ids |= {"team_b": team_b.pk, "bdm_a": bdm_a.pk}
    query = {key: ids.get(value, value) for key, value in params.items()}
    body = api_for(patron_admin).get("/companies/", **query).json()
    assert [row["external_id"] for row in body["results"]] == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 201}, "page_size"),
        ({"page": 0}, "page"),
        ({"stage": "giant"}, "stage"),
        ({"industry": "mining"}, "industry"),
        ({"owner": "bob"}, "owner"),
        ({"search": "x" * 201}, "search"),
        ({"search": "a\x00b"}, "search"),
    ],
)
def test_bad_filters_are_422(api_for: Any, bdm_a: Any, params: dict[str, Any], field: str) -> None:
    response = api_for(bdm_a).get("/companies/", **params)
    assert response.status_code == 422
    body = response.json()
    assert list(body["field_errors"]) == [field]
    assert body["message"].startswith(f"Invalid input: {field}: ")


def test_list_query_count_is_constant(
    api_for: Any,
    bdm_a: Any,
    companies: Any,
    organization: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = api_for(bdm_a)
    client.get("/companies/")  # token use recorded
    for number in range(30):
        Company.objects.create(
            organization=organization,
            external_id=f"X{number}",
            name=f"Extra {number}",
            owner=bdm_a,
            team_id=bdm_a.team_id,
        )
    with django_assert_max_num_queries(6):
        body = client.get("/companies/", page_size=200).json()
    assert body["count"] == 32


def test_get_one_and_invisible_is_404(api_for: Any, bdm_a: Any, companies: Any) -> None:
    client = api_for(bdm_a)
    response = client.get(f"/companies/{companies['C1'].pk}")
    assert response.status_code == 200
    assert strip_times(response.json()) == expected_company(companies["C1"])
    hidden = client.get(f"/companies/{companies['C3'].pk}")
    missing = client.get("/companies/999999")
    assert hidden.status_code == missing.status_code == 404
    assert (
        hidden.json()
        == missing.json()
        == {
            "message": "company not found",
            "field_errors": {"company_id": "no such company"},
        }
    )


def test_create(api_for: Any, bdm_a: Any, regions: Any) -> None:
    payload = {
        "external_id": "N1",
        "name": "Nova Media",
        "industry": "media",
        "region": "330100",
        "size": "medium",
        "market_potential": "125000.50",
        "credit_rating": "AA",
        "website": "https://nova.example",
    }
    response = api_for(bdm_a).post("/companies/", payload)
    assert response.status_code == 201, response.json()
    company = Company.objects.get(external_id="N1")
    assert strip_times(response.json()) == expected_company(
        company,
        owner_id=bdm_a.pk,
        owner_username="bdm_a",
        team_name="Team A",
        market_potential="125000.50",
        website="https://nova.example",
    )
    assert company.organization_id == bdm_a.organization_id
    assert company.team_id == bdm_a.team_id
    event = audit_trail(company).get(action="create")
    assert (event.actor_id, event.source) == (bdm_a.pk, "api")


def test_update(api_for: Any, bdm_a: Any, companies: Any, regions: Any) -> None:
    company = companies["C1"]
    response = api_for(bdm_a).patch(
        f"/companies/{company.pk}",
        {"name": "Alpha Technologies", "region": "310000", "is_reference": True},
    )
    assert response.status_code == 200
    company.refresh_from_db()
    assert strip_times(response.json()) == expected_company(company)
    assert (company.name, company.region.code, company.is_reference) == (
        "Alpha Technologies",
        "310000",
        True,
    )
    event = audit_trail(company).get(action="update")
    assert event.changes == {
        "name": ["Alpha Tech", "Alpha Technologies"],
        "region": [regions["330100"].pk, regions["310000"].pk],
        "is_reference": [False, True],
    }


def test_update_invisible_company_is_404_and_changes_nothing(
    api_for: Any, bdm_a: Any, companies: Any, unchanged: Any
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.patch(f"/companies/{companies['C3'].pk}", {"name": "Mine"})
    assert response.status_code == 404
    check()
    companies["C3"].refresh_from_db()
    assert companies["C3"].name == "Gamma Logistics"


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"name": "x" * 201}, "name", "String should have at most 200 characters"),
        ({"name": ""}, "name", "String should have at least 1 character"),
        ({"external_id": None}, "external_id", "Input should be a valid string"),
        ({"industry": "mining"}, "industry", "Input should be "),
        ({"market_potential": "-1"}, "market_potential", "greater than or equal to 0"),
        ({"market_potential": "1.234"}, "market_potential", "2 decimal places"),
        ({"market_potential": "12345678901234567"}, "market_potential", "16 digits"),
        ({"region": "999"}, "region", "no such region"),
        ({"owner": "ghost"}, "owner", "no such user"),
        ({"external_id": "C3"}, "external_id", "already used by another record"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_create_validation_names_the_field_and_changes_nothing(
    api_for: Any,
    bdm_a: Any,
    companies: Any,
    unchanged: Any,
    payload: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.post("/companies/", {"external_id": "N2", "name": "New"} | payload)
    assert response.status_code == 422, response.json()
    body = response.json()
    assert list(body["field_errors"]) == [field]
    assert reason in body["field_errors"][field]
    assert field in body["message"]
    check()


def test_missing_required_field(api_for: Any, bdm_a: Any, unchanged: Any) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.post("/companies/", {"external_id": "N3"})
    assert response.status_code == 422
    assert response.json() == {
        "message": "Invalid input: name: Field required",
        "field_errors": {"name": "Field required"},
    }
    check()


@pytest.mark.parametrize("body", ["{not json", "[]", '"text"', "null"])
def test_malformed_body(api_for: Any, bdm_a: Any, unchanged: Any, body: str) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.post("/companies/", body)
    assert response.status_code in {400, 422}
    assert set(response.json()) == {"message", "field_errors"}
    check()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": None}, "name"),
        ({"is_reference": None}, "is_reference"),
        ({"industry": None}, "industry"),
        ({"stage": "account"}, "stage"),  # computed by the lifecycle engine, not writable
    ],
)
def test_patch_refuses_null_for_required_fields(
    api_for: Any, bdm_a: Any, companies: Any, unchanged: Any, payload: Any, field: str
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    response = client.patch(f"/companies/{companies['C1'].pk}", payload)
    assert response.status_code == 422
    assert list(response.json()["field_errors"]) == [field]
    check()


def test_patch_clears_optional_fields(api_for: Any, bdm_a: Any, companies: Any) -> None:
    company = companies["C1"]
    response = api_for(bdm_a).patch(
        f"/companies/{company.pk}", {"industry": "", "region": None, "market_potential": None}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["industry"], body["region_id"], body["market_potential"]) == ("", None, None)
    company.refresh_from_db()
    assert (company.industry, company.region_id) == ("", None)


def test_search_count_is_capped(api_for: Any, patron_admin: Any, monkeypatch: Any) -> None:
    from patron.api import companies as module
    from patron.companies.models import Company
    from patron.core.models import Organization

    organization = Organization.objects.get_default()
    Company.objects.bulk_create(
        Company(organization=organization, external_id=f"S{i}", name=f"Searchable {i:02d}")
        for i in range(12)
    )
    monkeypatch.setattr(module, "SEARCH_COUNT_CAP", 10)
    api = api_for(patron_admin)
    body = api.get("/companies/", search="searchable", page_size=5).json()
    assert (body["count"], body["count_is_exact"], len(body["results"])) == (10, False, 5)
    assert [row["external_id"] for row in body["results"]] == ["S0", "S1", "S2", "S3", "S4"]
    body = api.get("/companies/", page_size=5).json()
    assert body["count_is_exact"] is True
