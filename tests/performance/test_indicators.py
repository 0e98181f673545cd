from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from patron.core.months import parse_month
from patron.lifecycle.services import lifecycle_recompute
from patron.performance.indicators import indicators_report

MARCH = parse_month("2026-03")


@pytest.fixture
def march(world):
    a, b, c, d = (world.company(x) for x in "ABCD")
    world.order(a, "2026-01-10", "100")
    world.order(a, "2026-02-10", "100")
    world.order(a, "2026-03-10", "150")
    world.order(a, "2026-03-11", "50", product=world.mail)
    world.order(b, "2026-02-10", "200")
    world.order(b, "2026-03-10", "300")
    world.order(c, "2026-02-10", "80")
    world.order(d, "2026-03-10", "500")
    lifecycle_recompute(organization=world.org, through_month=MARCH)
    return world


def test_organization_indicators_for_the_month(march):
    row = indicators_report(organization=march.org, month=MARCH).organization
    assert row.values() == {
        "new_customers": 1,
        "new_customer_revenue": Decimal("500.00"),
        "active_accounts": 2,
        "account_revenue": Decimal("500.00"),
        "conversion_rate": 0.5,
        "logo_retention": 1.0,
        "net_revenue_retention": 2.0,
        "expansion_revenue": Decimal("200.00"),
        "products_per_account": 1.5,
        "lapsed": 0,
        "won_back": 0,
    }


def test_people_are_credited_by_role(march):
    report = indicators_report(organization=march.org, month=MARCH)
    people = {row.label: row.values() for row in report.people}
    assert set(people) == {"bdm", "am1"}
    assert people["bdm"]["new_customers"] == 1
    assert people["bdm"]["conversion_rate"] == 0.5
    assert people["bdm"]["active_accounts"] == 0
    assert people["am1"]["active_accounts"] == 2
    assert people["am1"]["expansion_revenue"] == Decimal("200.00")
    assert people["am1"]["net_revenue_retention"] == 2.0
    assert people["am1"]["conversion_rate"] is None  # no new customers of M-1: null, not 0
    assert [row.label for row in report.teams] == ["Shanghai 1"]
    assert report.teams[0].values() == report.organization.values()


def test_team_filter_and_viewer_scope(march):
    other = indicators_report(organization=march.org, month=MARCH, team_id=march.other_team.id)
    assert other.organization.values()["active_accounts"] == 0
    assert other.people == []
    scoped = indicators_report(organization=march.org, month=MARCH, viewer=march.other_am)
    assert scoped.organization.values()["new_customers"] == 0
    assert scoped.teams == []


def test_cli_json_table_and_csv_agree_with_the_report(march):
    expected = indicators_report(organization=march.org, month=MARCH).as_dict()
    out = StringIO()
    call_command("report", "indicators", "--month", "2026-03", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(expected))
    out = StringIO()
    call_command("report", "indicators", "--month", "2026-03", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("scope,name,team,new_customers,new_customer_revenue")
    assert lines[1] == "organization,Patron,,1,500.00,2,500.00,0.5,1.0,2.0,200.00,1.5,0,0"
    out = StringIO()
    call_command("report", "indicators", "--month", "2026-03", "--team", "Shanghai 1", stdout=out)
    assert out.getvalue().splitlines()[2].split()[:4] == ["organization", "Patron", "1", "500.00"]


def test_cli_lifecycle_counts_and_companies(march):
    out = StringIO()
    call_command("report", "lifecycle", "--month", "2026-03", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["stages"] == {
        "prospect": 0,
        "new_customer": 1,
        "account": 2,
        "visitor": 1,
        "lapsed": 0,
    }
    assert data["events"] == {
        "became_customer": 1,
        "became_account": 1,
        "became_visitor": 1,
        "lapsed": 0,
        "won_back": 0,
        "returned": 0,
        "upsold": 2,
        "cross_sold": 1,
    }
    out = StringIO()
    call_command(
        "report", "lifecycle", "--month", "2026-03", "--companies", "--format", "csv", stdout=out
    )
    assert out.getvalue().splitlines() == [
        "external_id,name,stage,events",
        "A,A,account,cross_sold upsold",
        "B,B,account,became_account upsold",
        "C,C,visitor,became_visitor",
        "D,D,new_customer,became_customer",
    ]


def test_cli_rejects_a_bad_month(march):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--month: month must look like YYYY-MM"):
        call_command("report", "indicators", "--month", "2026-13")
