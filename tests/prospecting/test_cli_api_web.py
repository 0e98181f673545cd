"""``patron score``, ``/api/v1/prospecting`` and the prospecting pages: permissions (a seller
sees only their own list, a manager the team's), formats, validation that changes nothing.
The lead page with its score is tested in ``tests/web/test_lead_page.py``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from patron.core.errors import NotFound
from patron.prospecting import services
from patron.prospecting.models import (
    IcpProfile,
    IcpTarget,
    LeadInvolvement,
    LeadScore,
    TriggerEvent,
)
from patron.prospecting.selectors import ScoreFilter, score_list
from tests.api.conftest import ApiClient

TODAY = dt.date.today()


@pytest.fixture
def world(organization, regions, seller, user_factory, team_factory, lead_factory, company_factory):
    """The seller's list of three leads (one out of target), a teammate, an outsider."""
    services.synonyms_seed(organization=organization)
    company = company_factory(name="Acme", industry="manufacturing")
    leads = {
        "cio": lead_factory(
            owner=seller,
            company_name="Acme",
            contact_name="Wang",
            industry="manufacturing",
            title="首席信息官",
            region=regions["JS-SZ"],
            company=company,
        ),
        "it": lead_factory(
            owner=seller,
            company_name="Beta",
            contact_name="Li",
            industry="manufacturing",
            title="IT经理",
            region=regions["JS-NJ"],
        ),
        "out": lead_factory(
            owner=seller,
            company_name="Gamma",
            contact_name="Zhao",
            industry="retail",
            title="CIO",
            region=regions["GD"],
        ),
    }
    services.trigger_event_create(
        organization=organization,
        company=company,
        type="merger",
        occurred_on=dt.date(TODAY.year, TODAY.month, 1),
    )
    services.profile_save(
        seller=seller,
        weights={"industry": 2, "title": 1, "territory": 1, "trigger": 2},
        targets={
            "industry": [("manufacturing", None)],
            "title": [("CIO", None), ("IT manager", 2)],
            "territory": [("JS", None)],
            "trigger": [("merger", None)],
        },
    )
    teammate = user_factory("mate", roles=["sdr"], team=seller.team)
    outsider = user_factory("outsider", roles=["sdr"], team=team_factory("West"))
    return {"leads": leads, "teammate": teammate, "outsider": outsider}


def test_ranked_list_scores_and_explains(world, seller):
    scores = list(score_list(seller))

    assert [(s.lead.contact_name, s.score, s.starred) for s in scores] == [
        ("Wang", 6, True),
        ("Li", 5, False),
    ]
    out = list(score_list(seller, filters=ScoreFilter(in_target=False)))
    assert [(s.lead.contact_name, s.out_reason_list) for s in out] == [
        ("Zhao", ["industry", "territory"])
    ]


def test_a_seller_sees_only_their_own_list_a_manager_the_teams(world, seller, manager):
    for user in (world["teammate"], world["outsider"]):
        with pytest.raises(NotFound):
            score_list(user, seller=seller)
    assert list(score_list(world["teammate"])) == []
    assert [s.lead_id for s in score_list(manager, seller=seller)] == [
        world["leads"]["cio"].pk,
        world["leads"]["it"].pk,
    ]


def run_score(*args: str) -> str:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


def test_cli_table_json_and_csv(world, seller):
    table = run_score("--seller", "seller")
    assert table.splitlines()[0].split() == [
        "rank",
        "lead_id",
        "company",
        "contact",
        "title",
        "score",
        "starred",
        "breakdown",
    ]
    assert (
        "+2 industry Manufacturing, +1 title CIO, +1 territory Jiangsu, +2 trigger Merger" in table
    )

    rows = json.loads(run_score("--seller", "seller", "--format", "json", "--limit", "1"))
    assert [(row["rank"], row["contact"], row["score"]) for row in rows] == [(1, "Wang", 6)]
    assert [term["term"] for term in rows[0]["terms"]] == [
        "industry",
        "title",
        "territory",
        "trigger",
    ]

    parsed = list(csv.DictReader(io.StringIO(run_score("--seller", "seller", "--format", "csv"))))
    assert [(row["contact"], row["score"]) for row in parsed] == [("Wang", "6"), ("Li", "5")]

    out = run_score("--seller", "seller", "--out-of-target", "--format", "csv")
    assert "industry outside the profile, territory outside the profile" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seller", "nobody"], "--seller: no user named nobody"),
        (["--seller", "mate"], "--seller: mate has no ICP profile yet"),
        (["--seller", "seller", "--limit", "0"], "--limit: must be at least 1"),
    ],
)
def test_cli_errors(world, args, message):
    with pytest.raises(CommandError, match=message):
        run_score(*args)


@pytest.fixture
def api(api_for: Any, seller: Any) -> ApiClient:
    return api_for(seller)


def test_api_scores_with_breakdowns_and_filters(world, api):
    response = api.get("/prospecting/scores")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert (first["contact_name"], first["score"], first["starred"]) == ("Wang", 6, True)
    assert [(t["term"], t["points"]) for t in first["breakdown"]] == [
        ("industry", 2),
        ("title", 1),
        ("territory", 1),
        ("trigger", 2),
    ]
    assert first["breakdown"][1]["text"] == "+1 title CIO"

    starred = api.get("/prospecting/scores", starred="true").json()
    assert [row["contact_name"] for row in starred["results"]] == ["Wang"]
    assert api.get("/prospecting/scores", min_score=6).json()["count"] == 1
    assert api.get("/prospecting/scores", region="JS-NJ").json()["count"] == 1
    assert api.get("/prospecting/scores", search="Beta").json()["count"] == 1
    out = api.get("/prospecting/scores", in_target="false").json()
    assert out["results"][0]["out_reasons"] == ["industry", "territory"]


