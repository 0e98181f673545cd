"""The company list (filters, pagination, query budget) and the company page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patron.companies.models import Company

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[str]:
    """External ids of the companies on the page, in order."""
    return re.findall(r'<tr data-company="([^"]+)">', response.text)


def test_list_shows_every_visible_company_by_name(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get("/companies/")

    assert response.status_code == 200
    assert listed(response) == ["E-A", "E-B", "E-D", "W-E", "W-C"]
    assert "5 companies" in response.text
    assert '<span class="badge stage-lapsed">Lapsed</span>' in response.text


def test_team_member_sees_only_their_team(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.manager).get("/companies/")

    assert listed(response) == ["E-A", "E-B", "E-D"]
    assert [label for _value, label in response.context["form"].fields["team"].choices] == [
        "Any",
        "East 1",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "lapsed"}, ["E-A", "W-C"]),
        ({"stage": "account"}, ["W-E"]),
        ({"stage": "visitor"}, ["E-B"]),
        ({"stage": "prospect"}, ["E-D"]),
        ({"industry": "finance"}, ["W-C"]),
        ({"q": "beta"}, ["E-B"]),
        ({"q": "深圳"}, ["E-A"]),
        ({"q": "W-C"}, ["W-C"]),
        ({"q": "nothing-like-this"}, []),
        ({"stage": "lapsed", "q": "gamma"}, ["W-C"]),
    ],
)
def test_list_filters(web_world: Any, client_for: Any, params: dict, expected: list) -> None:
    response = client_for(web_world.admin).get("/companies/", params)

    assert listed(response) == expected
    assert response.context["total"] == len(expected)


def test_filter_by_team_and_owner(web_world: Any, client_for: Any) -> None:
    client = client_for(web_world.admin)

    by_team = client.get("/companies/", {"team": web_world.west.id})
    by_owner = client.get("/companies/", {"owner": web_world.am.id})

    assert listed(by_team) == ["W-E", "W-C"]
    assert f'<option value="{web_world.west.id}" selected>West 2</option>' in by_team.text
    assert listed(by_owner) == ["E-A"]  # handed from the BDM to the AM when it became an account


def test_filter_by_region_includes_sub_regions(web_world: Any, client_for: Any) -> None:
    client = client_for(web_world.admin)

    province = client.get("/companies/", {"region": web_world.guangdong.id})
    city = client.get("/companies/", {"region": web_world.shenzhen.id})

    assert listed(province) == ["E-A", "E-B", "E-D"]
    assert listed(city) == ["E-A"]
    options = dict(province.context["form"].fields["region"].choices)
    assert options[str(web_world.shenzhen.id)] == "\u2003\u2003Shenzhen"


def test_an_invalid_filter_value_is_ignored(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get("/companies/", {"owner": "x", "stage": "lapsed"})

    assert response.status_code == 200
    assert listed(response) == ["E-A", "W-C"]


def make_companies(organization: Any, team: Any, count: int, prefix: str = "C") -> None:
    Company.objects.bulk_create(
        Company(
            organization=organization,
            external_id=f"{prefix}{number:04d}",
            name=f"Company {number:04d}",
            team=team,
        )
        for number in range(1, count + 1)
    )


def test_pagination_fifty_per_page(
    organization: Any, team: Any, patron_admin: Any, client_for: Any
) -> None:
    make_companies(organization, team, 120)
    client = client_for(patron_admin)

    first = client.get("/companies/")
    third = client.get("/companies/", {"page": 3})
    beyond = client.get("/companies/", {"page": 99})

    assert len(listed(first)) == 50
    assert listed(first)[0] == "C0001"
    assert "120 companies" in first.text
    assert "Showing 1–50" in first.text
    assert listed(third) == [f"C{number:04d}" for number in range(101, 121)]
    assert "Showing 101–120" in third.text
    assert listed(beyond) == listed(third)  # out of range shows the last page
    assert 'href="?page=2"' in first.text
    assert 'href="?page=3"' in first.text


def test_pagination_keeps_the_filters(
    organization: Any, team: Any, patron_admin: Any, client_for: Any
) -> None:
    make_companies(organization, team, 60)

    response = client_for(patron_admin).get("/companies/", {"stage": "prospect"})

    assert 'href="?stage=prospect&amp;page=2"' in response.text


def count_queries(client: Any, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_list_query_count_does_not_grow_with_rows(
    organization: Any, team: Any, manager: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(manager)
    make_companies(organization, team, 3, prefix="S")
    few = count_queries(client, "/companies/")
    make_companies(organization, team, 200, prefix="M")
    many = count_queries(client, "/companies/")

    assert many == few
    with django_assert_max_num_queries(12):
        client.get("/companies/", {"q": "Company", "stage": "prospect", "team": team.id})


def test_list_counts_once(organization: Any, team: Any, patron_admin: Any, client_for: Any) -> None:
    make_companies(organization, team, 75)
    client = client_for(patron_admin)

    with CaptureQueriesContext(connection) as captured:
        client.get("/companies/", {"page": 2})

    counts = [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]
    assert len(counts) == 1


# ---- company page ---------------------------------------------------------------------------


def test_company_page_shows_the_header(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get(f"/companies/{web_world.a.id}/")

    assert response.status_code == 200
    html = response.text
    assert "<h1>Alpha 深圳科技</h1>" in html
    assert '<span class="badge stage-lapsed" data-testid="company-stage">Lapsed</span>' in html
    assert "<dd>E-A</dd>" in html
    assert "<dd>Software &amp; internet</dd>" in html
    assert "<dd>Guangdong · Shenzhen</dd>" in html
    assert "<dd>Zhang AM</dd>" in html
    assert "<dd>East 1</dd>" in html
    assert "<dd>AA</dd>" in html
    assert "<dd>2026-01-10</dd>" in html


def test_company_page_shows_the_stage_strip(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get(f"/companies/{web_world.a.id}/")

    cells = re.findall(r'data-month="(\d{4}-\d\d)" data-stage="([a-z_]+)"', response.text)
    assert cells[:7] == [
        ("2026-01", "new_customer"),
        ("2026-02", "account"),
        ("2026-03", "account"),
        ("2026-04", "account"),
        ("2026-05", "account"),
        ("2026-06", "lapsed"),
        ("2026-07", "lapsed"),
    ]
    assert response.context["strip"][2].title == "2026-03 · Account · revenue 300"
    assert response.context["strip"][2].is_active is True
    assert response.context["strip"][3].is_active is False


def test_company_page_shows_events_orders_contacts_handoffs_audit(
    web_world: Any, client_for: Any
) -> None:
    response = client_for(web_world.admin).get(f"/companies/{web_world.a.id}/")
    html = response.text

    assert [(event.month, event.kind, event.amount) for event in response.context["events"]] == [
        ("2026-06", "lapsed", ""),
        ("2026-03", "cross_sold", "300"),
        ("2026-02", "became_account", ""),
        ("2026-01", "became_customer", ""),
    ]
    assert '<span class="timeline-label">Cross-sold</span>' in html
    assert re.findall(r'data-order="([^"]+)"', html) == ["SO-003", "SO-002", "SO-001"]
    assert "Business Mail" in html
    assert "MAIL-10 · Mail" in html
    assert "Sun Li 孙莉" in html
    assert "sun.li@alpha.example" in html
    handoffs = response.context["handoffs"]
    assert [(h.month, h.from_user, h.to_user) for h in handoffs] == [
        ("2026-02", "Li BDM", "Zhang AM")
    ]
    assert "AM of the same team with the fewest accounts" in html
    audit = response.context["audit"]
    assert audit[0].actor == "padmin"
    assert [(c.field, c.old, c.new) for c in audit[0].changes] == [("credit rating", "—", "AA")]
    assert '<span class="audit-field">credit rating</span>' in html
    created = audit[-1]
    assert created.action == "created"
    assert ("owner", "—", "Li BDM") in [(c.field, c.old, c.new) for c in created.changes]


def test_company_page_query_budget(
    web_world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(web_world.admin)
    with django_assert_max_num_queries(20):
        client.get(f"/companies/{web_world.a.id}/")


def test_invisible_company_is_not_found(web_world: Any, client_for: Any) -> None:
    client = client_for(web_world.manager)

    assert client.get(f"/companies/{web_world.c.id}/").status_code == 404
    assert client.get("/companies/999999/").status_code == 404
    assert client.get(f"/companies/{web_world.a.id}/").status_code == 200


def test_prospect_page_has_an_empty_strip(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get(f"/companies/{web_world.d.id}/")

    assert response.status_code == 200
    assert response.context["strip"] == []
    assert "No counted order yet" in response.text
    assert "No orders yet." in response.text


def test_company_page_shows_what_an_import_created(
    web_world: Any, client_for: Any, tmp_path: Any
) -> None:
    from patron.core.audit import Actor
    from patron.imports.services import import_file

    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,company_id,company_name,order_date,status,product_sku,quantity,amount\n"
        "SO-100,C-NEW,新导入公司,2026-05-03,paid,MAIL-10,1,100\n"
        "SO-101,C-NEW,新导入公司,2026-06-03,paid,MAIL-10,1,100\n",
        encoding="utf-8",
    )
    admin = web_world.admin
    result = import_file(
        organization=web_world.org,
        kind="orders",
        path=path,
        actor=Actor(user_id=admin.pk, label="padmin", source="cli"),
    )
    company = Company.objects.get(external_id="C-NEW")

    response = client_for(admin).get(f"/companies/{company.id}/")

    lines = [
        (line.actor, line.action, line.target, line.note) for line in response.context["audit"]
    ]
    note = f"import #{result.run_id}, file orders.csv"
    assert sorted(lines) == [
        ("padmin", "created by import", "", note),
        ("padmin", "created by import", "2 orders", note),
    ]
    assert f'<span class="muted">{note}</span>' in response.text
