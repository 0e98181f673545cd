"""The call list page, its next-page partial and the save-call endpoint: rendering, scope
(a seller sees only their own list, a manager their team's), validation, query budget, and
the page in English and Chinese."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from patron.activities.models import Activity
from patron.core.models import AuditEvent
from tests.prospecting.calls_world import CallsWorld, calls_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
CALLS = "/calls/"


def log_url(lead: Any) -> str:
    return reverse("web:call-log", args=[lead.pk])


def test_the_seller_sees_their_ranked_list(calls_world: CallsWorld, client_for: Any) -> None:
    world = calls_world
    response = client_for(world.li).get(CALLS)
    assert response.status_code == 200
    html = response.content.decode()
    leads = response.context["leads"]
    assert [lead["company"] for lead in leads][:7] == [
        f"{key} Ltd" for key in ("A1", "A2", "A3", "A4", "A5", "P", "B1")
    ]
    assert len(leads) == 25
    first = leads[0]
    assert first["breakdown"] == ["+1 industry Manufacturing", "+2 trigger Merger 2026-09-20"]
    assert (first["phone"], first["starred"], first["version"], first["industry"]) == (
        "+86 21 5555 0000",
        True,
        1,
        "Manufacturing",
    )
    assert first["calls"] == [
        {
            "outcome": "connected",
            "label": "Connected",
            "when": "2026-10-05 10:00",
            "user": "Li BDM",
            "note": "",
            "next_step": "",
            "next_step_on": "",
        }
    ]
    assert first["log_url"] == f"/calls/leads/{world.leads['A1'].pk}/log/"
    assert response.context["total_text"] == "38"
    assert 'data-next-cursor="' + leads[-1]["cursor"] + '"' in html
    assert html.count("data-call-row ") == 25
    assert 'id="call-leads"' in html
    assert html.count("data-call-panel") == 1


def test_the_out_of_target_filter_shows_the_reasons(
    calls_world: CallsWorld, client_for: Any
) -> None:
    response = client_for(calls_world.li).get(CALLS, {"out": "on"})
    leads = response.context["leads"]
    assert [lead["company"] for lead in leads] == ["O Ltd"]
    assert leads[0]["out_reasons"] == ["title outside the profile"]
    assert leads[0]["in_target"] is False


def test_the_next_page_as_json(calls_world: CallsWorld, client_for: Any) -> None:
    client = client_for(calls_world.li)
    first = client.get(CALLS)
    cursor = first.context["page"].next_cursor
    response = client.get(CALLS, {"after": cursor, "partial": "1"})
    assert response.status_code == 200
    data = response.json()
    assert [lead["company"] for lead in data["leads"]] == [
        f"{key} Ltd" for key in [f"B{n}" for n in range(20, 31)] + ["C1", "C2"]
    ]
    assert data["rows_html"].count("data-call-row ") == 13
    assert data["next_cursor"] == ""


def test_filters_through_the_page(calls_world: CallsWorld, client_for: Any) -> None:
    response = client_for(calls_world.li).get(CALLS, {"band": "0-3", "not_called": "on"})
    assert [lead["company"] for lead in response.context["leads"]] == ["C1 Ltd", "C2 Ltd"]


@pytest.mark.parametrize(
    ("who", "seller", "status"),
    [
        ("li", "wu", 404),  # a seller: only their own list
        ("manager", "li", 200),  # a manager: their team's sellers
        ("manager", "wu", 404),  # … not another team's
        ("other_manager", "wu", 200),
    ],
)
def test_whose_list(
    calls_world: CallsWorld, client_for: Any, who: str, seller: str, status: int
) -> None:
    world = calls_world
    response = client_for(getattr(world, who)).get(CALLS, {"seller": getattr(world, seller).pk})
    assert response.status_code == status
    if status == 200:
        assert response.context["seller"] == getattr(world, seller)


def test_anonymous_is_sent_to_login(calls_world: CallsWorld, client: Any) -> None:
    response = client.get(CALLS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_query_budget(
    calls_world: CallsWorld, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(calls_world.li)
    client.get(CALLS)
    with django_assert_max_num_queries(14):
        client.get(CALLS, {"industry": "retail", "band": "4-6"})


# --- saving a call ----------------------------------------------------------------------


def test_saving_a_call(calls_world: CallsWorld, client_for: Any) -> None:
    world = calls_world
    lead = world.leads["C1"]
    response = client_for(world.li).post(
        log_url(lead),
        {
            "outcome": "meeting_set",
            "note": "Demo on Tuesday",
            "next_step": "Send deck",
            "next_step_on": "2026-12-01",
        },
    )
    assert response.status_code == 201
    data = json.loads(response.content)
    activity = Activity.objects.get(pk=data["activity"])
    assert (activity.kind, activity.lead_id, activity.user_id, activity.outcome) == (
        "call",
        lead.pk,
        world.li.pk,
        "meeting_set",
    )
    assert (activity.note, activity.next_step, str(activity.next_step_on)) == (
        "Demo on Tuesday",
        "Send deck",
        "2026-12-01",
    )
    assert data["outcome"] == "meeting_set"
    assert data["call"]["label"] == "Meeting set"
    assert data["call"]["note"] == "Demo on Tuesday"
    assert data["call"]["next_step_on"] == "2026-12-01"
    assert data["call"]["user"] == "Li BDM"
    audit = AuditEvent.objects.get(object_id=str(activity.pk), action="create")
    assert (audit.actor_label, audit.source) == ("li", "web")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "outcome"),
        ({"outcome": "voicemail"}, "outcome"),
        ({"outcome": "connected", "next_step_on": "tomorrow"}, "next_step_on"),
        ({"outcome": "connected", "next_step_on": "2026-12-01"}, "next_step"),
    ],
)
def test_a_refused_call_saves_nothing(
    calls_world: CallsWorld, client_for: Any, data: dict[str, str], field: str
) -> None:
    world = calls_world
    before = Activity.objects.count()
    response = client_for(world.li).post(log_url(world.leads["C1"]), data)
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["ok"] is False
    assert field in body["field_errors"]
    assert body["message"].startswith(f"{field}: ")
    assert Activity.objects.count() == before


def test_another_sellers_lead_is_not_found(calls_world: CallsWorld, client_for: Any) -> None:
    world = calls_world
    before = Activity.objects.count()
    response = client_for(world.li).post(log_url(world.leads["W1"]), {"outcome": "connected"})
    assert response.status_code == 404
    assert Activity.objects.count() == before
    manager = client_for(world.manager).post(log_url(world.leads["C1"]), {"outcome": "no_answer"})
    assert manager.status_code == 201


def test_saving_needs_post(calls_world: CallsWorld, client_for: Any) -> None:
    response = client_for(calls_world.li).get(log_url(calls_world.leads["C1"]))
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Call list", "38 leads", "calls today", "Save and next", "Previous calls"]),
        ("zh-hans", ["拨打名单", "38 条线索", "今日通话", "保存并下一条", "历史通话"]),
    ],
)
def test_the_page_in_english_and_chinese(
    calls_world: CallsWorld, client_for: Any, language: str, texts: list[str]
) -> None:
    response = client_for(calls_world.li).get(CALLS, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    for text in texts:
        assert text in html


def test_breakdown_and_outcomes_in_chinese(calls_world: CallsWorld, client_for: Any) -> None:
    response = client_for(calls_world.li).get(CALLS, HTTP_ACCEPT_LANGUAGE="zh-hans")
    first = response.context["leads"][0]
    assert first["breakdown"][0] == "+1 行业 制造业"
    assert first["breakdown"][1] == "+2 触发事件 合并 2026-09-20"
    assert first["calls"][0]["label"] == "已接通"
