"""The refine page, its one-click accept, the API (/api/v1/prospecting/conversion) and
``patron prospecting`` on the hand-built history of ``calls_world``: the same numbers."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from patron.prospecting.models import IcpProfile, IcpProfileVersion, IcpTarget
from tests.prospecting.calls_world import (  # noqa: F401
    CallsWorld,
    calls_api_fixture,
    calls_world_fixture,
)

pytestmark = pytest.mark.django_db
REFINE = "/prospecting/refine/"


def test_the_seller_sees_conversion_lift_and_proposals(
    calls_world: CallsWorld, client_for: Any
) -> None:
    response = client_for(calls_world.li).get(REFINE)
    assert response.status_code == 200
    context = response.context
    assert context["seller_line"]["conversion"] == "8.3%"
    assert context["below_goal"] is True
    bands = {row["key"]: row["conversion"] for row in context["rows"]["bands"]}
    assert bands == {"0-3": "—", "4-6": "3.3%", "7-9": "0.0%", "10-12": "40.0%"}
    lifts = [(row["dimension"], row["value"], row["lift"]) for row in context["lifts"]]
    assert lifts == [
        ("industry", "Manufacturing", "10.00"),
        ("industry", "Retail & e-commerce", "0.10"),
        ("trigger", "Merger", "12.40"),
    ]
    html = response.content.decode()
    assert "Leads with trigger Merger converted 40.0% vs 3.2% without." in html
    assert 'data-proposal="industry:retail"' in html
    assert "data-accept" in html


def test_accept_in_one_click(
    calls_world: CallsWorld, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = calls_world
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.li).post(
            "/prospecting/refine/accept/", {"seller": world.li.pk, "version": 1}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/prospecting/refine/?seller={world.li.pk}"
    profile = IcpProfile.objects.get(seller=world.li)
    assert profile.version == 2
    priorities = dict(
        IcpTarget.objects.filter(profile=profile, dimension="industry").values_list(
            "value", "priority"
        )
    )
    assert priorities == {"manufacturing": 2, "retail": 0}


def test_accept_for_a_stale_version_changes_nothing(
    calls_world: CallsWorld, client_for: Any
) -> None:
    world = calls_world
    client = client_for(world.li)
    response = client.post("/prospecting/refine/accept/", {"seller": world.li.pk, "version": 7})
    assert response.status_code == 302
    assert IcpProfileVersion.objects.filter(profile__seller=world.li).count() == 1
    page = client.get(response["Location"])
    assert "Nothing changed: version: the profile changed" in page.content.decode()


@pytest.mark.parametrize(
    ("who", "seller", "status"),
    [("li", "wu", 404), ("manager", "li", 200), ("manager", "wu", 404)],
)
def test_whose_refine_page(
    calls_world: CallsWorld, client_for: Any, who: str, seller: str, status: int
) -> None:
    world = calls_world
    client = client_for(getattr(world, who))
    response = client.get(REFINE, {"seller": getattr(world, seller).pk})
    assert response.status_code == status
    accept = client.post(
        "/prospecting/refine/accept/", {"seller": getattr(world, seller).pk, "version": 1}
    )
    assert accept.status_code == (302 if status == 200 else 404)


def test_the_manager_sees_the_team(calls_world: CallsWorld, client_for: Any) -> None:
    response = client_for(calls_world.manager).get(REFINE)
    sellers = [row["key"] for row in response.context["rows"]["sellers"]]
    assert sellers == ["boss", "li"]
    assert [row["key"] for row in response.context["rows"]["teams"]] == ["East 1"]


# --- API ------------------------------------------------------------------------------------


def test_api_conversion(calls_world: CallsWorld, calls_api: Any) -> None:
    world = calls_world
    response = calls_api(world.li).get("/prospecting/conversion", seller=world.li.pk)
    assert response.status_code == 200
    data = response.json()
    assert data["goal"] == 0.1
    assert data["total"] == {
        "key": "all",
        "label": "All sellers",
        "listed": 38,
        "called": 36,
        "converted": 3,
        "conversion": 0.0833,
        "below_goal": True,
    }
    assert [(b["key"], b["conversion"]) for b in data["sellers"][0]["bands"]] == [
        ("0-3", None),
        ("4-6", 0.0333),
        ("7-9", 0.0),
        ("10-12", 0.4),
    ]
    refine = data["refine"]
    assert refine["profile_version"] == 1
    assert refine["lifts"][0] == {
        "dimension": "industry",
        "value": "manufacturing",
        "called_with": 6,
        "converted_with": 2,
        "called_without": 30,
        "converted_without": 1,
        "conversion_with": 0.3333,
        "conversion_without": 0.0333,
        "lift": 10.0,
    }
    assert [(p["value"], p["current"], p["proposed"]) for p in refine["proposals"]] == [
        ("manufacturing", 1, 2),
        ("retail", 1, 0),
        ("merger", 2, 2),
    ]


def test_api_another_sellers_refine_is_not_found(calls_world: CallsWorld, calls_api: Any) -> None:
    response = calls_api(calls_world.li).get("/prospecting/conversion", seller=calls_world.wu.pk)
    assert response.status_code == 404


def test_api_accept(
    calls_world: CallsWorld, calls_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = calls_world
    client = calls_api(world.li)
    stale = client.post("/prospecting/conversion/accept", {"seller": world.li.pk, "version": 3})
    assert stale.status_code == 409
    assert stale.json()["field_errors"] == {
        "version": "the profile changed since this proposal was made; look at it again"
    }
    assert IcpProfile.objects.get(seller=world.li).version == 1
    bad = client.post("/prospecting/conversion/accept", {"seller": world.li.pk})
    assert bad.status_code == 422
    assert "version" in bad.json()["field_errors"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/prospecting/conversion/accept", {"seller": world.li.pk, "version": 1})
    assert done.status_code == 200
    assert done.json() == {"seller": world.li.pk, "profile_version": 2}


# --- CLI ------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("prospecting", *args, stdout=out)
    return out.getvalue()


def test_cli_conversion_csv(calls_world: CallsWorld) -> None:
    lines = run("conversion", "--seller", "li", "--format", "csv").splitlines()
    assert lines[0] == "scope,key,label,listed,called,converted,conversion,below_goal"
    assert lines[1] == "all,all,All sellers,38,36,3,0.0833,True"
    assert "seller:li:band,0-3,0-3,2,0,0,,False" in lines
    assert "seller:li:band,10-12,10-12,5,5,2,0.4,False" in lines


def test_cli_conversion_json_all_sellers(calls_world: CallsWorld) -> None:
    data = json.loads(run("conversion", "--format", "json"))
    assert [s["username"] for s in data["sellers"]] == ["li", "wu"]
    assert data["total"]["listed"] == 41
    team = json.loads(run("conversion", "--team", "West", "--format", "json"))
    assert [s["username"] for s in team["sellers"]] == ["wu"]


def test_cli_lift_table(calls_world: CallsWorld) -> None:
    text = run("lift", "--seller", "li")
    assert "industry   manufacturing  6" in text
    assert "trigger    merger" in text
    assert "12.4" in text


def test_cli_errors(calls_world: CallsWorld) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--seller: no user named nobody"):
        run("lift", "--seller", "nobody")
    with pytest.raises(CommandError, match="--seller is required"):
        run("lift")
    with pytest.raises(CommandError, match="version: the profile changed"):
        run("accept", "--seller", "li", "--profile-version", "9")
    assert IcpProfile.objects.get(seller=calls_world.li).version == 1
