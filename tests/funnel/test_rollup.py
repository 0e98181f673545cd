"""The daily roll-up stays equal to the base tables whatever writes them: services, bulk SQL,
updates that move a record between days, owners or teams, deletes — and a write that touches
no column the funnel reads marks nothing."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from patron.funnel import rollup_triggers
from patron.funnel.metrics import FunnelQuery
from patron.funnel.models import FunnelDay, FunnelDirtyHour, FunnelGrain, Opportunity
from patron.funnel.rollup import days_settle, hours_to_days, rebuild_all
from patron.leads.models import Lead
from tests.funnel.conftest import Q2, FunnelWorld, at, dirty_triggers, hold_exclusively
from tests.funnel.test_metrics import ORGANIZATION

pytestmark = pytest.mark.django_db


def quarter(world: FunnelWorld, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    return FunnelQuery(world.org, Q2[0], Q2[1], **kwargs).metrics()[0].values()


def rows() -> list[tuple]:  # type: ignore[type-arg]
    columns = (
        "grain", "day", "part", "sourced", "owner_id", "source_sdr_id", "team_id",
        "source_team_id", "play_id", "records", "followed_up", "reached_stage_2", "won", "lost",
        "amount",
    )  # fmt: skip
    values = FunnelDay.objects.values_list(*columns)
    return sorted(values, key=lambda row: [(value is None, value or 0) for value in row])


def test_settling_leaves_no_dirty_hour_and_a_second_settle_does_nothing(
    funnel_world: FunnelWorld,
) -> None:
    assert FunnelDirtyHour.objects.count() > 0  # the services' writes, through the triggers
    assert days_settle(funnel_world.org) > 0
    assert FunnelDirtyHour.objects.count() == 0
    before = rows()
    assert days_settle(funnel_world.org) == 0
    assert rows() == before


def test_a_full_rebuild_gives_the_same_rows_as_the_settled_days(
    funnel_world: FunnelWorld,
) -> None:
    days_settle(funnel_world.org)
    settled = rows()
    assert FunnelDay.objects.filter(grain=FunnelGrain.DETAIL, part=1).count() == 8  # day, owner
    assert rebuild_all(funnel_world.org) > 90
    assert rows() == settled
    assert quarter(funnel_world) == ORGANIZATION


def test_a_write_the_funnel_does_not_read_marks_no_day(funnel_world: FunnelWorld) -> None:
    days_settle(funnel_world.org)
    Lead.objects.filter(pk=funnel_world.l1.pk).update(contact_name="Someone else")
    Opportunity.objects.filter(pk=funnel_world.o1.pk).update(name="Renamed")
    assert FunnelDirtyHour.objects.count() == 0


def test_bulk_sql_writes_reach_the_report(funnel_world: FunnelWorld) -> None:
    """Writes that bypass the services (an import, the admin, SQL by hand) are seen too."""
    assert quarter(funnel_world)["leads"] == 6
    l1 = funnel_world.l1
    Lead.objects.bulk_create(
        [
            Lead(
                organization=funnel_world.org,
                external_id=f"BULK-{n}",
                company_name="Bulk",
                owner=funnel_world.sdr2,
                team=funnel_world.west,
                created_at=at("2026-05-01 12:00"),
            )
            for n in range(3)
        ]
    )
    assert quarter(funnel_world)["leads"] == 9
    assert quarter(funnel_world, team_ids=frozenset({funnel_world.west.pk}))["leads"] == 5

    # a back-dated move: L1 out of the quarter, its MQL moment too
    Lead.objects.filter(pk=l1.pk).update(
        created_at=at("2026-03-01 10:00"), mql_at=at("2026-03-01 10:05")
    )
    moved = quarter(funnel_world)
    assert (moved["leads"], moved["mqls"], moved["follow_up_rate"]) == (8, 3, 0.3333)

    # a lead handed to the other team moves between the teams' numbers
    Lead.objects.filter(external_id="BULK-0").update(
        owner=funnel_world.sdr1, team=funnel_world.pipeline
    )
    assert quarter(funnel_world, team_ids=frozenset({funnel_world.west.pk}))["leads"] == 4
    assert quarter(funnel_world, user_id=funnel_world.sdr1.pk)["leads"] == 4

    Lead.objects.filter(external_id__startswith="BULK-").delete()
    assert quarter(funnel_world)["leads"] == 5


def test_opportunity_changes_move_created_and_closed_days(funnel_world: FunnelWorld) -> None:
    o1, o4 = funnel_world.o1, funnel_world.o4
    # O4 (won Jun 30 23:00, 80,000) closes an hour later: July, out of the quarter
    Opportunity.objects.filter(pk=o4.pk).update(closed_at=at("2026-07-01 00:00"))
    values = quarter(funnel_world)
    assert (values["new_deals"], values["closed_won_revenue"]) == (2, Decimal("150000.00"))
    # O1's amount is corrected: new pipeline and bookings follow
    Opportunity.objects.filter(pk=o1.pk).update(base_amount=Decimal("120000.00"))
    values = quarter(funnel_world)
    assert values["new_pipeline"] == Decimal("210000.00")
    assert values["sdr_bookings"] == Decimal("170000.00")
    # its source SDR changes: sdr2 gets the opportunity, sdr1 loses it
    Opportunity.objects.filter(pk=o1.pk).update(
        source_sdr=funnel_world.sdr2, source_team=funnel_world.west
    )
    sdr2 = quarter(funnel_world, user_id=funnel_world.sdr2.pk)
    assert (sdr2["opportunities_created"], sdr2["sdr_bookings"]) == (2, Decimal("120000.00"))
    sdr1 = quarter(funnel_world, user_id=funnel_world.sdr1.pk)
    assert sdr1["opportunities_created"] == 2  # O5 O6
    Opportunity.objects.filter(pk=o4.pk).delete()
    assert quarter(funnel_world)["pct_reaching_stage_2"] == 0.75  # O1 O3 O6 of O1 O3 O5 O6


def test_days_are_local_days_of_the_organization(funnel_world: FunnelWorld) -> None:
    """L8 was created at 00:00 on Apr 1 in Shanghai (16:00 on Mar 31 in UTC), L3 at 23:30
    on Mar 31 (15:30 UTC)."""
    days_settle(funnel_world.org)
    created = FunnelDay.objects.filter(grain=FunnelGrain.DETAIL, part=1, owner=funnel_world.sdr1)
    assert created.get(day=dt.date(2026, 4, 1)).records == 1
    assert created.get(day=dt.date(2026, 3, 31)).records == 1


def test_an_hour_straddling_midnight_marks_both_days() -> None:
    hour = dt.datetime(2026, 4, 1, 18, tzinfo=dt.UTC)  # 23:30 → 00:29 in Kolkata
    assert hours_to_days([hour], "Asia/Kolkata") == [dt.date(2026, 4, 1), dt.date(2026, 4, 2)]
    assert hours_to_days([hour], "Asia/Shanghai") == [dt.date(2026, 4, 2)]


def test_the_triggers_exist_on_this_database() -> None:
    with connection.cursor() as cursor:
        names = {
            name
            for name in connection.introspection.get_table_list(cursor)
            if name.name == "funnel_funneldirtyhour"
        }
    assert len(names) == 1
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'funnel_dirty_%' ORDER BY 1"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'funnel_dirty_%' ORDER BY 1"
            )
        triggers = [row[0] for row in cursor.fetchall()]
    assert triggers == [
        f"funnel_dirty_{table}_{event}"
        for table in ("lead", "opportunity")
        for event in ("delete", "insert", "update")
    ]


def test_the_rebuild_command(funnel_world: FunnelWorld) -> None:
    out = io.StringIO()
    call_command("metrics", "rebuild", stdout=out)
    # from O2's creation on Mar 15 to L5 and O6 on Jul 1, in Shanghai days
    assert out.getvalue().strip() == "Rebuilt the funnel roll-up: 109 days."
    assert FunnelDirtyHour.objects.count() == 0
    assert quarter(funnel_world) == ORGANIZATION


def _bulk_leads(world: FunnelWorld, ids: list[str]) -> None:
    from patron.core.bulk import insert_rows
    from patron.imports.writers import column_defaults

    provided = {
        "organization_id": world.org.pk,
        "company_name": "Bulk",
        "owner_id": world.sdr2.pk,
        "team_id": world.west.pk,
        "created_at": connection.ops.adapt_datetimefield_value(at("2026-05-01 12:00")),
    }
    defaults = column_defaults(Lead, [*provided, "external_id"])
    columns = [*provided, *defaults, "external_id"]
    values = [*provided.values(), *defaults.values()]
    insert_rows("leads_lead", columns, [(*values, external_id) for external_id in ids])


@pytest.mark.parametrize("bulk_load", [False, True], ids=["insert", "bulk-load"])
def test_a_bulk_insert_marks_its_hours_and_keeps_the_trigger(
    funnel_world: FunnelWorld, bulk_load: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk insert runs without the insert trigger and marks the new rows' hours in one
    statement — on SQLite always, on PostgreSQL in a bulk load (the table held exclusively);
    the trigger is back afterwards, also when the insert fails."""
    paused: list[str] = []
    mark = rollup_triggers._mark_rows_above
    monkeypatch.setattr(
        rollup_triggers,
        "_mark_rows_above",
        lambda table, last_id: (paused.append(table), mark(table, last_id)),
    )
    triggers = ["funnel_dirty_lead_insert", "funnel_dirty_opportunity_insert"]
    days_settle(funnel_world.org)
    with transaction.atomic():
        if bulk_load:
            hold_exclusively("leads_lead")
        _bulk_leads(funnel_world, ["BULK-1", "BULK-2"])
    assert paused == (["leads_lead"] if bulk_load or connection.vendor == "sqlite" else [])
    assert dirty_triggers("insert") == triggers
    assert FunnelDirtyHour.objects.count() == 1  # 12:00 on May 1 in Shanghai: 04:00 UTC
    if paused:  # the set-wise mark adds an hour once (PostgreSQL's trigger may add it again)
        with transaction.atomic():
            hold_exclusively("leads_lead")
            _bulk_leads(funnel_world, ["BULK-4"])
        assert FunnelDirtyHour.objects.count() == 1
    assert quarter(funnel_world)["leads"] == (9 if paused else 8)
    # bulk inserts write through the DB-API connection; its error is raised as Django's
    with pytest.raises(IntegrityError), transaction.atomic():
        if bulk_load:
            hold_exclusively("leads_lead")
        _bulk_leads(funnel_world, ["BULK-3", "BULK-1"])  # BULK-1 is already there
    assert dirty_triggers("insert") == triggers
    assert FunnelDirtyHour.objects.count() == 0  # the report settled them; nothing new
    assert quarter(funnel_world)["leads"] == (9 if paused else 8)
    Lead.objects.create(
        organization=funnel_world.org,
        external_id="ONE",
        company_name="One",
        owner=funnel_world.sdr2,
        team=funnel_world.west,
        created_at=at("2026-05-02 12:00"),
    )
    assert quarter(funnel_world)["leads"] == (10 if paused else 9)  # the trigger works again


