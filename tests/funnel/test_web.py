"""The funnel pages over HTTP: board totals and scopes, moves and hand-off answers through
forms (same rules as the API; refusals change nothing), the dashboard widgets' numbers, the
sortable per-person table, SLA pages and policy edits, home-page alerts, Chinese."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from patron.core.models import AuditEvent
from patron.funnel.handoffs import opportunity_hand_off
from patron.funnel.models import Opportunity, OpportunityHandoff, OpportunityStage, SlaPolicy
from patron.leads.services import lead_create, lead_mark_mql
from tests.funnel.conftest import FunnelWorld

pytestmark = pytest.mark.django_db

Q2 = "from=2026-04-01&to=2026-06-30"


def tiles(html: str) -> dict[str, str]:
    pattern = re.compile(
        r'data-metric="(?P<code>[a-z_0-9]+)">.*?<span class="tile-value">(?P<value>[^<]*)</span>',
        re.S,
    )
    return {m["code"]: m["value"] for m in pattern.finditer(html)}


def test_the_board_shows_totals_per_stage(funnel_world: FunnelWorld, client_for: Any) -> None:
    response = client_for(funnel_world.ae1).get("/pipeline/", {"who": "mine"})
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [(c.stage.number, c.count, str(c.amount)) for c in columns] == [
        (1, 1, "20000.00"),  # O5, waiting for the AE
        (2, 0, "0.00"),
        (3, 0, "0.00"),
        (4, 0, "0.00"),
        (5, 0, "0.00"),
    ]
    assert str(columns[0].weighted) == "2000.00"  # 10% of 20,000
    assert "Waiting for the AE" in response.text
    assert [h.opportunity.external_id for h in response.context["inbox"]] == ["O5"]


def test_board_scopes(funnel_world: FunnelWorld, client_for: Any) -> None:
    sourced = client_for(funnel_world.sdr1).get("/pipeline/", {"who": "sourced"})
    assert sum(c.count for c in sourced.context["columns"]) == 1  # O5
    outsider = client_for(funnel_world.sdr2).get(f"/opportunities/{funnel_world.o5.pk}/")
    assert outsider.status_code == 404


def test_a_move_by_someone_else_changes_nothing(funnel_world: FunnelWorld, client_for: Any) -> None:
    opportunity = funnel_world.o5
    stage = OpportunityStage.objects.get(number=2)
    audits = AuditEvent.objects.count()
    response = client_for(funnel_world.sdr1).post(
        f"/pipeline/{opportunity.pk}/move/", {"stage": stage.pk, "board": "who=sourced"}
    )
    assert response.status_code == 403
    assert "Not moved: You may not move this opportunity." in response.text
    opportunity.refresh_from_db()
    assert opportunity.stage_number == 1
    assert AuditEvent.objects.count() == audits


def test_accept_and_move_through_the_forms(funnel_world: FunnelWorld, client_for: Any) -> None:
    opportunity = funnel_world.o5
    intruder = client_for(funnel_world.ae2).post(f"/opportunities/{opportunity.pk}/accept/")
    assert intruder.status_code == 404  # ae2 (West) does not even see it
    other = client_for(funnel_world.manager).post(
        f"/opportunities/{opportunity.pk}/accept/", follow=True
    )
    assert "Only the AE it was handed to may accept or reject this hand-off." in other.text
    assert OpportunityHandoff.objects.get(opportunity=opportunity, status="pending")

    ae = client_for(funnel_world.ae1)
    missing = ae.post(f"/opportunities/{opportunity.pk}/reject/", {"reason": ""}, follow=True)
    assert "a rejection needs a reason" in missing.text
    accepted = ae.post(f"/opportunities/{opportunity.pk}/accept/", follow=True)
    assert accepted.status_code == 200 and "Saved." in accepted.text
    stage = OpportunityStage.objects.get(number=3)
    moved = ae.post(f"/pipeline/{opportunity.pk}/move/", {"stage": stage.pk})
    assert moved.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.handoff_status, opportunity.stage_number) == ("accepted", 3)


def test_an_sdr_creates_and_hands_off(funnel_world: FunnelWorld, client_for: Any) -> None:
    response = client_for(funnel_world.sdr1).post(
        "/opportunities/new/",
        {
            "name": "Monitoring for 12 servers",
            "company": funnel_world.companies[1].external_id,
            "amount": "36000",
            "play": funnel_world.demo.pk,
            "hand_off_to": funnel_world.ae1.pk,
        },
    )
    created = Opportunity.objects.get(name="Monitoring for 12 servers")
    assert response.status_code == 302
    assert (created.source_sdr, created.owner, created.handoff_status) == (
        funnel_world.sdr1,
        funnel_world.ae1,
        "pending",
    )
    bad = client_for(funnel_world.sdr1).post("/opportunities/new/", {"name": "Nothing"})
    assert bad.context["form"].errors == {"company": ["Give a company or a lead."]}


def test_dashboard_widgets_show_the_report(funnel_world: FunnelWorld, client_for: Any) -> None:
    client = client_for(funnel_world.admin)
    shell = client.get(f"/funnel/?{Q2}")
    assert (
        'hx-get="/funnel/summary/?from=2026-04-01&amp;to=2026-06-30&amp;bucket=week"' in shell.text
    )
    summary = client.get(f"/funnel/summary/?{Q2}")
    assert tiles(summary.text) | {} == {
        "leads": "6",
        "mqls": "4",
        "mql_per_lead": "66.7%",
        "follow_up_rate": "50.0%",
        "opportunities_created": "4",
        "opps_per_mql": "100.0%",
        "new_pipeline": "190,000",
        "pipeline_per_opp": "47,500",
        "sdr_bookings": "150,000",
        "pct_bookings_sdr": "65.2%",
        "sdr_headcount": "2",
        "closed_won_revenue": "230,000",
        "new_deals": "3",
        "asp": "76,667",
        "win_rate": "75.0%",
        "pct_reaching_stage_2": "60.0%",
    }
    steps = summary.context["chart"]["steps"]
    assert [step["value"] for step in steps] == [6, 4, 5, 3, 3]
    trend = client.get(f"/funnel/trend/?{Q2}&bucket=month")
    assert trend.context["chart"]["periods"] == ["2026-04", "2026-05", "2026-06"]


def test_people_table_sorts_by_any_metric(funnel_world: FunnelWorld, client_for: Any) -> None:
    client = client_for(funnel_world.admin)
    by_pipeline = client.get(f"/funnel/people/?{Q2}&sort=new_pipeline&dir=desc")
    assert [line.label for line in by_pipeline.context["lines"]] == [
        "Zhou AE",  # 190,000
        "Sun SDR",  # 160,000
        "Wu SDR",  # 30,000
        "Qian AE",  # 0
    ]
    by_leads = client.get(f"/funnel/people/?{Q2}&sort=leads&dir=asc")
    assert [line.label for line in by_leads.context["lines"]] == [
        "Zhou AE",
        "Qian AE",
        "Wu SDR",
        "Sun SDR",
    ]
    nulls_last = client.get(f"/funnel/people/?{Q2}&sort=mql_per_lead&dir=asc")
    assert [line.label for line in nulls_last.context["lines"]][-2:] == ["Zhou AE", "Qian AE"]


def test_sla_page_and_policy_edits(funnel_world: FunnelWorld, client_for: Any) -> None:
    page = client_for(funnel_world.admin).get(f"/funnel/sla/?{Q2}")
    assert page.status_code == 200
    sections = {s["kind"]: s for s in page.context["sections"]}
    # L1 touched in 55 minutes; L2 and L3 never touched by an SDR after their MQL moment;
    # L6 touched after 7.5 business hours (May 5 10:00 → May 6 09:30)
    assert sections["mql_first_touch"]["total"].compliance == "25.0%"
    form = {
        "handoff_response-target_hours": "6",
        "handoff_response-warn_minutes": "45",
        "handoff_response-day_start": "08:30",
        "handoff_response-day_end": "17:30",
        "handoff_response-break_start": "12:00",
        "handoff_response-break_end": "13:00",
        "handoff_response-is_active": "on",
    }
    refused = client_for(funnel_world.sdr1).post(
        "/funnel/sla/policy/handoff_response/", form, follow=True
    )
    assert "Only admins and sales managers change the funnel settings." in refused.text
    assert not SlaPolicy.objects.exists()
    client_for(funnel_world.manager).post("/funnel/sla/policy/handoff_response/", form)
    policy = SlaPolicy.objects.get()
    assert (str(policy.target_hours), policy.day_start, policy.warn_minutes) == (
        "6.00",
        dt.time(8, 30),
        45,
    )
    broken = client_for(funnel_world.manager).post(
        "/funnel/sla/policy/handoff_response/",
        form | {"handoff_response-break_start": "19:00"},
        follow=True,
    )
    assert "the break inside them" in broken.text
    assert SlaPolicy.objects.get().break_start == dt.time(12, 0)


def test_home_flags_open_items_close_to_breach(funnel_world: FunnelWorld, client_for: Any) -> None:
    long_ago = timezone.now() - dt.timedelta(days=20)
    lead = lead_create(
        organization=funnel_world.org,
        external_id="M-LATE",
        owner=funnel_world.sdr1,
        created_at=long_ago,
    )
    lead_mark_mql(lead=lead, source="manual", at=long_ago)
    home = client_for(funnel_world.sdr1).get("/")
    assert 'hx-get="/funnel/alerts/"' in home.text
    alerts = client_for(funnel_world.sdr1).get("/funnel/alerts/")
    assert [(line["alert"].record, line["alert"].state) for line in alerts.context["lines"]] == [
        ("M-LATE", "breached")
    ]
    assert "Late" in alerts.text
    opportunity = funnel_world.o3  # reuse a company: hand a fresh one to ae2
    fresh = Opportunity.objects.create(
        organization=funnel_world.org,
        external_id="O9",
        name="Fresh",
        company=opportunity.company,
        stage=OpportunityStage.objects.get(number=1),
        source_sdr=funnel_world.sdr2,
        source_team=funnel_world.west,
        created_at=long_ago,
    )
    opportunity_hand_off(opportunity=fresh, by=funnel_world.sdr2, to=funnel_world.ae2, at=long_ago)
    ae_alerts = client_for(funnel_world.ae2).get("/funnel/alerts/")
    assert [line["alert"].record for line in ae_alerts.context["lines"]] == ["O9"]
    assert client_for(funnel_world.manager).get("/funnel/alerts/").content.strip() == b""


def test_headcount_page(funnel_world: FunnelWorld, client_for: Any) -> None:
    response = client_for(funnel_world.admin).get(
        "/funnel/headcount/",
        {"target": "1000000", "months": "12", "date_from": "2026-04-01", "date_to": "2026-06-30"},
    )
    data = response.context["data"]
    assert data["benchmark"]["aes_per_sdr"] == 2.5
    assert data["needed"]["deals"] == "13.04"
    assert "Benchmark: 20 AEs to 8 SDRs" in response.text


def test_pages_in_chinese(funnel_world: FunnelWorld, client_for: Any) -> None:
    client = client_for(funnel_world.admin)
    board = client.get("/pipeline/", headers={"accept-language": "zh-hans"})
    assert "商机看板" in board.text
    summary = client.get(f"/funnel/summary/?{Q2}", headers={"accept-language": "zh-hans"})
    assert "线索" in summary.text and "赢单率" in summary.text
    sla = client.get(f"/funnel/sla/?{Q2}", headers={"accept-language": "zh-hans"})
    assert "工作时间" in sla.text


def test_the_dashboard_never_shows_numbers_older_than_the_data(
    funnel_world: FunnelWorld, client_for: Any
) -> None:
    client = client_for(funnel_world.admin)
    assert tiles(client.get(f"/funnel/summary/?{Q2}").text)["leads"] == "6"
    assert tiles(client.get(f"/funnel/summary/?{Q2}").text)["leads"] == "6"  # from the cache
    lead_create(
        organization=funnel_world.org,
        external_id="L9",
        owner=funnel_world.sdr1,
        created_at=dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC),
    )
    assert tiles(client.get(f"/funnel/summary/?{Q2}").text)["leads"] == "7"


def test_settings_page_configures_stages_plays_and_rules(
    funnel_world: FunnelWorld, client_for: Any
) -> None:
    manager = client_for(funnel_world.manager)
    assert manager.get("/funnel/settings/").status_code == 200
    manager.post("/funnel/settings/stage/", {"action": "add", "name": "Legal", "probability": "95"})
    legal = OpportunityStage.objects.get(name="Legal")
    assert legal.number == 6
    manager.post("/funnel/settings/stage/", {"action": "up", "stage": legal.pk})
    assert list(OpportunityStage.objects.order_by("number").values_list("name", flat=True))[
        -2:
    ] == [
        "Legal",
        "Commit",
    ]
    before = (OpportunityStage.objects.count(), AuditEvent.objects.count())
    refused = client_for(funnel_world.sdr1).post(
        "/funnel/settings/stage/",
        {"action": "add", "name": "Mine", "probability": "5"},
        follow=True,
    )
    assert "Only admins and sales managers change the funnel settings." in refused.text
    assert (OpportunityStage.objects.count(), AuditEvent.objects.count()) == before
    manager.post(
        "/funnel/settings/rule/",
        {"action": "add", "name": "Demo requests", "sources": "demo_request, free_trial"},
    )
    lead_create(
        organization=funnel_world.org,
        external_id="M-9",
        source="free_trial",
        owner=funnel_world.sdr1,
        created_at=dt.datetime(2026, 5, 2, 10, tzinfo=dt.UTC),
    )
    applied = manager.post("/funnel/settings/rule/", {"action": "apply"}, follow=True)
    assert "1 lead became an MQL." in applied.text
