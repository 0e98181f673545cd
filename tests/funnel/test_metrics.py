"""Every SPEC §9 metric on the hand-built quarter (see conftest.py), with exact values:
period edges in Shanghai time, opportunities created in one period and won in another, zero
denominators, team and person scopes, the per-person table, engagement modes and trends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patron.core.errors import NotFound
from patron.funnel.reports import funnel_report
from tests.funnel.conftest import Q2, FunnelWorld

pytestmark = pytest.mark.django_db


def report(world: FunnelWorld, **kwargs):  # type: ignore[no-untyped-def]
    return funnel_report(organization=world.org, date_from=Q2[0], date_to=Q2[1], **kwargs)


ORGANIZATION = {
    "leads": 6,  # L1 L2 L4 L6 L7 L8 (L8 at 00:00 on Apr 1, L4 at 23:59 on Jun 30)
    "mqls": 4,  # L1 L2 L3 L6 (L3 created in March, MQL on Apr 1)
    "mql_per_lead": 0.6667,
    "follow_up_rate": 0.5,  # L1 L6; a note, an AE's email and a call before the MQL do not count
    "opportunities_created": 4,  # O1 O3 O5 O6 (O4 has no source SDR, O2 was created in March)
    "opps_per_mql": 1.0,
    "new_pipeline": Decimal("190000.00"),
    "pipeline_per_opp": Decimal("47500.00"),
    "sdr_bookings": Decimal("150000.00"),  # O1 + O2 (created in March, won in April)
    "pct_bookings_sdr": 0.6522,
    "sdr_headcount": 2,  # sdr1 (recorded), sdr2 (holds the role); sdr3 left, sdr4 came later
    "closed_won_revenue": Decimal("230000.00"),  # O1 O2 O4 (O6 won after midnight on Jul 1)
    "new_deals": 3,
    "asp": Decimal("76666.67"),
    "win_rate": 0.75,  # 3 won, O3 lost
    "pct_reaching_stage_2": 0.6,  # O1 O3 O6 of O1 O3 O4 O5 O6
}


def test_every_metric_for_the_organization(funnel_world: FunnelWorld) -> None:
    assert report(funnel_world).metrics.values() == ORGANIZATION


def test_engagement_mode_per_play(funnel_world: FunnelWorld) -> None:
    plays = [play.as_dict() for play in report(funnel_world).plays]
    assert plays == [
        {
            "play": "demo",
            "label": "Demo request",
            "opportunities": 3,
            "won": 1,
            "lost": 1,
            "win_rate": 0.5,
            "asp": "100000.00",
        },
        {
            "play": "webinar",
            "label": "Webinar follow-up",
            "opportunities": 1,
            "won": 1,
            "lost": 0,
            "win_rate": 1.0,
            "asp": "50000.00",
        },
        {
            "play": "",
            "label": "—",
            "opportunities": 1,
            "won": 1,
            "lost": 0,
            "win_rate": 1.0,
            "asp": "80000.00",
        },
    ]


def test_an_sdr_alone(funnel_world: FunnelWorld) -> None:
    values = report(funnel_world, user_id=funnel_world.sdr1.pk).metrics.values()
    assert values == {
        "leads": 4,  # L1 L2 L4 L8
        "mqls": 3,  # L1 L2 L3
        "mql_per_lead": 0.75,
        "follow_up_rate": 0.3333,
        "opportunities_created": 3,  # O1 O5 O6
        "opps_per_mql": 1.0,
        "new_pipeline": Decimal("160000.00"),
        "pipeline_per_opp": Decimal("53333.33"),
        "sdr_bookings": Decimal("150000.00"),
        "pct_bookings_sdr": 1.0,
        "sdr_headcount": 1,
        "closed_won_revenue": Decimal("150000.00"),
        "new_deals": 2,
        "asp": Decimal("75000.00"),
        "win_rate": 1.0,
        "pct_reaching_stage_2": 0.6667,
    }


def test_an_ae_alone_has_null_lead_ratios(funnel_world: FunnelWorld) -> None:
    values = report(funnel_world, user_id=funnel_world.ae1.pk).metrics.values()
    assert values == {
        "leads": 0,
        "mqls": 0,
        "mql_per_lead": None,
        "follow_up_rate": None,
        "opportunities_created": 4,  # O1 O3 O5 O6 (handed to ae1)
        "opps_per_mql": None,
        "new_pipeline": Decimal("190000.00"),
        "pipeline_per_opp": Decimal("47500.00"),
        "sdr_bookings": Decimal("150000.00"),
        "pct_bookings_sdr": 1.0,
        "sdr_headcount": 0,
        "closed_won_revenue": Decimal("150000.00"),
        "new_deals": 2,
        "asp": Decimal("75000.00"),
        "win_rate": 0.6667,
        "pct_reaching_stage_2": 0.75,
    }


def test_a_team_counts_opportunities_its_people_sourced_or_own(
    funnel_world: FunnelWorld,
) -> None:
    values = report(funnel_world, team_id=funnel_world.west.pk).metrics.values()
    assert values == {
        "leads": 2,
        "mqls": 1,
        "mql_per_lead": 0.5,
        "follow_up_rate": 1.0,
        "opportunities_created": 1,  # O3 (sourced by sdr2); O4 is ae2's own
        "opps_per_mql": 1.0,
        "new_pipeline": Decimal("30000.00"),
        "pipeline_per_opp": Decimal("30000.00"),
        "sdr_bookings": Decimal("0.00"),
        "pct_bookings_sdr": 0.0,
        "sdr_headcount": 1,
        "closed_won_revenue": Decimal("80000.00"),
        "new_deals": 1,
        "asp": Decimal("80000.00"),
        "win_rate": 0.5,
        "pct_reaching_stage_2": 0.5,
    }


def test_an_empty_period_has_zero_counts_and_null_ratios(funnel_world: FunnelWorld) -> None:
    empty = funnel_report(
        organization=funnel_world.org, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 3, 31)
    )
    values = empty.metrics.values()
    assert {k: v for k, v in values.items() if v is not None} == {
        "leads": 0,
        "mqls": 0,
        "opportunities_created": 0,
        "new_pipeline": Decimal("0.00"),
        "sdr_bookings": Decimal("0.00"),
        "sdr_headcount": 0,  # nobody held the role yet
        "closed_won_revenue": Decimal("0.00"),
        "new_deals": 0,
    }
    assert [name for name, value in values.items() if value is None] == [
        "mql_per_lead",
        "follow_up_rate",
        "opps_per_mql",
        "pipeline_per_opp",
        "pct_bookings_sdr",
        "asp",
        "win_rate",
        "pct_reaching_stage_2",
    ]
    assert empty.plays == []


def test_the_per_person_table_equals_asking_for_each_person(funnel_world: FunnelWorld) -> None:
    full = report(funnel_world, people=True)
    assert full.people is not None
    table = {row.user.username: row.metrics.values() for row in full.people}
    assert sorted(table) == ["ae1", "ae2", "sdr1", "sdr2"]
    for row in full.people:
        alone = report(funnel_world, user_id=row.user.pk).metrics.values()
        assert table[row.user.username] == alone, row.user.username


def test_monthly_trend(funnel_world: FunnelWorld) -> None:
    trend = report(funnel_world, bucket="month").trend
    assert [(p.label, m.leads, m.mqls, m.opportunities_created, m.new_deals) for p, m in trend] == [
        ("2026-04", 3, 3, 1, 1),  # L1 L2 L8 · L1 L2 L3 · O1 · O2
        ("2026-05", 2, 1, 1, 1),  # L6 L7 · L6 · O3 · O1
        ("2026-06", 1, 0, 2, 1),  # L4 · — · O5 O6 · O4
    ]
    assert [m.closed_won_revenue for _p, m in trend] == [
        Decimal("50000.00"),
        Decimal("100000.00"),
        Decimal("80000.00"),
    ]
    assert [m.sdr_headcount for _p, m in trend] == [2, 2, 2]


def test_weekly_trend_clips_the_first_and_last_week(funnel_world: FunnelWorld) -> None:
    trend = report(funnel_world, bucket="week").trend
    assert (trend[0][0].label, trend[0][0].first, trend[0][0].last) == (
        "2026-W14",
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 5),
    )
    assert (trend[-1][0].label, trend[-1][0].first, trend[-1][0].last) == (
        "2026-W27",
        dt.date(2026, 6, 29),
        dt.date(2026, 6, 30),
    )
    assert sum(m.leads for _p, m in trend) == 6
    assert trend[0][1].leads == 2  # L8 (Apr 1 00:00) and L1 (Apr 2)


def test_a_seller_cannot_ask_for_another_team(funnel_world: FunnelWorld) -> None:
    with pytest.raises(NotFound):
        report(funnel_world, team_id=funnel_world.west.pk, viewer=funnel_world.sdr1)
    with pytest.raises(NotFound):
        report(funnel_world, user_id=funnel_world.sdr2.pk, viewer=funnel_world.sdr1)


def test_a_seller_sees_their_teams_numbers_by_default(funnel_world: FunnelWorld) -> None:
    mine = report(funnel_world, viewer=funnel_world.sdr1).metrics.values()
    team = report(funnel_world, team_id=funnel_world.pipeline.pk).metrics.values()
    assert mine == team
    assert mine["leads"] == 4


def test_a_teams_per_person_table_equals_asking_for_each_person_in_it(
    funnel_world: FunnelWorld,
) -> None:
    west = report(funnel_world, team_id=funnel_world.west.pk, people=True)
    assert west.people is not None
    table = {row.user.username: row.metrics.values() for row in west.people}
    assert sorted(table) == ["ae2", "sdr2"]
    for row in west.people:
        alone = report(
            funnel_world, team_id=funnel_world.west.pk, user_id=row.user.pk
        ).metrics.values()
        assert table[row.user.username] == alone, row.user.username
