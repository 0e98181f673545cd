from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.activities.models import Activity, ActivityKind, CallOutcome
from patron.activities.services import activity_log
from patron.core.audit import Actor, acting_as, audit_trail
from patron.core.errors import NotFound, ValidationFailed
from patron.core.models import AuditEvent
from patron.leads.choices import LeadStatus, MqlSource
from patron.leads.models import Lead
from patron.leads.selectors import lead_get, lead_queryset
from patron.leads.services import lead_create, lead_mark_mql, lead_update

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def sdr(user_factory, team):
    return user_factory("sdr", roles=["sdr"], team=team)


def make_lead(organization, owner, external_id="L1", **values):
    return lead_create(
        organization=organization,
        external_id=external_id,
        company_name="苏州精密机械有限公司",
        contact_name="王强",
        title="IT经理",
        owner=owner,
        **values,
    )


def test_lead_create_takes_the_owners_team_and_audits_the_fields(organization, sdr, team):
    with acting_as(Actor(user_id=sdr.pk, label="sdr", source="web")):
        lead = make_lead(organization, sdr, created_at=dt.datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))
    assert lead.team_id == team.pk
    assert lead.status == LeadStatus.NEW
    assert lead.created_at == dt.datetime(2026, 3, 1, 1, tzinfo=dt.UTC)
    event = audit_trail(lead).get()
    assert (event.action, event.actor_label, event.source) == ("create", "sdr", "web")
    assert event.changes["contact_name"] == [None, "王强"]


def test_a_second_lead_with_the_same_id_is_refused_and_nothing_is_written(organization, sdr):
    make_lead(organization, sdr)
    before = (Lead.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as error:
        make_lead(organization, sdr)
    assert set(error.value.field_errors) == {"external_id"}
    assert (Lead.objects.count(), AuditEvent.objects.count()) == before


def test_lead_update_records_old_and_new(organization, sdr):
    lead = make_lead(organization, sdr)
    lead_update(lead=lead, title="CIO", status=LeadStatus.WORKING)
    event = audit_trail(lead).filter(action="update").get()
    assert event.changes == {"title": ["IT经理", "CIO"], "status": ["new", "working"]}


def test_mark_mql_once(organization, sdr):
    lead = make_lead(organization, sdr)
    at = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    lead = lead_mark_mql(lead=lead, source=MqlSource.RULE, at=at)
    again = lead_mark_mql(lead=lead, source=MqlSource.MANUAL)
    assert (again.mql_at, again.mql_source) == (at, "rule")
    assert Lead.objects.get().is_mql is True
    assert audit_trail(lead).filter(action="update").count() == 1


def test_mark_mql_refuses_an_unknown_source_and_changes_nothing(organization, sdr):
    lead = make_lead(organization, sdr)
    with pytest.raises(ValidationFailed) as error:
        lead_mark_mql(lead=lead, source="gossip")
    assert list(error.value.field_errors) == ["mql_source"]
    assert Lead.objects.get().mql_at is None


def test_scope_seller_sees_own_manager_sees_team_admin_sees_all(
    organization, sdr, manager, patron_admin, user_factory, team_factory
):
    colleague = user_factory("colleague", roles=["sdr"], team=sdr.team)
    other_team = team_factory("West")
    outsider = user_factory("outsider", roles=["sdr"], team=other_team)
    mine = make_lead(organization, sdr, "L1")
    theirs = make_lead(organization, colleague, "L2")
    far = make_lead(organization, outsider, "L3")

    def ids(user):
        return set(lead_queryset(user).values_list("external_id", flat=True))

    assert ids(sdr) == {"L1"}
    assert ids(manager) == {"L1", "L2"}
    assert ids(patron_admin) == {"L1", "L2", "L3"}
    assert lead_get(sdr, mine.pk).pk == mine.pk
    for hidden in (theirs, far):
        with pytest.raises(NotFound):
            lead_get(sdr, hidden.pk)


def test_activity_log_on_a_lead_with_outcome_and_next_step(organization, sdr):
    lead = make_lead(organization, sdr)
    activity = activity_log(
        organization=organization,
        kind=ActivityKind.CALL,
        user=sdr,
        lead=lead,
        occurred_at=timezone.now(),
        outcome=CallOutcome.MEETING_SET,
        next_step="Demo on Friday",
        next_step_on=dt.date(2026, 12, 4),
    )
    assert list(lead.activities.values_list("outcome", "next_step")) == [
        ("meeting_set", "Demo on Friday")
    ]
    assert audit_trail(activity).get().changes["outcome"] == [None, "meeting_set"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": ActivityKind.EMAIL, "outcome": CallOutcome.CONNECTED}, "outcome"),
        ({"kind": ActivityKind.CALL}, "company"),
    ],
)
def test_activity_log_refuses_bad_input_and_writes_nothing(organization, sdr, values, field):
    with pytest.raises(ValidationFailed) as error:
        activity_log(organization=organization, user=sdr, occurred_at=timezone.now(), **values)
    assert list(error.value.field_errors) == [field]
    assert Activity.objects.count() == 0
    assert AuditEvent.objects.count() == 0
