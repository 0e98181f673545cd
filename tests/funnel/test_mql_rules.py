"""Marking MQLs by the marketing rules set-wise (``mql_rules_apply``) over thousands of leads:
exact leads, moments and audit rows; the leads it must leave alone untouched; the first touch
of the marked leads and the funnel's roll-up kept in step."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection
from django.db.models import Sum

from patron.activities.models import Activity
from patron.core.frames import FEW_VALUES
from patron.core.models import AuditEvent
from patron.funnel.models import (
    FunnelDay,
    FunnelDirtyHour,
    FunnelGrain,
    FunnelPart,
    MarketingRule,
)
from patron.funnel.rollup import days_settle, rebuild_all
from patron.funnel.rollup_triggers import update_trigger_paused
from patron.funnel.services import mql_rules_apply
from patron.leads.models import Lead
from tests.funnel.conftest import dirty_triggers, hold_exclusively
from tests.funnel.test_rollup import rows

pytestmark = pytest.mark.django_db

LEADS = 2_400
FIRST = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
# 20:00 in Shanghai: leads that arrived before it (the first 720 minutes) become MQL at it
AT = dt.datetime(2026, 5, 1, 20, tzinfo=ZoneInfo("Asia/Shanghai"))


def arrival(n: int) -> dt.datetime:
    """A lead a minute; every third with a fraction of a second (its ISO text shows it)."""
    return FIRST + dt.timedelta(minutes=n, microseconds=250_000 if n % 3 == 0 else 0)


def state(ids: list[int]) -> list[tuple[Any, ...]]:
    return list(
        Lead.objects.filter(pk__in=ids)
        .order_by("id")
        .values_list("id", "mql_at", "mql_source", "status", "first_touch_at", "updated_at")
    )


@pytest.fixture
def leads(organization: Any, user_factory: Any, team: Any) -> dict[str, Any]:
    """2,400 leads, half from events (the rule's source); of those every fifth already MQL,
    disqualified or merged. An SDR called lead 1,006 after its arrival."""
    sdr = user_factory("sdr9", roles=["sdr"], team=team)
    MarketingRule.objects.create(organization=organization, name="Events", sources=["event"])
    Lead.objects.bulk_create(
        Lead(
            organization=organization,
            external_id=f"B{n:04d}",
            company_name=f"Company {n}",
            source="event" if n % 2 == 0 else "web",
            owner=sdr,
            team=team,
            created_at=arrival(n),
            status={0: "disqualified", 4: "merged"}.get(n % 10, "new"),
            mql_at=arrival(n) if n % 10 == 2 else None,
            mql_source="manual" if n % 10 == 2 else "",
        )
        for n in range(LEADS)
    )
    by_key = dict(Lead.objects.values_list("external_id", "id"))
    Lead.objects.filter(status="merged").update(merged_into_id=by_key["B0001"])
    called = arrival(1006) + dt.timedelta(hours=3)
    Activity.objects.create(
        organization=organization,
        kind="call",
        user=sdr,
        lead_id=by_key["B1006"],
        occurred_at=called,
    )
    return {"ids": [by_key[f"B{n:04d}"] for n in range(LEADS)], "called": called, "sdr": sdr}


def test_thousands_of_leads_marked_in_one_pass_with_their_audit_rows(
    organization: Any, leads: dict[str, Any]
) -> None:
    ids = leads["ids"]
    assert len(ids) > FEW_VALUES  # the ids go as one JSON parameter
    matching = [n for n in range(LEADS) if n % 2 == 0 and n % 10 in (6, 8)]
    left_alone = [ids[n] for n in range(LEADS) if n not in set(matching)]
    before = state(left_alone)
    days_settle(organization)

    assert mql_rules_apply(organization=organization, lead_ids=ids, at=AT) == len(matching) == 480

    marked = Lead.objects.filter(mql_source="rule")
    assert sorted(marked.values_list("id", flat=True)) == [ids[n] for n in matching]
    moments = dict(marked.values_list("id", "mql_at"))
    assert moments == {ids[n]: max(arrival(n), AT) for n in matching}
    assert sum(moment == AT for moment in moments.values()) == 144  # arrived before 12:00 UTC
    events = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, content_type__model="lead")
    assert {event.object_id: (event.object_repr, event.changes) for event in events} == {
        ids[n]: (
            f"B{n:04d}",
            {"mql_at": [None, max(arrival(n), AT).isoformat()], "mql_source": [None, "rule"]},
        )
        for n in matching
    }
    # the moment as the service always wrote it: the arrival in UTC, or AT as given
    assert events.get(object_id=ids[6]).changes["mql_at"] == [None, "2026-05-01T20:00:00+08:00"]
    assert events.get(object_id=ids[1778]).changes["mql_at"] == [
        None,
        "2026-05-02T05:38:00+00:00",
    ]
    assert events.get(object_id=ids[1998]).changes["mql_at"] == [
        None,
        "2026-05-02T09:18:00.250000+00:00",
    ]
    assert state(left_alone) == before  # already MQL, disqualified, merged, not matching
    called = Lead.objects.get(pk=ids[1006])
    assert (called.mql_source, called.first_touch_at) == ("rule", leads["called"])
    assert marked.filter(first_touch_at__isnull=False).count() == 1

    # the roll-up saw the UPDATE: settled days equal a rebuild from the base tables
    days_settle(organization)
    settled = rows()
    mqls = FunnelDay.objects.filter(grain=FunnelGrain.DETAIL, part=FunnelPart.MQLS)
    assert mqls.aggregate(Sum("records"), Sum("followed_up")) == {
        "records__sum": 480 + 240,  # the rule's and the 240 marked by hand before
        "followed_up__sum": 1,
    }
    rebuild_all(organization)
    assert rows() == settled

    # nothing left to mark: the whole organization, and no further audit row
    assert mql_rules_apply(organization=organization, at=AT) == 0
    assert events.count() == 480


def test_the_whole_organization_without_ids_and_created_leads_by_id_list(
    organization: Any, leads: dict[str, Any]
) -> None:
    ids = leads["ids"]
    assert mql_rules_apply(organization=organization, lead_ids=[]) == 0
    assert mql_rules_apply(organization=organization, created_ids=range(5, 5)) == 0
    assert not Lead.objects.filter(mql_source="rule").exists()
    # leads created just now, named by a list of ids that are not consecutive
    created = [ids[n] for n in (6, 7, 16, 998)]
    assert mql_rules_apply(organization=organization, created_ids=created) == 3
    assert sorted(Lead.objects.filter(mql_source="rule").values_list("id", flat=True)) == [
        ids[6],
        ids[16],
        ids[998],
    ]
    assert Lead.objects.get(pk=ids[6]).mql_at == arrival(6)  # no ``at``: on arrival
    assert mql_rules_apply(organization=organization) == 480 - 3
    assert Lead.objects.get(pk=ids[1006]).first_touch_at == leads["called"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == 480


def test_the_update_trigger_is_back_after_a_pause_also_when_the_block_fails(
    organization: Any, leads: dict[str, Any]
) -> None:
    both = ["funnel_dirty_lead_update", "funnel_dirty_opportunity_update"]
    # PostgreSQL pauses only a table its transaction holds (dropping a trigger locks the table)
    with update_trigger_paused("leads_lead") as paused:
        assert paused is (connection.vendor == "sqlite")
        assert len(dirty_triggers("update")) == (1 if paused else 2)
    assert dirty_triggers("update") == both
    hold_exclusively("leads_lead")  # as a bulk load does, until the test's transaction ends
    with update_trigger_paused("leads_lead") as paused:
        assert paused is True
        assert dirty_triggers("update") == ["funnel_dirty_opportunity_update"]
    assert dirty_triggers("update") == both
    with pytest.raises(ZeroDivisionError), update_trigger_paused("leads_lead"):
        assert dirty_triggers("update") == ["funnel_dirty_opportunity_update"]
        _ = 1 / 0
    assert dirty_triggers("update") == both
    # a failed statement: its own error comes out (no DDL runs on the aborted transaction),
    # the trigger is back and the lead unchanged
    lead_id = leads["ids"][7]
    with pytest.raises(IntegrityError), update_trigger_paused("leads_lead"):
        Lead.objects.filter(pk=lead_id).update(status="no such status")
    assert dirty_triggers("update") == both
    assert Lead.objects.get(pk=lead_id).status == "new"
    # the trigger marks an update's hours again
    days_settle(organization)
    Lead.objects.filter(pk=leads["ids"][7]).update(mql_at=AT, mql_source="manual")
    # (PostgreSQL's statement trigger may write an hour twice: once as old, once as new)
    assert sorted({str(hour) for hour in FunnelDirtyHour.objects.all()}) == [
        f"{organization.pk} 2026-05-01 00:00",  # lead 7 arrived at 00:07 UTC
        f"{organization.pk} 2026-05-01 12:00",  # AT in UTC
    ]
