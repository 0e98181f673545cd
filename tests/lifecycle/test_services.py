from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from patron.companies.models import Company
from patron.core.models import AuditEvent
from patron.core.months import parse_month
from patron.lifecycle.models import CompanyMonth, Handoff, LifecycleEvent
from patron.lifecycle.services import lifecycle_recompute
from patron.sales.services import order_update

THROUGH = parse_month("2026-06")


def stages(company):
    return list(
        CompanyMonth.objects.filter(company=company).order_by("month").values_list("month", "stage")
    )


def snapshot():
    return (
        sorted(
            CompanyMonth.objects.values_list(
                "company_id",
                "month",
                "stage",
                "is_active",
                "revenue",
                "families_owned",
                "owner_id",
                "team_id",
            )
        ),
        sorted(
            LifecycleEvent.objects.values_list("company_id", "month", "kind", "amount", "owner_id")
        ),
        sorted(Handoff.objects.values_list("company_id", "from_user_id", "to_user_id", "month")),
    )


def m(text):
    return dt.date.fromisoformat(text + "-01")


def test_recompute_twice_gives_the_same_result(world):
    a, b = world.company("A"), world.company("B")
    world.order(a, "2026-01-05")
    world.order(a, "2026-02-05", product=world.mail)
    world.order(b, "2026-03-05")
    first = lifecycle_recompute(organization=world.org, through_month=THROUGH)
    before = snapshot()
    second = lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert snapshot() == before
    assert (first.companies, first.months, first.events) == (2, 10, 6)
    assert (second.months, second.events, second.handoffs, second.rewritten) == (10, 6, 0, 0)
    forced = lifecycle_recompute(organization=world.org, through_month=THROUGH, force=True)
    assert forced.rewritten == 2
    assert snapshot() == before


def test_back_dated_order_recomputes_the_months_it_affects(world):
    a = world.company("A")
    world.order(a, "2026-03-10")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert stages(a)[0] == (m("2026-03"), "new_customer")
    untouched = world.company("B")
    world.order(untouched, "2026-02-01")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    world.order(a, "2026-01-20")  # back-dated: now the first order
    b_rows = stages(untouched)
    result = lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert result.rewritten == 1  # only A changed
    assert stages(untouched) == b_rows
    assert stages(a) == [
        (m("2026-01"), "new_customer"),
        (m("2026-02"), "visitor"),
        (m("2026-03"), "account"),
        (m("2026-04"), "account"),
        (m("2026-05"), "account"),
        (m("2026-06"), "lapsed"),
    ]
    assert sorted(LifecycleEvent.objects.filter(company=a).values_list("month", "kind")) == [
        (m("2026-01"), "became_customer"),
        (m("2026-02"), "became_visitor"),
        (m("2026-03"), "became_account"),
        (m("2026-03"), "returned"),
        (m("2026-03"), "upsold"),
        (m("2026-06"), "lapsed"),
    ]


def test_order_service_keeps_the_company_current(world):
    a = world.company("A")
    world.order(a, "2026-01-05")
    world.order(a, "2026-02-05")
    a.refresh_from_db()
    # the order service recomputes through the current month; the stored F row is January
    assert CompanyMonth.objects.get(company=a, month=m("2026-01")).stage == "new_customer"
    assert CompanyMonth.objects.get(company=a, month=m("2026-02")).stage == "account"
    assert a.first_order_date == dt.date(2026, 1, 5)


def test_cancelled_and_refunded_orders_do_not_count(world):
    a = world.company("A")
    world.order(a, "2026-01-05", status="cancelled")
    world.order(a, "2026-02-05", status="refunded")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert CompanyMonth.objects.filter(company=a).count() == 0
    assert Company.objects.get(pk=a.pk).stage == "prospect"
    second = world.order(a, "2026-03-05")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert stages(a)[0] == (m("2026-03"), "new_customer")
    order_update(order=second, status="cancelled")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert CompanyMonth.objects.filter(company=a).count() == 0


