"""The one lead page over HTTP (``/leads/<id>/``): the lead's fields, the seller's score with its
breakdown, the trigger events of the lead and its company with the trigger form, the personal
involvement toggle, activities and the change history; the old prospecting address redirects
permanently; a lead of another team is not found."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from patron.activities.models import ActivityKind, CallOutcome
from patron.activities.services import activity_log
from patron.companies.models import Company
from patron.core.models import AuditEvent
from patron.leads.services import lead_create, lead_update
from patron.prospecting import services
from patron.prospecting.models import LeadInvolvement, LeadScore

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 22  # measured: 22 on SQLite and PostgreSQL, whatever the number of rows
TODAY = timezone.localdate()
MERGER_ON = TODAY - dt.timedelta(days=10)


@pytest.fixture
def outsider(user_factory, team_factory):
    return user_factory("outsider", roles=["sdr"], team=team_factory("West"))


def merger_lead(organization, seller, *, number, company, contact, team, region, on):
    """A manufacturing IT manager at ``company`` (of ``team``, merged ``on`` that day) on the
    seller's list."""
    merged = Company.objects.create(
        organization=organization,
        external_id=f"C{number}",
        name=company,
        industry="manufacturing",
        team=team,
    )
    services.trigger_event_create(
        organization=organization, company=merged, type="merger", occurred_on=on
    )
    return lead_create(
        organization=organization,
        external_id=f"L{number}",
        owner=seller,
        company=merged,
        company_name=company,
        contact_name=contact,
        title="IT manager",
        industry="manufacturing",
        region=region,
    )


@pytest.fixture
def lead(organization, seller, regions):
    """Acme's IT manager in Suzhou on the seller's list: +2 industry, +2 title, +1 territory,
    +2 for the merger of Acme ten days ago (starred) = 7."""
    services.profile_save(
        seller=seller,
        weights={"industry": 2, "title": 1, "territory": 1, "trigger": 2},
        targets={
            "industry": [("manufacturing", None)],
            "title": [("IT manager", 2)],
            "territory": [("JS", None)],
            "trigger": [("merger", None)],
        },
    )
    return merger_lead(
        organization,
        seller,
        number=1,
        company="Acme",
        contact="Wang",
        team=seller.team,
        region=regions["JS-SZ"],
        on=MERGER_ON,
    )


def involvement_url(lead: Any) -> str:
    return f"/prospecting/leads/{lead.pk}/involvement/"


def terms(html: str) -> list[str]:
    return re.findall(r'<li class="term term-[a-z_]+">([^<]+)</li>', html)


def triggers(html: str) -> list[str]:
    return re.findall(r'data-trigger="([a-z_]+)"', html)


def test_the_lead_page_shows_fields_score_triggers_involvement_activities_and_history(
    lead, seller, organization, client_for
):
    activity_log(
        organization=organization,
        kind=ActivityKind.CALL,
        user=seller,
        lead=lead,
        occurred_at=timezone.now(),
        outcome=CallOutcome.MEETING_SET,
        note="demo on Friday",
    )
    response = client_for(seller).get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    html = response.content.decode()

    assert "<h1>Wang · Acme</h1>" in html
    assert "<dt>Region</dt><dd>Jiangsu · Suzhou</dd>" in html
    assert "<dt>Owner</dt><dd>Chen Seller</dd>" in html
    # the score and why
    assert '<span class="star" title="Recent trigger">★</span>7</span> / 12' in html
    assert "on the list of Chen Seller, profile version 1" in html
    assert terms(html) == [
        "+2 industry Manufacturing",
        "+2 title IT manager",
        "+1 territory Jiangsu",
        f"+2 trigger Merger {MERGER_ON.isoformat()}",
    ]
    # the trigger of its company, and the form to record one on the lead
    assert triggers(html) == ["merger"]
    assert f'<span class="timeline-month">{MERGER_ON.isoformat()}</span>' in html
    assert f'<input type="hidden" name="lead" value="{lead.pk}">' in html
    assert f'<input type="hidden" name="next" value="/leads/{lead.pk}/">' in html
    # not involved yet
    assert 'data-involved="false"' in html
    assert "You are not marked as personally involved with this lead." in html
    assert ">I am personally involved (+2)</button>" in html
    assert f'action="{involvement_url(lead)}"' in html
    # the activity
    assert len(re.findall(r"data-activity=", html)) == 1
    assert "<td>Meeting set</td>" in html
    assert "<td>demo on Friday</td>" in html
    # the change history: the creation, with the company by name; the lead's own events do
    # not name the lead again
    assert [(line.action, line.target) for line in response.context["audit"]] == [("created", "")]
    assert '<span class="badge badge-neutral">created</span>' in html
    assert (
        '<span class="audit-field">lead id</span>: <span class="audit-old">—</span> → '
        '<span class="audit-new">L1</span>'
    ) in html
    assert (
        '<span class="audit-field">company</span>: <span class="audit-old">—</span> → '
        '<span class="audit-new">Acme</span>'
    ) in html
    # a seller's order: fields, score, triggers, involvement, activities, history
    order = [
        html.index(f'id="{section}"')
        for section in ("score", "triggers", "involvement", "activities", "audit")
    ]
    assert order == sorted(order)


