"""``patron metrics`` and ``/api/v1/funnel``: the same numbers as the query object, in every
format, with clear errors for bad input."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from patron.funnel.reports import funnel_report
from tests.api.conftest import ApiClient
from tests.funnel.conftest import Q2, FunnelWorld

pytestmark = pytest.mark.django_db

PERIOD = ["--from", "2026-04-01", "--to", "2026-06-30"]


def metrics_command(*args: str) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def api(funnel_world: FunnelWorld, api_for: Any) -> ApiClient:
    return api_for(funnel_world.admin)


def test_cli_api_and_query_object_agree(funnel_world: FunnelWorld, api: ApiClient) -> None:
    expected = funnel_report(
        organization=funnel_world.org, date_from=Q2[0], date_to=Q2[1], people=True, bucket="week"
    ).as_dict()
    cli = json.loads(
        metrics_command("funnel", *PERIOD, "--format", "json", "--people", "--bucket", "week")
    )
    response = api.get(
        "/funnel/metrics",
        **{"from": "2026-04-01", "to": "2026-06-30", "people": "true", "bucket": "week"},
    )
    assert response.status_code == 200, response.content
    assert cli == expected
    assert response.json() == json.loads(json.dumps(expected))
    assert cli["metrics"]["asp"] == "76666.67"
    assert cli["metrics"]["win_rate"] == 0.75
    assert cli["metrics"]["mql_per_lead"] == 0.6667


def test_cli_for_a_user_and_a_team(funnel_world: FunnelWorld) -> None:
    by_user = json.loads(metrics_command("funnel", *PERIOD, "--user", "ae1", "--format", "json"))
    assert (by_user["metrics"]["leads"], by_user["metrics"]["mql_per_lead"]) == (0, None)
    by_team = json.loads(metrics_command("funnel", *PERIOD, "--team", "West", "--format", "json"))
    assert by_team["scope"]["label"] == "West"
    assert by_team["metrics"]["closed_won_revenue"] == "80000.00"


def test_cli_csv_and_table(funnel_world: FunnelWorld) -> None:
    rows = list(csv.reader(io.StringIO(metrics_command("funnel", *PERIOD, "--format", "csv"))))
    assert rows[0] == ["metric", "value"]
    values = dict(rows[1:])
    assert values["leads"] == "6"
    assert values["asp"] == "76666.67"
    assert values["pct_bookings_sdr"] == "0.6522"
    assert values["engagement_mode.demo.win_rate"] == "0.5"
    assert values["engagement_mode.-.asp"] == "80000.00"
    table = metrics_command("funnel", *PERIOD)
    assert ["closed_won_revenue", "230000.00"] in [line.split() for line in table.splitlines()]
    assert "engagement_mode" in table
    people = list(
        csv.reader(io.StringIO(metrics_command("funnel", *PERIOD, "--people", "--format", "csv")))
    )
    assert people[0][:4] == ["name", "team", "leads", "mqls"]
    assert [row[0] for row in people[1:]] == ["Sun SDR", "Zhou AE", "Qian AE", "Wu SDR"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["funnel", "--from", "2026-04-01"], "--to is required"),
        (["funnel", "--from", "2026-13-01", "--to", "2026-06-30"], "--from: a date must look like"),
        (["funnel", "--from", "2026-06-30", "--to", "2026-04-01"], "the period ends before"),
        (["funnel", *PERIOD, "--team", "Nowhere"], "--team: no team named Nowhere"),
        (["funnel", *PERIOD, "--user", "ghost"], "--user: no user named ghost"),
        (["headcount", *PERIOD, "--target", "lots"], "--target: a revenue amount is required"),
    ],
)
def test_cli_errors_name_the_option(
    funnel_world: FunnelWorld, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        metrics_command(*args)


def test_sla_cli_and_api(funnel_world: FunnelWorld, api: ApiClient) -> None:
    cli = json.loads(metrics_command("sla", *PERIOD, "--format", "json"))
    response = api.get("/funnel/sla", **{"from": "2026-04-01", "to": "2026-06-30"})
    assert response.status_code == 200
    assert [section["kind"] for section in cli] == ["mql_first_touch", "handoff_response"]
    assert [s["total"] for s in response.json()] == [s["total"] for s in cli]


def test_headcount_cli(funnel_world: FunnelWorld) -> None:
    data = json.loads(
        metrics_command(
            "headcount", *PERIOD, "--target", "1000000", "--months", "12", "--format", "json"
        )
    )
    assert data["needed"]["deals"] == "13.04"  # 1,000,000 ÷ 76,666.67
    assert data["benchmark"] == {
        "aes": 20,
        "sdrs": 8,
        "aes_per_sdr": 2.5,
        "aes_for_needed_sdrs": data["benchmark"]["aes_for_needed_sdrs"],
    }
    assert data["measured"]["sdr_headcount"] == 2
    assert data["measured"]["ae_headcount"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-04-01"}, "to"),
        ({"from": "2026-04-01", "to": "bad"}, "to"),
        ({"from": "2026-06-30", "to": "2026-04-01"}, "to"),
        ({"from": "2026-04-01", "to": "2026-06-30", "bucket": "day"}, "bucket"),
        ({"from": "2026-04-01", "to": "2026-06-30", "team": "0"}, "team"),
        ({"from": "2020-01-01", "to": "2026-06-30"}, "to"),
    ],
)
def test_api_metrics_validation(api: ApiClient, params: dict[str, str], field: str) -> None:
    response = api.get("/funnel/metrics", **params)
    assert response.status_code == 422
    assert field in response.json()["field_errors"]


def test_api_a_seller_gets_404_for_another_team(funnel_world: FunnelWorld, api_for: Any) -> None:
    response = api_for(funnel_world.sdr1).get(
        "/funnel/metrics",
        **{"from": "2026-04-01", "to": "2026-06-30", "team": funnel_world.west.pk},
    )
    assert response.status_code == 404
    assert response.json()["field_errors"] == {"team": "no such team"}
