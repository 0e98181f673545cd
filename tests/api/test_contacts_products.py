"""/contacts and /products: list, filters, get, create, update, validation."""

from __future__ import annotations

from typing import Any

import pytest

from patron.catalog.models import Product
from patron.companies.models import Contact


@pytest.fixture
def contacts(organization: Any, companies: Any) -> dict[str, Contact]:
    def make(external_id: str, company: str, name: str, **fields: Any) -> Contact:
        return Contact.objects.create(
            organization=organization,
            external_id=external_id,
            company=companies[company],
            name=name,
            **fields,
        )

    return {
        "P1": make("P1", "C1", "Chen Wei", email="chen@alpha.example", title="CTO"),
        "P2": make("P2", "C2", "Zhou Min", phone="13800000000"),
        "P3": make("P3", "C3", "Sun Li"),
    }


def contact_row(contact: Contact, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": contact.pk,
        "external_id": contact.external_id,
        "company_id": contact.company_id,
        "company_external_id": contact.company.external_id,
        "company_name": contact.company.name,
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "buying_role": contact.buying_role,
        "influence": contact.influence,
        "attitude": contact.attitude,
        "notes": contact.notes,
    }
    return row | overrides


def without_times(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in {"created_at", "updated_at"}} for row in rows]


def test_contact_list_is_scoped_and_filtered(api_for: Any, bdm_a: Any, contacts: Any) -> None:
    client = api_for(bdm_a)
    body = client.get("/contacts/").json()
    assert body["count"] == 2
    assert without_times(body["results"]) == [
        contact_row(contacts["P1"]),
        contact_row(contacts["P2"]),
    ]
    by_company = client.get("/contacts/", company_id=contacts["P2"].company_id).json()
    assert [row["external_id"] for row in by_company["results"]] == ["P2"]
    by_search = client.get("/contacts/", search="chen@alpha.example").json()
    assert [row["external_id"] for row in by_search["results"]] == ["P1"]
    assert client.get(f"/contacts/{contacts['P3'].pk}").status_code == 404


def test_contact_create_and_update(api_for: Any, bdm_a: Any, companies: Any) -> None:
    client = api_for(bdm_a)
    response = client.post(
        "/contacts/",
        {
            "external_id": "P9",
            "company": "C1",
            "name": "Liu Yang",
            "buying_role": "economic_buyer",
            "influence": 5,
            "attitude": "supporter",
        },
    )
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(external_id="P9")
    assert without_times([response.json()]) == [contact_row(contact)]
    assert (contact.company, contact.influence) == (companies["C1"], 5)
    patched = client.patch(f"/contacts/{contact.pk}", {"title": "CFO", "company": "C2"})
    assert patched.status_code == 200
    contact.refresh_from_db()
    assert (contact.title, contact.company_id) == ("CFO", companies["C2"].pk)
    assert patched.json()["company_external_id"] == "C2"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"company": "C3"}, "company"),  # another team's company: as if it did not exist
        ({"influence": 6}, "influence"),
        ({"buying_role": "boss"}, "buying_role"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "n" * 151}, "name"),
    ],
)
def test_contact_validation(
    api_for: Any, bdm_a: Any, companies: Any, unchanged: Any, payload: Any, field: str
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    body = {"external_id": "P9", "company": "C1", "name": "Liu"} | payload
    response = client.post("/contacts/", body)
    assert response.status_code == 422
    assert list(response.json()["field_errors"]) == [field]
    check()


def product_row(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "family_id": product.family_id,
        "family_code": product.family.code,
        "family_name": product.family.name,
        "list_price": str(product.list_price),
        "unit_cost": str(product.unit_cost),
        "currency": product.currency,
        "is_subscription": product.is_subscription,
        "is_active": product.is_active,
    }


def test_product_list_filters_and_get(api_for: Any, bdm_b: Any, catalog: Any) -> None:
    client = api_for(bdm_b)
    body = client.get("/products/").json()
    assert body["count"] == 2
    assert without_times(body["results"]) == [
        product_row(catalog["DNS-1"]),
        product_row(catalog["MAIL-1"]),
    ]
    assert [r["sku"] for r in client.get("/products/", family="mail").json()["results"]] == [
        "MAIL-1"
    ]
    assert [r["sku"] for r in client.get("/products/", sku="DNS-1").json()["results"]] == ["DNS-1"]
    one = client.get(f"/products/{catalog['DNS-1'].pk}").json()
    assert without_times([one]) == [product_row(catalog["DNS-1"])]
    assert one["list_price"] == "100.00"


def test_product_create_and_update(api_for: Any, patron_admin: Any, catalog: Any) -> None:
    client = api_for(patron_admin)
    response = client.post(
        "/products/",
        {"sku": "WEB-1", "name": "Site builder", "family": "dns", "list_price": "99.90"},
    )
    assert response.status_code == 201, response.json()
    product = Product.objects.get(sku="WEB-1")
    assert without_times([response.json()]) == [product_row(product)]
    assert (product.currency, product.unit_cost) == ("CNY", 0)
    patched = client.patch(f"/products/{product.pk}", {"family": "mail", "is_active": False})
    assert patched.status_code == 200
    product.refresh_from_db()
    assert (product.family.code, product.is_active) == ("mail", False)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"family": "nope"}, "family"),
        ({"list_price": "-5"}, "list_price"),
        ({"unit_cost": "1e20"}, "unit_cost"),
        ({"currency": "yuan"}, "currency"),
        ({"sku": "DNS-1"}, "sku"),
        ({"sku": "s" * 65}, "sku"),
    ],
)
def test_product_validation(
    api_for: Any, patron_admin: Any, catalog: Any, unchanged: Any, payload: Any, field: str
) -> None:
    client = api_for(patron_admin)
    check = unchanged()
    body = {"sku": "NEW-1", "name": "New", "family": "dns"} | payload
    response = client.post("/products/", body)
    assert response.status_code == 422, response.json()
    assert list(response.json()["field_errors"]) == [field]
    check()


def test_sellers_may_not_change_the_catalog(
    api_for: Any, bdm_a: Any, catalog: Any, unchanged: Any
) -> None:
    client = api_for(bdm_a)
    check = unchanged()
    created = client.post("/products/", {"sku": "NEW-1", "name": "New", "family": "dns"})
    product = Product.objects.get(sku="DNS-1")
    patched = client.patch(f"/products/{product.pk}", {"list_price": "1.00"})
    assert (created.status_code, patched.status_code) == (403, 403)
    assert created.json() == {
        "message": "only admins and sales managers may change products",
        "field_errors": {"product": "only admins and sales managers may change products"},
    }
    check()


def test_product_list_query_count(
    api_for: Any, bdm_a: Any, catalog: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_for(bdm_a)
    client.get("/products/")
    with django_assert_max_num_queries(4):
        assert client.get("/products/").json()["count"] == 2


def test_contact_list_query_count(
    api_for: Any, bdm_a: Any, contacts: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_for(bdm_a)
    client.get("/contacts/")
    with django_assert_max_num_queries(6):
        assert client.get("/contacts/").json()["count"] == 2
