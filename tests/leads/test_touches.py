"""A lead's first hunter touch since it became an MQL, kept on the lead by every write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from patron.accounts.models import User, UserRole
from patron.activities.services import activity_log
from patron.leads.models import Lead
from patron.leads.services import lead_create, lead_mark_mql
from patron.leads.touches import first_touch, first_touch_refresh

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def people(user_factory, team):
    return {
        "sdr": user_factory("sdr", roles=["sdr"], team=team),
        "bdm": user_factory("bdm2", roles=["bdm"], team=team),
        "ae": user_factory("ae", roles=["ae"], team=team),
    }


def stored(lead: Lead) -> dt.datetime | None:
    return Lead.objects.get(pk=lead.pk).first_touch_at


def defined(lead: Lead) -> dt.datetime | None:
    return Lead.objects.filter(pk=lead.pk).annotate(touch=first_touch()).get().touch


def test_only_hunter_calls_emails_meetings_at_or_after_the_mql_moment_count(organization, people):
    lead = lead_create(organization=organization, external_id="L1", owner=people["sdr"])
    log = {"organization": organization, "lead": lead}
    activity_log(**log, kind="call", user=people["sdr"], occurred_at=at(1, 9))  # before MQL
    assert stored(lead) is None
    lead = lead_mark_mql(lead=lead, at=at(2, 10))
    assert lead.first_touch_at is None
    activity_log(**log, kind="note", user=people["sdr"], occurred_at=at(2, 11))  # not a touch
    activity_log(**log, kind="call", user=people["ae"], occurred_at=at(2, 12))  # not a hunter
    assert stored(lead) is None
    activity_log(**log, kind="email", user=people["bdm"], occurred_at=at(3, 15))
    assert stored(lead) == at(3, 15)
    activity_log(**log, kind="meeting", user=people["sdr"], occurred_at=at(2, 10))  # the moment
    assert stored(lead) == at(2, 10) == defined(lead)


def test_marking_mql_later_takes_the_first_touch_after_the_new_moment(organization, people):
    lead = lead_create(organization=organization, external_id="L2", owner=people["sdr"])
    for day in (1, 4, 6):
        activity_log(
            organization=organization,
            lead=lead,
            kind="call",
            user=people["sdr"],
            occurred_at=at(day, 9),
        )
    assert stored(lead) is None
    lead = lead_mark_mql(lead=lead, at=at(3, 9))
    assert lead.first_touch_at == at(4, 9) == defined(lead)


def test_a_role_change_in_the_admin_recounts_that_persons_touches(
    organization, people, patron_admin
):
    lead = lead_create(organization=organization, external_id="L3", owner=people["sdr"])
    lead = lead_mark_mql(lead=lead, at=at(1, 9))
    ae: User = people["ae"]
    activity_log(organization=organization, lead=lead, kind="call", user=ae, occurred_at=at(1, 10))
    assert stored(lead) is None
    UserRole.objects.create(user=ae, role="sdr")  # as the admin inline saves it
    admin = site._registry[User]
    request = RequestFactory().post("/")
    request.user = patron_admin
    form = admin.get_form(request, ae)(instance=ae)
    form.save_m2m = lambda: None  # the user's own fields are unchanged; the inline saved the role
    admin.save_related(request, form, formsets=[], change=True)
    assert stored(lead) == at(1, 10) == defined(lead)


def test_refresh_of_the_whole_organization_matches_the_definition(organization, people):
    leads = []
    for index in range(6):
        lead = lead_create(organization=organization, external_id=f"R{index}", owner=people["sdr"])
        if index % 2 == 0:
            lead = lead_mark_mql(lead=lead, at=at(1 + index, 9))
        activity_log(
            organization=organization,
            lead=lead,
            kind="call",
            user=people["sdr"],
            occurred_at=at(2 + index, 9),
        )
        leads.append(lead)
    Lead.objects.update(first_touch_at=None)  # as after a raw restore
    first_touch_refresh(organization=organization)
    got = [stored(lead) for lead in leads]
    assert got == [at(2, 9), None, at(4, 9), None, at(6, 9), None]
    assert got == [defined(lead) for lead in leads]


def test_refresh_of_many_leads_by_id_in_one_statement(organization, people):
    """More ids than ``FEW_VALUES`` go as one JSON parameter: every lead named is refreshed, a
    lead not named keeps its stale value."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from patron.activities.models import Activity
    from patron.core.frames import FEW_VALUES

    count = FEW_VALUES + 200
    Lead.objects.bulk_create(
        Lead(
            organization=organization,
            external_id=f"T{index:04d}",
            owner=people["sdr"],
            created_at=at(1, 8),
            mql_at=at(1, 9) if index % 2 == 0 else None,
            mql_source="manual" if index % 2 == 0 else "",
        )
        for index in range(count + 1)
    )
    ids = dict(Lead.objects.values_list("external_id", "id"))
    hunters = [people["sdr"], people["bdm"], people["ae"]]  # the AE's calls do not count
    Activity.objects.bulk_create(
        Activity(
            organization=organization,
            kind="call",
            user=hunters[index % 3],
            lead_id=ids[f"T{index:04d}"],
            occurred_at=at(1 + index % 4, 10),
        )
        for index in range(count + 1)
    )
    named = [ids[f"T{index:04d}"] for index in range(count)]
    with CaptureQueriesContext(connection) as queries:
        first_touch_refresh(organization=organization, lead_ids=named)
    assert len(queries) == 1
    got = dict(Lead.objects.filter(pk__in=named).values_list("id", "first_touch_at"))
    expected = {
        ids[f"T{index:04d}"]: at(1 + index % 4, 10) if index % 2 == 0 and index % 3 != 2 else None
        for index in range(count)
    }
    assert got == expected
    assert sum(value is not None for value in got.values()) == 400
    assert got == dict(
        Lead.objects.filter(pk__in=named).annotate(touch=first_touch()).values_list("id", "touch")
    )
    last = Lead.objects.get(external_id=f"T{count:04d}")  # MQL, touched, not named
    assert (last.mql_at, last.first_touch_at) == (at(1, 9), None)