def test_an_out_of_target_lead_says_why(lead, seller, organization, client_for):
    retail = lead_create(
        organization=organization,
        external_id="L2",
        owner=seller,
        company_name="Shop",
        contact_name="Zhao",
        title="IT manager",
        industry="retail",
    )
    html = client_for(seller).get(f"/leads/{retail.pk}/").content.decode()

    assert (
        '<p class="alert alert-error">Out of target: industry outside the profile, '
        "territory outside the profile</p>"
    ) in html
    assert terms(html) == []
    assert triggers(html) == []
    assert "No trigger events yet." in html


def test_a_lead_on_no_profile_says_so(organization, user_factory, team, client_for):
    owner = user_factory("sdr", roles=["sdr"], team=team)
    lead = lead_create(organization=organization, external_id="L9", owner=owner, contact_name="Li")
    html = client_for(owner).get(f"/leads/{lead.pk}/").content.decode()

    assert "Not on any list you can see: its owner has no ICP profile yet." in html
    assert "No activity yet." in html


def test_the_involvement_toggle_returns_to_the_lead_page(lead, seller, client_for):
    client = client_for(seller)

    response = client.post(involvement_url(lead), {"involved": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert list(LeadInvolvement.objects.values_list("seller_id", "lead_id")) == [
        (seller.pk, lead.pk)
    ]
    html = client.get(response["Location"]).content.decode()
    assert 'data-involved="true"' in html
    assert "You are personally involved with this lead: +2 on your list." in html
    assert ">I am no longer personally involved</button>" in html
    assert '<span class="star" title="Recent trigger">★</span>9</span> / 12' in html
    assert terms(html)[-1] == "+2 personally involved"
    assert (
        '<span class="audit-field">personally involved</span>: <span class="audit-old">—</span> → '
        '<span class="audit-new">Chen Seller</span>'
    ) in html

    response = client.post(involvement_url(lead), {"involved": "0"})
    assert (response.status_code, response["Location"]) == (302, f"/leads/{lead.pk}/")
    assert not LeadInvolvement.objects.exists()
    assert LeadScore.objects.get(lead=lead).score == 7
    assert 'data-involved="false"' in client.get(f"/leads/{lead.pk}/").content.decode()


def test_a_manager_reads_the_owners_involvement_and_cannot_mark_their_own(
    lead, seller, team, user_factory, client_for
):
    manager = user_factory("boss", roles=["manager"], team=team, display_name="Wang Manager")
    services.involvement_set(seller=seller, lead=lead, involved=True)
    client = client_for(manager)

    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-involved="true"' in html
    assert "Chen Seller is personally involved with this lead: +2 on their list." in html
    assert 'id="involvement-toggle"' not in html
    assert involvement_url(lead) not in html

    response = client.post(involvement_url(lead), {"involved": "1"}, follow=True)
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert (
        "Nothing changed: lead: only the lead&#x27;s owner can mark personal involvement: it"
        " counts on their list"
    ) in response.content.decode()
    assert list(LeadInvolvement.objects.values_list("seller_id", "lead_id")) == [
        (seller.pk, lead.pk)
    ]
    assert LeadScore.objects.get(lead=lead).score == 9


def test_the_trigger_form_returns_to_the_lead_page(lead, seller, client_for):
    client = client_for(seller)

    response = client.post(
        "/prospecting/triggers/add/",
        {
            "lead": lead.pk,
            "type": "expansion",
            "occurred_on": TODAY.isoformat(),
            "note": "new plant",
            "next": f"/leads/{lead.pk}/",
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"/leads/{lead.pk}/")
    html = client.get(response["Location"]).content.decode()
    assert "Trigger event recorded; the leads are scored again." in html
    # the lead's own trigger and its company's, newest first
    assert triggers(html) == ["expansion", "merger"]
    assert "Expansion · new plant" in html
    # an expansion is not a target trigger: the score stays
    assert LeadScore.objects.get(lead=lead).score == 7


def test_the_trigger_of_a_company_of_another_team_shows_on_the_lead_it_scores(
    lead, seller, organization, regions, team_factory, client_for
):
    globex_lead = merger_lead(
        organization,
        seller,
        number=3,
        company="Globex",
        contact="Zhou",
        team=team_factory("North"),
        region=regions["JS-SZ"],
        on=TODAY,
    )
    other = globex_lead.company
    client = client_for(seller)
    assert client.get(f"/companies/{other.pk}/").status_code == 404

    html = client.get(f"/leads/{globex_lead.pk}/").content.decode()

    assert f"+2 trigger Merger {TODAY.isoformat()}" in terms(html)
    assert triggers(html) == ["merger"]
    # the first lead's page still shows only its own company's event
    assert triggers(client.get(f"/leads/{lead.pk}/").content.decode()) == ["merger"]


def test_the_old_address_redirects_permanently(lead, seller, outsider, client_for):
    response = client_for(seller).get(f"/prospecting/leads/{lead.pk}/")

    assert response.status_code == 301
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert reverse("web:prospecting-lead", args=[lead.pk]) == f"/prospecting/leads/{lead.pk}/"
    # the redirect hides nothing and shows nothing: the lead page still checks
    followed = client_for(outsider).get(f"/prospecting/leads/{lead.pk}/", follow=True)
    assert followed.redirect_chain == [(f"/leads/{lead.pk}/", 301)]
    assert followed.status_code == 404


def test_a_lead_of_another_team_is_not_found(lead, seller, outsider, client_for):
    audit_rows = AuditEvent.objects.count()
    client = client_for(outsider)

    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.post(involvement_url(lead), {"involved": "1"}).status_code == 404
    assert client_for(seller).get(f"/leads/{lead.pk + 1000}/").status_code == 404
    assert not LeadInvolvement.objects.exists()
    assert AuditEvent.objects.count() == audit_rows
    assert LeadScore.objects.get(lead=lead).score == 7


def test_the_profile_preview_links_to_the_lead_page(lead, seller, client_for):
    html = client_for(seller).get("/prospecting/profile/").content.decode()

    assert f'<a href="/leads/{lead.pk}/">Wang · Acme</a>' in html
    assert "/prospecting/leads/" not in html


def test_the_lead_page_in_chinese(lead, seller, client_for):
    html = (
        client_for(seller)
        .get(f"/leads/{lead.pk}/", headers={"accept-language": "zh-hans"})
        .content.decode()
    )
    assert '<h2 class="card-title">评分</h2>' in html
    assert "在 Chen Seller 的列表中，画像版本 1" in html
    assert terms(html) == [
        "+2 行业 制造业",
        "+2 职位 IT manager",
        "+1 区域 江苏",
        f"+2 触发事件 合并 {MERGER_ON.isoformat()}",
    ]
    assert '<h2 class="card-title">亲自跟进</h2>' in html
    assert "您尚未标记为亲自跟进此线索。" in html
    assert ">我亲自跟进（+2）</button>" in html


def test_the_lead_page_query_count_does_not_grow(
    lead, seller, organization, client_for, django_assert_max_num_queries
):
    client = client_for(seller)
    url = f"/leads/{lead.pk}/"
    services.involvement_set(seller=seller, lead=lead, involved=True)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for day in range(5):
        activity_log(
            organization=organization,
            kind=ActivityKind.CALL,
            user=seller,
            lead=lead,
            occurred_at=timezone.now() - dt.timedelta(days=day),
            outcome=CallOutcome.NO_ANSWER,
        )
        services.trigger_event_create(
            organization=organization,
            lead=lead,
            type="tender",
            occurred_on=TODAY - dt.timedelta(days=day),
            created_by=seller,
        )
        lead_update(lead=lead, source=f"fair {day}")

    assert count() == few
    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(url)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [None, {"width": 390, "height": 844}])
def test_a_seller_works_the_lead_page_in_chromium(lead, seller, browser_page_for, viewport):
    """On a laptop and on a phone: the score and why, the involvement toggle and the trigger
    form all come back to the lead page, and nothing is wider than the screen."""
    page = browser_page_for(seller, **({"viewport": viewport} if viewport else {}))
    page.goto(f"/prospecting/leads/{lead.pk}/")
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/$"))
    expect(page.locator("#score .term")).to_have_text(
        [
            "+2 industry Manufacturing",
            "+2 title IT manager",
            "+1 territory Jiangsu",
            f"+2 trigger Merger {MERGER_ON.isoformat()}",
        ]
    )
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("#involvement-toggle").click()
    expect(page.locator("#involvement")).to_have_attribute("data-involved", "true")
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/$"))
    expect(page.locator("#score .term-involved")).to_have_text("+2 personally involved")
    expect(page.locator("#score .score-big")).to_have_text("★9")

    form = page.locator("#trigger-add")
    form.locator("select[name=type]").select_option("tender")
    form.locator("input[name=occurred_on]").fill(TODAY.isoformat())
    form.locator("input[name=note]").fill("city hall")
    form.get_by_role("button", name="Record trigger").click()
    expect(page.locator(".alert-success")).to_have_text(
        "Trigger event recorded; the leads are scored again."
    )
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/$"))
    expect(page.locator("#triggers [data-trigger]")).to_have_count(2)
    expect(page.locator("#triggers [data-trigger]").first).to_contain_text(
        "Public tender · city hall"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
