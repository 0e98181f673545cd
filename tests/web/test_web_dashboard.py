"""The manager's home: the shell, and each widget's exact numbers on the hand-built world."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MARCH = "month=2026-03"


def tile_values(html: str, attribute: str) -> dict[str, str]:
    """``{code: value}`` of the tiles marked ``data-<attribute>="code"``."""
    pattern = re.compile(
        rf'data-{attribute}="(?P<code>[a-z_]+)">.*?'
        r'<span class="tile-value">(?P<value>[^<]*)</span>',
        re.DOTALL,
    )
    return {match["code"]: match["value"] for match in pattern.finditer(html)}


def row_cells(html: str, label: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\" class=\"col-name\">{re.escape(label)}.*?</tr>", html, re.S)
    assert row is not None, label
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(0))


def test_home_renders_the_shell_with_widget_urls(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get("/", {"month": "2026-03"})

    assert response.status_code == 200
    html = response.text
    assert 'hx-get="/dashboard/lifecycle/?month=2026-03"' in html
    assert 'hx-get="/dashboard/history/?month=2026-03"' in html
    assert 'hx-get="/dashboard/indicators/?month=2026-03"' in html
    assert 'value="2026-03"' in html
    assert [choice[1] for choice in response.context["form"].fields["team"].choices] == [
        "All teams",
        "East 1",
        "West 2",
    ]


def test_home_defaults_to_the_current_month_in_the_organization_zone(
    web_world: Any, client_for: Any
) -> None:
    from patron.core.months import current_month, month_label

    response = client_for(web_world.admin).get("/")

    assert response.context["month_text"] == month_label(current_month("Asia/Shanghai"))


def test_lifecycle_widget_counts_stages_and_events(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get(f"/dashboard/lifecycle/?{MARCH}")

    assert response.status_code == 200
    assert tile_values(response.text, "stage") == {
        "prospect": "2",
        "new_customer": "0",
        "account": "2",
        "visitor": "1",
        "lapsed": "0",
    }
    assert tile_values(response.text, "event") == {
        "became_customer": "0",
        "became_account": "1",
        "became_visitor": "1",
        "lapsed": "0",
        "won_back": "0",
        "returned": "0",
        "upsold": "1",
        "cross_sold": "1",
    }
    assert [tile.label for tile in response.context["stage_tiles"]] == [
        "Prospect",
        "New customer",
        "Account",
        "Visitor",
        "Lapsed",
    ]


def test_lifecycle_widget_for_one_team(web_world: Any, client_for: Any) -> None:
    url = f"/dashboard/lifecycle/?{MARCH}&team={web_world.west.id}"

    response = client_for(web_world.admin).get(url)

    assert tile_values(response.text, "stage") == {
        "prospect": "1",
        "new_customer": "0",
        "account": "1",
        "visitor": "0",
        "lapsed": "0",
    }
    assert tile_values(response.text, "event")["became_account"] == "1"


def test_team_manager_sees_only_their_team(web_world: Any, client_for: Any) -> None:
    client = client_for(web_world.manager)

    lifecycle = client.get(f"/dashboard/lifecycle/?{MARCH}")
    stranger = client.get(f"/dashboard/lifecycle/?{MARCH}&team={web_world.west.id}")
    indicators = client.get(f"/dashboard/indicators/?{MARCH}")

    expected = {"prospect": "1", "new_customer": "0", "account": "1", "visitor": "1", "lapsed": "0"}
    assert tile_values(lifecycle.text, "stage") == expected
    assert tile_values(stranger.text, "stage") == expected  # a team they may not see is ignored
    assert [line.label for line in indicators.context["team_lines"]] == ["East 1"]
    assert "West 2" not in indicators.text


def test_history_widget_passes_24_months_of_chart_data(web_world: Any, client_for: Any) -> None:
    response = client_for(web_world.admin).get(f"/dashboard/history/?{MARCH}")

    match = re.search(
        r'<script id="history-chart-data" type="application/json">(.*?)</script>', response.text
    )
    assert match is not None
    chart = json.loads(match.group(1))
    assert chart["locale"] == "EN"
    assert len(chart["months"]) == 24
    assert chart["months"][0] == "2024-04"
    assert chart["months"][-3:] == ["2026-01", "2026-02", "2026-03"]
    series = {item["key"]: item for item in chart["series"]}
    assert [item["name"] for item in chart["series"]] == ["New customers", "Accounts", "Lapsed"]
    assert series["new_customers"]["data"][-3:] == [1, 2, 0]
    assert series["accounts"]["data"][-3:] == [1 - 1, 1, 2]
    assert series["lapsed"]["data"] == [0] * 24
    assert sum(series["new_customers"]["data"]) == 3
    assert 'data-chart="history"' in response.text


def test_history_chart_uses_the_chinese_locale_in_chinese(web_world: Any, client_for: Any) -> None:
    client = client_for(web_world.admin)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    response = client.get(f"/dashboard/history/?{MARCH}")

    assert response.context["chart"]["locale"] == "ZH"
    assert [item["name"] for item in response.context["chart"]["series"]] == [
        "新客户",
        "账户客户",
        "流失客户",
    ]


def test_indicators_widget_shows_the_organization_teams_and_people(
    web_world: Any, client_for: Any
) -> None:
    response = client_for(web_world.admin).get(f"/dashboard/indicators/?{MARCH}")

    assert response.status_code == 200
    html = response.text
    tiles = tile_values(html, "indicator")
    assert tiles["conversion_rate"] == "50.0%"
    assert tiles["active_accounts"] == "2"
    assert tiles["account_revenue"] == "550"
    assert tiles["net_revenue_retention"] == "300.0%"
    #            new  new rev  active  acct rev  conv    logo     NRR      exp   ppa    lap  won
    assert row_cells(html, "Patron") == [
        "0", "0", "2", "550", "50.0%", "100.0%", "300.0%", "350", "1.50", "0", "0",
    ]  # fmt: skip
    assert row_cells(html, "East 1") == [
        "0", "0", "1", "300", "0.0%", "100.0%", "300.0%", "300", "2.00", "0", "0",
    ]  # fmt: skip
    assert row_cells(html, "West 2") == [
        "0", "0", "1", "250", "100.0%", "—", "—", "50", "1.00", "0", "0",
    ]  # fmt: skip
    assert row_cells(html, "Zhang AM") == [
        "0", "0", "1", "300", "—", "100.0%", "300.0%", "300", "2.00", "0", "0",
    ]  # fmt: skip
    assert html.index('data-scope="organization"') < html.index('data-scope="team"')
    assert html.index('data-scope="team"') < html.index('data-scope="person"')
    assert [line.label for line in response.context["people_lines"]] == [
        "Li BDM",
        "Zhang AM",
        "Chen BDM",
        "Zhao AM",
    ]


def test_indicators_headline_follows_the_team_filter(web_world: Any, client_for: Any) -> None:
    url = f"/dashboard/indicators/?{MARCH}&team={web_world.west.id}"

    response = client_for(web_world.admin).get(url)

    assert response.context["headline_label"] == "West 2"
    assert tile_values(response.text, "indicator")["conversion_rate"] == "100.0%"
    assert [line.label for line in response.context["team_lines"]] == ["West 2"]


def test_a_bad_month_falls_back_to_the_current_month(web_world: Any, client: Client) -> None:
    from patron.core.months import current_month, month_label

    client.force_login(web_world.admin)
    response = client.get("/dashboard/lifecycle/?month=2026-13")

    assert response.status_code == 200
    assert response.context["month_text"] == month_label(current_month("Asia/Shanghai"))
