"""Duplicates: match keys, merge (keeps activities, opportunities and history), dismiss,
the scan of stored leads, and who sees which duplicates."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.utils import timezone

from patron.activities.models import Activity, ActivityKind, CallOutcome
from patron.activities.services import activity_log
from patron.companies.models import Company, Contact
from patron.core.audit import audit_trail
from patron.core.errors import ValidationFailed
from patron.core.models import AuditEvent
from patron.funnel.models import Opportunity
from patron.funnel.opportunities import opportunity_create
from patron.leads import rules
from patron.leads.choices import DuplicateStatus, LeadStatus, MatchKey
from patron.leads.models import Lead, LeadDuplicate
from patron.leads.selectors import duplicate_list, duplicate_queryset
from patron.leads.services import (
    duplicate_dismiss,
    duplicate_merge,
    duplicates_scan,
    lead_create,
    lead_keys_refresh,
    lead_merge,
    lead_update,
)

KEY_CASES = [
    # email, phone, company, contact → email_key, phone_key, name_key
    (
        " Ann@Example.COM ",
        "+86 138-0013-8000",
        "Acme Co., Ltd.",
        "Ann Lee",
        "ann@example.com",
        "13800138000",
        "acme|annlee",
    ),
    (
        "ａｎｎ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "0086 13800138000",
        "ＡＣＭＥ　Co.,Ltd",
        "ann  lee",
        "ann@example.com",
        "13800138000",
        "acme|annlee",
    ),
    ("", "010-1234 5678", "北京华为技术有限公司", "张三", None, "1012345678", "北京华为技术|张三"),
    (
        None,
        "86 10 1234 5678",
        "北京华为技术股份有限公司",
        "张 三",
        None,
        "1012345678",
        "北京华为技术|张三",
    ),
    (None, "(0)21 5555 6666", "上海华信集团有限公司", "", None, "2155556666", None),
    (None, "12345", "Tesco", "Li Si", None, None, "tesco|lisi"),
    (
        None,
        "８６１３８００１３８０００",
        "Foo Company Limited",
        "Bob",
        None,
        "13800138000",
        "foo|bob",
    ),
    (None, None, "有限公司", "王五", None, None, None),
    (None, None, "Bar Inc.", "A.B.", None, None, "bar|ab"),
]


@pytest.mark.parametrize("case", KEY_CASES)
def test_match_keys_are_the_same_in_python_and_polars(case):
    email, phone, company, contact, *expected = case
    python = (
        rules.email_key(email),
        rules.phone_key(phone),
        rules.name_key(company, contact),
    )
    frame = rules.with_keys(
        pl.DataFrame(
            {"e": [email], "p": [phone], "c": [company], "n": [contact]},
            schema=dict.fromkeys("epcn", pl.String),
        ),
        email="e",
        phone="p",
        company="c",
        contact="n",
    )
    polars = tuple(frame.select("email_key", "phone_key", "name_key").row(0))
    assert python == tuple(expected)
    assert polars == tuple(expected)


@pytest.fixture
def seller(user_factory, team):
    return user_factory("seller", roles=["sdr"], team=team)


@pytest.fixture
def other_seller(user_factory, team_factory):
    return user_factory("other", roles=["sdr"], team=team_factory("North"))


def lead(organization, owner, external_id, **values):
    values.setdefault("company_name", "Acme Co., Ltd.")
    values.setdefault("contact_name", "Ann Lee")
    return lead_create(organization=organization, external_id=external_id, owner=owner, **values)


def test_services_keep_the_match_keys(organization, seller):
    created = lead(organization, seller, "L1", email="Ann@Acme.cn", phone="+86 139 0000 1111")
    assert (created.email_key, created.phone_key, created.name_key) == (
        "ann@acme.cn",
        "13900001111",
        "acme|annlee",
    )
    updated = lead_update(lead=created, email="", contact_name="Bob")
    assert (updated.email_key, updated.phone_key, updated.name_key) == (
        None,
        "13900001111",
        "acme|bob",
    )
    Lead.objects.filter(pk=created.pk).update(email_key=None, phone_key=None, name_key=None)
    assert lead_keys_refresh(organization_id=organization.pk) == 1
    assert Lead.objects.values_list("email_key", "phone_key", "name_key").get() == (
        None,
        "13900001111",
        "acme|bob",
    )


def test_merge_moves_activities_and_opportunities_and_audits_both(organization, seller, manager):
    survivor = lead(organization, seller, "L1", email="ann@acme.cn")
    duplicate = lead(organization, seller, "L2", title="CTO", phone="13900001111")
    call = activity_log(
        organization=organization,
        kind=ActivityKind.CALL,
        user=seller,
        lead=duplicate,
        occurred_at=timezone.now(),
        outcome=CallOutcome.CONNECTED,
        note="interested",
    )
    company = Company.objects.create(organization=organization, external_id="C1", name="Acme")
    deal = opportunity_create(
        organization=organization, by=manager, name="Acme deal", company=company, lead=duplicate
    )
    kept = lead_merge(survivor=survivor, duplicate=duplicate, by=manager)
    assert Activity.objects.get(pk=call.pk).lead_id == survivor.pk
    assert Opportunity.objects.get(pk=deal.pk).lead_id == survivor.pk
    assert (kept.title, kept.phone, kept.phone_key, kept.email) == (
        "CTO",
        "13900001111",
        "13900001111",
        "ann@acme.cn",
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (LeadStatus.MERGED, survivor.pk)
    survivor_event = audit_trail(survivor).filter(action=AuditEvent.Action.UPDATE).get()
    assert survivor_event.actor_label == "manager"
    assert survivor_event.changes["merged_from"] == [None, duplicate.pk]
    assert survivor_event.changes["title"] == [None, "CTO"]
    assert survivor_event.changes["moved"] == {"activities.activity": 1, "funnel.opportunity": 1}
    duplicate_event = audit_trail(duplicate).filter(action=AuditEvent.Action.UPDATE).get()
    assert duplicate_event.changes == {
        "status": ["new", "merged"],
        "merged_into": [None, survivor.pk],
    }
    # the merged lead's own history is kept
    assert audit_trail(duplicate).filter(action=AuditEvent.Action.CREATE).count() == 1


def test_merge_refuses_itself_and_twice_and_changes_nothing(organization, seller, manager):
    survivor = lead(organization, seller, "L1")
    duplicate = lead(organization, seller, "L2")
    with pytest.raises(ValidationFailed):
        lead_merge(survivor=survivor, duplicate=survivor, by=manager)
    lead_merge(survivor=survivor, duplicate=duplicate, by=manager)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as error:
        lead_merge(survivor=survivor, duplicate=duplicate, by=manager)
    assert error.value.field_errors == {"duplicate": "this lead was already merged"}
    assert AuditEvent.objects.count() == before


def imported_duplicate(organization, matched, **values):
    row = {
        "company_name": "Acme Ltd",
        "contact_name": "ANN LEE",
        "title": "Buyer",
        "email": "",
        "phone": "021-5555 6666",
        "industry": "retail",
        "source": "fair",
        "region_id": None,
        "owner_id": None,
        "created_at": "2026-03-01T01:30:00+00:00",
        **values,
    }
    return LeadDuplicate.objects.create(
        organization=organization,
        external_id="N1",
        row=2,
        values=row,
        matched_lead=matched,
        match_key=MatchKey.NAME,
    )


def test_merging_an_imported_row_fills_the_blank_fields_of_the_match(organization, seller):
    matched = lead(organization, seller, "L1", title="CIO")
    duplicate = imported_duplicate(organization, matched)
    survivor = duplicate_merge(duplicate=duplicate, by=seller)
    assert (survivor.pk, survivor.title, survivor.phone, survivor.industry, survivor.source) == (
        matched.pk,
        "CIO",
        "021-5555 6666",
        "retail",
        "fair",
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.resolved_by_id) == (DuplicateStatus.MERGED, seller.pk)
    assert Lead.objects.count() == 1
    with pytest.raises(ValidationFailed):
        duplicate_merge(duplicate=duplicate, by=seller)


def test_dismissing_an_imported_row_creates_it_as_a_lead(organization, seller):
    matched = lead(organization, seller, "L1")
    duplicate = imported_duplicate(organization, matched, owner_id=seller.pk)
    created = duplicate_dismiss(duplicate=duplicate, by=seller)
    assert (created.external_id, created.contact_name, created.owner_id, created.phone_key) == (
        "N1",
        "ANN LEE",
        seller.pk,
        "2155556666",
    )
    assert created.created_at == dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.lead_id) == (DuplicateStatus.DISMISSED, created.pk)
    assert audit_trail(duplicate).get().changes == {
        "status": ["open", "dismissed"],
        "lead": [None, created.pk],
    }


def test_merging_a_scanned_duplicate_lead_merges_the_records(organization, seller):
    first = lead(organization, seller, "L1", email="ann@acme.cn")
    second = lead(organization, seller, "L2", email="ANN@acme.cn", contact_name="Annie")
    Lead.objects.filter(pk=second.pk).update(created_at=timezone.now())
    assert duplicates_scan(organization=organization) == 1  # by email (then one per lead)
    found = LeadDuplicate.objects.filter(lead=second, match_key=MatchKey.EMAIL).get()
    assert (found.matched_lead_id, found.status) == (first.pk, DuplicateStatus.OPEN)
    duplicate_merge(duplicate=found, by=seller)
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == (LeadStatus.MERGED, first.pk)
    assert LeadDuplicate.objects.filter(status=DuplicateStatus.OPEN).count() == 0
    assert duplicates_scan(organization=organization) == 0


def test_a_seller_sees_duplicates_of_own_leads_a_manager_the_team_admin_all(
    organization, seller, other_seller, manager, patron_admin
):
    mine = imported_duplicate(organization, lead(organization, seller, "L1"))
    theirs = imported_duplicate(organization, lead(organization, other_seller, "L2"))
    company = Company.objects.create(
        organization=organization, external_id="C1", name="Acme", owner=seller, team=seller.team
    )
    contact = Contact.objects.create(
        organization=organization, company=company, external_id="P1", name="Ann"
    )
    on_contact = LeadDuplicate.objects.create(
        organization=organization,
        external_id="N9",
        matched_contact=contact,
        match_key=MatchKey.EMAIL,
    )

    def visible(user):
        return set(duplicate_list(user).values_list("pk", flat=True))

    assert visible(seller) == {mine.pk, on_contact.pk}
    assert visible(other_seller) == {theirs.pk}
    assert visible(manager) == {mine.pk, on_contact.pk}
    assert visible(patron_admin) == {mine.pk, theirs.pk, on_contact.pk}
    assert duplicate_queryset(other_seller).filter(pk=mine.pk).exists() is False


def test_merge_takes_the_duplicate_off_its_owners_prospect_list(organization, seller, manager):
    from patron.prospecting.models import LeadScore
    from patron.prospecting.services import profile_save

    profile_save(seller=seller, targets={"industry": [("manufacturing", 2)]})
    survivor = lead(organization, seller, "L1", email="ann@acme.cn", industry="manufacturing")
    duplicate = lead(organization, seller, "L2", phone="13900001111", industry="manufacturing")
    assert set(LeadScore.objects.values_list("lead_id", flat=True)) == {survivor.pk, duplicate.pk}
    activity_log(
        organization=organization,
        kind=ActivityKind.CALL,
        user=seller,
        lead=duplicate,
        occurred_at=timezone.now(),
        outcome=CallOutcome.CONNECTED,
    )
    lead_merge(survivor=survivor, duplicate=duplicate, by=manager)
    assert list(LeadScore.objects.values_list("lead_id", "seller_id")) == [(survivor.pk, seller.pk)]
    assert Lead.objects.get(pk=duplicate.pk).status == LeadStatus.MERGED