def test_a_new_time_zone_counts_the_days_again(funnel_world: FunnelWorld) -> None:
    """L3 (23:30 on Mar 31) and L8 (00:00 on Apr 1) in Shanghai are both on Mar 31 in UTC."""
    from django.contrib.admin.sites import site

    from patron.core.models import Organization

    days_settle(funnel_world.org)
    created = FunnelDay.objects.filter(
        grain=FunnelGrain.DETAIL, part=1, owner=funnel_world.sdr1, day__lte=dt.date(2026, 4, 1)
    )
    assert list(created.order_by("day").values_list("day", "records")) == [
        (dt.date(2026, 3, 31), 1),
        (dt.date(2026, 4, 1), 1),
    ]

    class ChangedTimeZone:
        changed_data = ["time_zone"]

    funnel_world.org.time_zone = "UTC"
    site._registry[Organization].save_model(None, funnel_world.org, ChangedTimeZone(), True)
    assert list(created.order_by("day").values_list("day", "records")) == [
        (dt.date(2026, 3, 31), 2)
    ]


# what ANALYZE wrote for leads_lead with 1,050,000 leads of one organization (bench data set)
PRODUCTION_STATS = {
    "lead_created": "1050000 1050000 1 1 1",
    "lead_mql_at": "1050000 1050000 1 1 1 1",
    "lead_owner_created": "1050000 1050000 525000 1 1",
    "lead_team_created": "1050000 1050000 1050000 1",
}