def test_api_refuses_other_sellers_lists(world, api_for):
    response = api_for(world["outsider"]).get("/prospecting/scores", seller="seller")

    assert response.status_code == 404


def test_api_fourth_industry_is_400_naming_the_field_and_changes_nothing(world, api, seller):
    before = sorted(IcpTarget.objects.values_list("dimension", "value"))
    body = {
        "industries": [{"value": v} for v in ("manufacturing", "retail", "software", "finance")]
    }

    response = api.put("/prospecting/profile", body)

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["industries"]
    assert sorted(IcpTarget.objects.values_list("dimension", "value")) == before
    assert IcpProfile.objects.get(seller=seller).version == 1


def test_api_profile_update_versions_and_rescores(world, api, seller):
    response = api.put(
        "/prospecting/profile", {"weights": {"territory": 2}, "note": "more weight on Jiangsu"}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["version"], response.json()["weights"]["territory"]) == (2, 2)
    assert LeadScore.objects.get(lead=world["leads"]["cio"]).score == 7
    versions = api.get("/prospecting/profile/versions").json()
    assert [(v["number"], v["note"]) for v in versions] == [(2, "more weight on Jiangsu"), (1, "")]


def test_api_triggers_create_list_and_validate(world, api, company_factory, seller):
    company = company_factory(external_id="C-77", name="Delta", team=seller.team)
    created = api.post(
        "/prospecting/triggers",
        {
            "company": "C-77",
            "type": "funding",
            "occurred_on": "2026-10-02",
            "source_url": "https://news.example/f",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["company"] == "C-77"
    listed = api.get("/prospecting/triggers", company="C-77").json()
    assert [row["type"] for row in listed["results"]] == ["funding"]

    count = TriggerEvent.objects.count()
    bad = api.post("/prospecting/triggers", {"type": "funding", "occurred_on": "2026-10-02"})
    assert (bad.status_code, list(bad.json()["field_errors"])) == (422, ["company"])
    bad = api.post(
        "/prospecting/triggers",
        {"company": "C-77", "type": "funding", "occurred_on": "2026-10-02", "source_url": "x"},
    )
    assert list(bad.json()["field_errors"]) == ["source_url"]
    assert TriggerEvent.objects.count() == count
    assert company.trigger_events.count() == 1


def test_api_synonyms_and_involvement(world, api):
    created = api.post("/prospecting/synonyms", {"canonical": "CIO", "variant": "IT 一把手"})
    assert created.status_code == 201, created.content
    clash = api.post("/prospecting/synonyms", {"canonical": "CTO", "variant": "IT一把手"})
    assert (clash.status_code, list(clash.json()["field_errors"])) == (422, ["variant"])

    lead = world["leads"]["it"]
    response = api.put("/prospecting/involvement", {"lead": lead.pk, "involved": True})
    assert response.json() == {"lead": lead.pk, "involved": True, "changed": True}
    assert LeadScore.objects.get(lead=lead).score == 7


def test_api_refuses_involvement_on_a_lead_of_someone_else(world, api_for, user_factory, seller):
    manager = user_factory("boss", roles=["manager"], team=seller.team)
    manager_api = api_for(manager)
    lead = world["leads"]["it"]

    response = manager_api.put("/prospecting/involvement", {"lead": lead.pk, "involved": True})

    assert response.status_code == 422
    assert response.json()["field_errors"] == {
        "lead": "only the lead's owner can mark personal involvement: it counts on their list"
    }
    assert not LeadInvolvement.objects.exists()
    assert LeadScore.objects.get(lead=lead).score == 5


def test_profile_page_saves_and_shows_the_limit_error(world, client_for, seller):
    client = client_for(seller)
    page = client.get("/prospecting/profile/")
    assert page.status_code == 200
    assert "首席信息官" in page.content.decode() or "Wang" in page.content.decode()

    data = {
        "trigger_days": "90",
        "industry_weight": "2",
        "title_weight": "1",
        "territory_weight": "1",
        "trigger_weight": "2",
        "industry__manufacturing": "on",
        "industry__retail": "on",
        "industry__software": "on",
        "industry__finance": "on",
        "title__1": "CIO",
        "territory__1": "JS",
        "trigger__merger": "on",
    }
    refused = client.post("/prospecting/profile/", data)
    assert refused.status_code == 200
    assert "at most 3 target industries" in refused.content.decode()
    assert IcpProfile.objects.get(seller=seller).version == 1

    del data["industry__finance"]
    saved = client.post("/prospecting/profile/", data)
    assert saved.status_code == 302
    profile = IcpProfile.objects.get(seller=seller)
    assert profile.version == 2
    assert sorted(profile.targets.filter(dimension="industry").values_list("value", flat=True)) == [
        "manufacturing",
        "retail",
        "software",
    ]


def test_profile_page_in_chinese(world, client_for, seller):
    client = client_for(seller)
    page = client.get("/prospecting/profile/", headers={"accept-language": "zh-hans"})
    assert "目标行业" in page.content.decode()


def test_company_page_has_the_trigger_form(world, client_for, manager):
    company = world["leads"]["cio"].company
    company.team = manager.team
    company.save()
    page = client_for(manager).get(f"/companies/{company.pk}/").content.decode()
    assert 'id="trigger-add"' in page
    assert "Merger" in page


def test_a_manager_picks_a_team_sellers_profile(world, client_for, manager, seller):
    page = client_for(manager).get("/prospecting/profile/?seller=seller").content.decode()

    assert 'id="seller-pick"' in page
    assert '<option value="seller" selected>' in page
    assert (
        client_for(world["outsider"]).get("/prospecting/profile/?seller=seller").status_code == 404
    )