def test_month_boundaries_are_in_the_organization_time_zone(world):
    a = world.company("A")
    # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Shanghai: an April order
    order = world.order(a, dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC))
    assert order.order_date == dt.date(2026, 4, 1)
    b = world.company("B")
    # 2026-03-31 15:59 UTC is still March 31 in Shanghai
    world.order(b, dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC))
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert stages(a)[0] == (m("2026-04"), "new_customer")
    assert stages(b)[0] == (m("2026-03"), "new_customer")


def test_service_period_keeps_an_account_active(world):
    a = world.company("A")
    world.order(a, "2026-01-05", service=("2026-01-05", "2026-03-04"))
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert [stage for _, stage in stages(a)] == [
        "new_customer",
        "account",
        "account",
        "account",
        "account",
        "lapsed",
    ]


def test_new_account_is_handed_to_the_least_loaded_am_of_the_team(world):
    existing = world.company("X")
    world.order(existing, "2026-01-05")
    world.order(existing, "2026-02-05")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    first = Handoff.objects.get(company=existing)
    assert (first.from_user_id, first.to_user_id, first.month, first.rule) == (
        world.bdm.id,
        world.am1.id,
        dt.date(2026, 2, 1),
        "team_least_loaded",
    )
    # an annual subscription keeps X an active account of am1 today
    world.order(existing, "2026-06-01", service=("2026-06-01", "2027-05-31"))
    newer = world.company("Y")
    world.order(newer, "2026-05-05")
    world.order(newer, "2026-06-05")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    handoff = Handoff.objects.get(company=newer)
    assert handoff.to_user_id == world.am2.id  # am1 already has one account
    newer.refresh_from_db()
    assert (newer.owner_id, newer.team_id) == (world.am2.id, world.team.id)
    # the BDM keeps the credit for the new customer month, the AM owns the account months
    assert list(
        CompanyMonth.objects.filter(company=newer).order_by("month").values_list("owner_id")
    ) == [(world.bdm.id,), (world.am2.id,)]
    audit = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(Company),
        object_id=newer.id,
        action="handoff",
    )
    assert audit.changes == {"owner": [world.bdm.id, world.am2.id], "month": [None, "2026-06-01"]}


def test_manual_rule_hands_nothing_off(world):
    world.org.handoff_rule = "manual"
    world.org.save()
    a = world.company("A")
    world.order(a, "2026-01-05")
    world.order(a, "2026-02-05")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    assert Handoff.objects.count() == 0
    assert Company.objects.get(pk=a.pk).owner_id == world.bdm.id


def test_revenue_is_stored_per_month_in_organization_currency(world):
    a = world.company("A")
    world.order(a, "2026-01-05", amount="199.90")
    world.order(a, "2026-01-25", amount="0.15", product=world.mail)
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    row = CompanyMonth.objects.get(company=a, month=m("2026-01"))
    assert (row.revenue, row.families_owned, row.owner_id) == (Decimal("200.05"), 2, world.bdm.id)


def test_recompute_runs_as_a_background_task(world):
    from patron.lifecycle.tasks import lifecycle_recompute_task

    a = world.company("A")
    world.order(a, "2026-01-05")
    CompanyMonth.objects.all().delete()
    result = lifecycle_recompute_task.enqueue(world.org.id, [a.id], THROUGH)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"companies": 1, "months": 6, "events": 2}
    assert CompanyMonth.objects.filter(company=a).count() == 6


def test_bulk_rewrite_rebuilds_indexes_and_unique_constraint(world, monkeypatch):
    from django.db import IntegrityError, connection, transaction

    from patron.lifecycle import services

    a, b = world.company("A"), world.company("B")
    world.order(a, "2026-01-05")
    world.order(b, "2026-02-05")
    lifecycle_recompute(organization=world.org, through_month=THROUGH)
    before = snapshot()
    monkeypatch.setattr(services, "BULK_ROWS", 0)  # take the bulk path on a small world
    result = lifecycle_recompute(organization=world.org, through_month=THROUGH, force=True)
    assert result.rewritten == 2
    assert snapshot() == before
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "lifecycle_companymonth")
    unique = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
    assert ["company_id", "month"] in unique
    assert any(c["columns"] == ["month", "team_id", "stage"] for c in constraints.values())
    row = CompanyMonth.objects.filter(company=a).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyMonth.objects.create(
            organization=world.org, company=a, month=row.month, stage="account", is_active=True
        )