def test_each_part_reads_its_table_by_the_moments_index(funnel_world: FunnelWorld) -> None:
    """Two hundred days at once: SQLite, left to its statistics, built an automatic index on
    the organization and read all 1,050,000 leads once per day (443 s for two years instead of
    1.4 s), or read the opportunities outside and scanned the days for each. Each part reads
    the days outside and its table by the moment's index, inside."""
    from patron.funnel.rollup import day_bounds, parts_sql

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(200)]
    bounds, params = day_bounds(funnel_world.org, days)
    statements = parts_sql(bounds)
    expected = [
        ("leads_lead", "lead_created", "created_at"),
        ("leads_lead", "lead_mql_at", "mql_at"),
        ("funnel_opportunity", "opportunity_created", "created_at"),
        ("funnel_opportunity", "opportunity_closed", "closed_at"),
    ]
    if connection.vendor == "postgresql":  # no such clause; its planner sees real sizes
        assert ["INDEXED BY" in sql for sql in statements] == [False] * 4
        return
    # the same tables and indexes in a database of their own, with the statistics of the
    # bench data set (loaded statistics would stay with the test's connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('leads_lead', 'funnel_opportunity')"
            " AND type IN ('table', 'index') AND sql IS NOT NULL"
        )
        schema = [row[0] for row in cursor.fetchall()]
    planner = sqlite3.connect(":memory:")
    for ddl in schema:
        planner.execute(ddl)
    planner.execute("ANALYZE")
    planner.executemany(
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('leads_lead', ?, ?)",
        PRODUCTION_STATS.items(),
    )
    planner.execute("ANALYZE sqlite_schema")  # load the statistics
    plans = []
    for sql in statements:
        select = f"{bounds}{sql[sql.index(' SELECT ') :]}".replace("%s", "?")
        rows = planner.execute(f"EXPLAIN QUERY PLAN {select}", [*params, funnel_world.org.pk])
        plans.append([row[3] for row in rows])
    planner.close()
    for plan, (_table, index, moment) in zip(plans, expected, strict=True):
        by_range = f"INDEX {index} (organization_id=? AND {moment}>? AND {moment}<?)"
        searches = [
            "range" if step.endswith(by_range) else step
            for step in plan
            if step == "SCAN b" or step.startswith("SEARCH r ")
        ]
        assert searches == ["SCAN b", "range"], plan
