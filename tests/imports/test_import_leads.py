"""``patron import leads``: bad rows, duplicates by each key, re-import, encodings, dry run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from patron.companies.models import Company, Contact
from patron.core.models import AuditEvent
from patron.imports.models import ImportRun
from patron.leads.choices import DuplicateStatus, MatchKey, MqlSource
from patron.leads.models import Lead, LeadDuplicate
from tests.imports.conftest import read_rejects

HEADER = (
    "lead_id,company_name,contact_name,title,email,phone,industry,region,source,owner,created_at"
)


def leads_csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def counts(result):
    return (result.created, result.updated, result.unchanged, result.duplicates, result.rejected)


def snapshot():
    return (
        Lead.objects.count(),
        LeadDuplicate.objects.count(),
        AuditEvent.objects.count(),
        list(Lead.objects.order_by("id").values_list("external_id", "title", "email")),
    )


def test_good_rows_are_created_with_region_owner_industry_and_provenance(
    run, write_csv, regions, seller, team
):
    path = write_csv(
        "leads.csv",
        leads_csv(
            "L1,苏州精密机械有限公司,王强,IT经理,wq@example.cn,138 0013 8000,制造业,CN-SH,展会,"
            "bdm1,2026-03-01 09:30",
            "L2,Acme Ltd.,Anna Lee,CTO,anna@acme.com,,Software & internet,Zhejiang,web,,2026-03-02",
            "L3,,Solo Contact,,,,software,浙江省,,,",
        ),
    )
    result = run("leads", path)
    assert counts(result) == (3, 0, 0, 0, 0)
    one = Lead.objects.get(external_id="L1")
    assert (one.industry, one.region_id, one.owner_id, one.team_id) == (
        "manufacturing",
        regions["CN-SH"].pk,
        seller.pk,
        team.pk,
    )
    assert one.created_at == dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)
    assert (one.email_key, one.phone_key, one.name_key) == (
        "wq@example.cn",
        "13800138000",
        "苏州精密机械|王强",
    )
    assert one.created_by_import_id == result.run_id
    two = Lead.objects.get(external_id="L2")
    assert (two.industry, two.region_id, two.owner_id) == ("software", regions["CN-ZJ"].pk, None)
    assert two.created_at == dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)
    assert Lead.objects.get(external_id="L3").name_key is None
    run_row = ImportRun.objects.get(pk=result.run_id)
    assert (run_row.kind, run_row.created, run_row.duplicates) == ("leads", 3, 0)
    # created leads name their run instead of one audit row each
    assert AuditEvent.objects.filter(content_type__model="lead").count() == 0


def test_each_bad_row_names_its_field_and_reason_and_good_rows_still_go_in(
    run, write_csv, regions, seller
):
    path = write_csv(
        "bad.csv",
        leads_csv(
            "L1,Good Co,Good Person,,good@example.com,,,,,,",
            ",No Id Co,Someone,,,,,,,,",
            "L3,Co,Person,,not-an-email,,,,,,",
            "L4,Co,Person,,,,mining,,,,",
            "L5,Co,Person,,,,,Atlantis,,,",
            "L6,Co,Person,,,,,,,ghost,",
            "L7,Co,Person,,,,,,,,2026-13-45",
            "L8,,,,x@example.com,,,,,,",
            "L1,Again Co,Again,,,,,,,,",
            "L9,Co," + "x" * 151 + ",,,,,,,,",
        ),
    )
    before = snapshot()
    result = run("leads", path)
    assert counts(result) == (1, 0, 0, 0, 9)
    rejects = {
        row["row"]: (row["field"], row["reason"]) for row in read_rejects(result.rejects_path)
    }
    assert rejects == {
        "3": ("lead_id", "lead_id is required"),
        "4": ("email", "email is not a valid email address"),
        "5": (
            "industry",
            "industry must be one of: manufacturing, retail, software, finance, education, "
            "healthcare, logistics, real_estate, media, government, hospitality, professional",
        ),
        "6": ("region", "region: unknown or ambiguous region (use the region code)"),
        "7": ("owner", "owner: no user with this username"),
        "8": ("created_at", "created_at is not a valid date and time (use YYYY-MM-DD HH:MM)"),
        "9": ("company_name", "company_name or contact_name is required"),
        "10": ("lead_id", "lead_id appears more than once in the file (first on row 2)"),
        "11": ("contact_name", "contact_name is longer than 150 characters"),
    }
    assert Lead.objects.count() == before[0] + 1
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["L1"]


def test_a_write_failure_leaves_nothing_half_written(run, write_csv, monkeypatch):
    from patron.imports.kinds import leads as kind

    path = write_csv(
        "leads.csv",
        leads_csv("L1,A Co,A,,a@example.com,,,,,,", "L2,A Co,A,,a@example.com,,,,,,"),
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(kind, "write_duplicates", broken)
    before = snapshot()
    with pytest.raises(RuntimeError):
        run("leads", path)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ("N1,Other Co,Other Person,,WQ@Example.CN,,,,,,", MatchKey.EMAIL),
        ("N1,Other Co,Other Person,,,+86 138-0013-8000,,,,,", MatchKey.PHONE),
        ("N1,Other Co,Other Person,,,0086 13800138000,,,,,", MatchKey.PHONE),
        ("N1,苏州精密机械 有限公司,王 强,,,,,,,,", MatchKey.NAME),
        ("N1,ＡＣＭＥ　Co.， Ltd.,anna lee,,,,,,,,", MatchKey.NAME),
    ],
)
def test_a_row_matching_an_existing_lead_is_a_duplicate_not_a_second_lead(run, write_csv, row, key):
    run(
        "leads",
        write_csv(
            "first.csv",
            leads_csv(
                "L1,苏州精密机械有限公司,王强,,wq@example.cn,13800138000,,,,,",
                "L2,Acme Co. Ltd,Anna Lee,,,,,,,,",
            ),
        ),
    )
    result = run("leads", write_csv("second.csv", leads_csv(row)))
    assert counts(result) == (0, 0, 0, 1, 0)
    assert Lead.objects.filter(external_id="N1").exists() is False
    duplicate = LeadDuplicate.objects.get()
    expected = "L2" if "anna" in row else "L1"
    assert (duplicate.external_id, duplicate.matched_lead.external_id, duplicate.match_key) == (
        "N1",
        expected,
        key,
    )
    assert (duplicate.status, duplicate.import_run_id, duplicate.row) == (
        DuplicateStatus.OPEN,
        result.run_id,
        2,
    )
    assert duplicate.values["company_name"] == row.split(",")[1]
    assert ImportRun.objects.get(pk=result.run_id).duplicates == 1


def test_a_row_matching_a_contact_is_linked_to_the_contact(run, write_csv, organization):
    company = Company.objects.create(
        organization=organization, external_id="C1", name="杭州云图科技有限公司"
    )
    contact = Contact.objects.create(
        organization=organization,
        company=company,
        external_id="P1",
        name="李娜",
        email="lina@yuntu.cn",
        phone="0571-8888 6666",
    )
    path = write_csv(
        "leads.csv",
        leads_csv(
            "N1,Someone Else,Other,,LINA@yuntu.cn,,,,,,",
            "N2,Someone Else,Other2,,,+86 571 8888 6666,,,,,",
            "N3,杭州云图科技,李娜,,,,,,,,",
            "N4,Unrelated,Person,,,,,,,,",
        ),
    )
    result = run("leads", path)
    assert counts(result) == (1, 0, 0, 3, 0)
    assert list(
        LeadDuplicate.objects.order_by("row").values_list(
            "external_id", "matched_contact_id", "matched_lead_id", "match_key"
        )
    ) == [
        ("N1", contact.pk, None, "email"),
        ("N2", contact.pk, None, "phone"),
        ("N3", contact.pk, None, "name"),
    ]


def test_duplicates_within_the_same_file_link_to_the_first_row(run, write_csv):
    path = write_csv(
        "leads.csv",
        leads_csv(
            "F1,First Co,Ann,,ann@first.cn,13900001111,,,,,",
            "F2,Other Co,Bob,,ANN@first.cn,,,,,,",
            "F3,Third Co,Cid,,,139-0000-1111,,,,,",
            "F4,First Co Ltd,ann,,,,,,,,",
            "F5,Fifth,Eve,,eve@fifth.cn,,,,,,",
            "F6,Fifth Co.,Eve,,,,,,,,",
        ),
    )
    result = run("leads", path)
    assert counts(result) == (2, 0, 0, 4, 0)
    first = Lead.objects.get(external_id="F1")
    fifth = Lead.objects.get(external_id="F5")
    assert list(
        LeadDuplicate.objects.order_by("row").values_list(
            "external_id", "matched_lead_id", "match_key"
        )
    ) == [
        ("F2", first.pk, "email"),
        ("F3", first.pk, "phone"),
        ("F4", first.pk, "name"),
        ("F6", fifth.pk, "name"),
    ]


def test_reimport_updates_by_lead_id_and_does_not_report_duplicates_again(run, write_csv, regions):
    first = write_csv(
        "v1.csv",
        leads_csv("L1,Acme,Ann,Buyer,ann@acme.cn,,,,,,", "L2,Acme,Ann B,,ann@acme.cn,,,,,,"),
    )
    assert counts(run("leads", first)) == (1, 0, 0, 1, 0)
    second = write_csv(
        "v2.csv",
        leads_csv(
            "L1,Acme,Ann,IT manager,ann@acme.cn,13700001111,,CN-SH,,,",
            "L2,Acme,Ann B,,ann@acme.cn,,,,,,",
        ),
    )
    result = run("leads", second)
    assert counts(result) == (0, 1, 0, 1, 0)
    lead = Lead.objects.get(external_id="L1")
    assert (lead.title, lead.phone, lead.phone_key, lead.region_id) == (
        "IT manager",
        "13700001111",
        "13700001111",
        regions["CN-SH"].pk,
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_UPDATE)
    assert event.object_id == lead.pk
    assert event.changes["title"] == ["Buyer", "IT manager"]
    assert Lead.objects.count() == 1
    assert LeadDuplicate.objects.count() == 1  # the same row, same match: recorded once
    assert counts(run("leads", second)) == (0, 0, 1, 1, 0)


def test_mql_at_column_marks_mql_from_import(run, write_csv):
    path = write_csv(
        "leads.csv",
        "lead_id,company_name,contact_name,mql_at\nL1,Acme,Ann,2026-04-01 10:00\nL2,Acme,Bob,\n",
    )
    run("leads", path)
    marked = Lead.objects.get(external_id="L1")
    assert (marked.mql_at, marked.mql_source) == (
        dt.datetime(2026, 4, 1, 2, tzinfo=dt.UTC),
        MqlSource.IMPORT,
    )
    assert Lead.objects.get(external_id="L2").mql_at is None
    again = write_csv(
        "again.csv",
        "lead_id,company_name,contact_name,mql_at\nL1,Acme,Ann,2026-05-01\nL2,Acme,Bob,2026-05-02\n",
    )
    run("leads", again)
    assert Lead.objects.get(external_id="L1").mql_at == dt.datetime(2026, 4, 1, 2, tzinfo=dt.UTC)
    second = Lead.objects.get(external_id="L2")
    assert (second.mql_at, second.mql_source) == (
        dt.datetime(2026, 5, 1, 16, tzinfo=dt.UTC),
        MqlSource.IMPORT,
    )
    event = AuditEvent.objects.get(object_id=second.pk)
    assert event.changes == {
        "mql_at": [None, "2026-05-01T16:00:00+00:00"],
        "mql_source": [None, "import"],
    }


def test_marketing_rules_mark_the_imported_leads(run, write_csv, organization):
    from patron.funnel.models import MarketingRule

    MarketingRule.objects.create(organization=organization, name="Fairs", sources=["展会"])
    path = write_csv(
        "leads.csv", leads_csv("L1,Acme,Ann,,,,,,展会,,2026-03-01", "L2,Beta,Bob,,,,,,web,,")
    )
    run("leads", path)
    assert Lead.objects.get(external_id="L1").mql_source == MqlSource.RULE
    assert Lead.objects.get(external_id="L2").mql_at is None


@pytest.mark.parametrize(
    ("encoding", "prefix", "found"),
    [("utf-8-sig", b"\xef\xbb\xbf", "utf-8-sig"), ("gbk", b"", "gb18030")],
)
def test_bom_and_gbk_files(run, write_csv, encoding, prefix, found):
    path = write_csv(
        "leads.csv", leads_csv("L1,苏州精密机械有限公司,王强,IT经理,,,制造业,,展会,,"), encoding
    )
    assert path.read_bytes().startswith(prefix)
    result = run("leads", path)
    assert (result.created, result.encoding) == (1, found)
    lead = Lead.objects.get()
    assert (lead.company_name, lead.contact_name, lead.industry, lead.source) == (
        "苏州精密机械有限公司",
        "王强",
        "manufacturing",
        "展会",
    )


def test_xlsx_file(run, tmp_path: Path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "L1",
            "Acme",
            "Ann",
            "CTO",
            "ann@acme.cn",
            13800138000,
            "retail",
            None,
            None,
            None,
            dt.datetime(2026, 2, 3, 4, 5),
        ]
    )
    sheet.append(["L2", "Acme Ltd", "ANN", None, None, None, None, None, None, None, None])
    path = tmp_path / "leads.xlsx"
    workbook.save(path)
    result = run("leads", path)
    assert counts(result) == (1, 0, 0, 1, 0)
    lead = Lead.objects.get()
    assert (lead.phone, lead.phone_key, lead.industry) == ("13800138000", "13800138000", "retail")
    assert lead.created_at == dt.datetime(2026, 2, 2, 20, 5, tzinfo=dt.UTC)


def test_dry_run_writes_nothing_and_counts_the_same(run, write_csv):
    run("leads", write_csv("first.csv", leads_csv("L1,Acme,Ann,,ann@acme.cn,,,,,,")))
    path = write_csv(
        "second.csv",
        leads_csv(
            "L1,Acme,Ann,CTO,ann@acme.cn,,,,,,",
            "L2,Beta,Bob,,ann@acme.cn,,,,,,",
            "L3,,,,,,,,,,",
            "L4,New,Neo,,,,,,,,",
        ),
    )
    before = snapshot()
    dry = run("leads", path, dry_run=True)
    assert snapshot() == before
    assert counts(dry) == (1, 1, 0, 1, 1)
    real = run("leads", path)
    assert counts(real) == counts(dry)


def test_command_prints_duplicates_and_rejects(write_csv, organization, capsys):
    path = write_csv(
        "leads.csv",
        leads_csv(
            "L1,Acme,Ann,,ann@acme.cn,,,,,,", "L2,Beta,Bob,,ANN@acme.cn,,,,,,", "L3,,,,,,,,,,"
        ),
    )
    call_command("import", "leads", str(path), "--quiet")
    out = capsys.readouterr().out
    assert "leads: 3 rows read; created 1, updated 0, unchanged 0, rejected 1" in out
    assert "Duplicates: 1 rows matched an existing lead or contact" in out
    assert f"Rejected rows and reasons: {path.with_name('leads.rejects.csv')}" in out


def test_sample_file_imports(run, regions):
    path = Path(__file__).resolve().parents[2] / "docs" / "samples" / "leads.csv"
    result = run("leads", path)
    assert (result.rejected, result.created + result.duplicates) == (0, result.rows)
    assert result.duplicates == 2
    assert list(
        LeadDuplicate.objects.order_by("row").values_list("row", "external_id", "match_key")
    ) == [(6, "ML-0005", "phone"), (8, "ML-0007", "email")]


@pytest.mark.parametrize("mode", ["by lead", "by seller", "by seller, ids as one parameter"])
def test_imported_leads_are_scored_on_their_owners_lists(
    run, write_csv, regions, seller, user_factory, monkeypatch, mode
):
    from patron.imports.kinds import leads as leads_kind
    from patron.prospecting.models import LeadScore
    from patron.prospecting.services import profile_save

    if mode != "by lead":  # a big list: the owners' lists are re-scored whole
        monkeypatch.setattr(leads_kind, "RESCORE_BY_LEAD", 0)
    if mode == "by seller, ids as one parameter":  # many stored leads: one JSON parameter
        from patron.core import frames

        monkeypatch.setattr(frames, "FEW_VALUES", 0)
    profile_save(seller=seller, targets={"industry": [("manufacturing", 2)]})
    other = user_factory("bdm9", roles=["bdm"])
    first = leads_csv(
        "L1,苏州精密机械有限公司,王强,IT经理,wq@example.cn,,制造业,CN-SH,展会,bdm1,2026-03-01",
        "L2,Acme Ltd.,Anna Lee,CTO,anna@acme.com,,retail,CN-SH,web,bdm1,2026-03-02",
    )
    assert counts(run("leads", write_csv("a.csv", first))) == (2, 0, 0, 0, 0)
    scores = dict(LeadScore.objects.values_list("lead__external_id", "industry_points"))
    assert scores == {"L1": 2, "L2": 0}
    moved = leads_csv(
        "L2,Acme Ltd.,Anna Lee,CTO,anna@acme.com,,retail,CN-SH,web,bdm9,2026-03-02",
    )
    assert counts(run("leads", write_csv("b.csv", moved))) == (0, 1, 0, 0, 0)
    assert Lead.objects.get(external_id="L2").owner_id == other.pk
    # the lead left its former owner's list; its new owner has no profile, so no list
    assert list(LeadScore.objects.values_list("lead__external_id", "seller_id")) == [
        ("L1", seller.pk)
    ]


def test_marketing_rules_mark_a_big_import_set_wise_and_leave_the_others_alone(
    run, write_csv, organization, seller, monkeypatch
):
    """3,000 new leads (an id range) and stored leads named by the file (their ids): exactly
    the matching ones become MQL at their arrival, each with one audit row as the service has
    always written it; leads already MQL, disqualified or merged, and stored leads the file
    does not name, keep their values and get no audit row. A marked stored lead gets its first
    hunter touch; the new leads have none to get."""
    from patron.activities.models import Activity
    from patron.funnel.models import FunnelDay, FunnelGrain, FunnelPart, MarketingRule
    from patron.funnel.rollup import days_settle, rebuild_all

    MarketingRule.objects.create(organization=organization, name="Fairs", sources=["展会"])
    MarketingRule.objects.create(
        organization=organization, name="CIOs", title_keywords=["CIO"], require_email=True
    )
    arrived = dt.datetime(2026, 2, 1, 8, tzinfo=dt.UTC)

    def stored_lead(key: str, **values) -> Lead:  # type: ignore[no-untyped-def]
        return Lead.objects.create(
            organization=organization,
            external_id=key,
            company_name=f"Stored {key}",
            source="展会",
            created_at=arrived,
            **values,
        )

    already = stored_lead("S-MQL", mql_at=arrived, mql_source=MqlSource.MANUAL)
    disqualified = stored_lead("S-DQ", status="disqualified")
    merged = stored_lead("S-MERGED", status="merged", merged_into=already)
    not_named = stored_lead("S-OTHER")
    open_lead = stored_lead("S-OPEN")
    called = dt.datetime(2026, 2, 3, 9, 15, tzinfo=dt.UTC)
    Activity.objects.create(
        organization=organization, kind="call", user=seller, lead=open_lead, occurred_at=called
    )
    untouched = [already, disqualified, merged, not_named]
    before = list(
        Lead.objects.filter(pk__in=[lead.pk for lead in untouched])
        .order_by("id")
        .values_list("id", "mql_at", "mql_source", "status", "first_touch_at")
    )

    sources = ["展会", "web", "trade fair"]
    titles = ["CIO", "Buyer", "IT经理"]
    rows, expected = [], {"S-OPEN"}
    for n in range(3000):
        source, title = sources[n % 3], titles[(n // 3) % 3]
        email = "" if n % 7 == 0 else f"p{n}@example.cn"
        created = "" if n % 5 == 0 else f"2026-03-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}"
        rows.append(f"N{n:04d},Company {n},Person {n},{title},{email},,,,{source},,{created}")
        if source == "展会" or (title == "CIO" and email):
            expected.add(f"N{n:04d}")
    # the stored leads are named by changed rows (a new title), so the import updates them
    for key in ("S-MQL", "S-DQ", "S-MERGED", "S-OPEN"):
        rows.append(f"{key},Stored {key},,Changed,,,,,展会,,")
    # each first-touch refresh, wherever it runs, still does its work
    from patron.funnel import services as funnel_services
    from patron.imports.kinds import leads as lead_import

    refreshed: list[list[int]] = []

    def counted(module):  # type: ignore[no-untyped-def]
        refresh = module.first_touch_refresh

        def run_refresh(**kwargs):  # type: ignore[no-untyped-def]
            refreshed.append(sorted(kwargs["lead_ids"]))
            return refresh(**kwargs)

        monkeypatch.setattr(module, "first_touch_refresh", run_refresh)

    counted(funnel_services)
    counted(lead_import)
    result = run("leads", write_csv("leads.csv", leads_csv(*rows)))
    assert counts(result) == (3000, 4, 0, 0, 0)
    # once, for the stored leads the file changed (the marked one among them)
    assert refreshed == [sorted([already.pk, disqualified.pk, merged.pk, open_lead.pk])]

    marked = Lead.objects.filter(mql_source=MqlSource.RULE)
    assert len(expected) == 1574  # S-OPEN, 1,000 new from the fairs, 573 CIOs with an email
    assert set(marked.values_list("external_id", flat=True)) == expected
    assert marked.exclude(mql_at=F("created_at")).count() == 0  # at their arrival
    events = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, content_type__model="lead")
    assert {
        event.object_id: (event.object_repr, event.changes, event.organization_id)
        for event in events
    } == {
        lead.pk: (
            lead.external_id,
            {"mql_at": [None, lead.created_at.isoformat()], "mql_source": [None, "rule"]},
            organization.pk,
        )
        for lead in marked
    }
    assert events.count() == 1574
    assert (
        list(
            Lead.objects.filter(pk__in=[lead.pk for lead in untouched])
            .order_by("id")
            .values_list("id", "mql_at", "mql_source", "status", "first_touch_at")
        )
        == before
    )
    assert not events.filter(object_id__in=[lead.pk for lead in untouched]).exists()
    assert Lead.objects.get(pk=open_lead.pk).first_touch_at == called
    assert not Lead.objects.filter(first_touch_at__isnull=False).exclude(pk=open_lead.pk).exists()
    # the funnel's roll-up saw every mark (its trigger paused or not): settled = rebuilt
    days_settle(organization)
    mqls = FunnelDay.objects.filter(grain=FunnelGrain.DETAIL, part=FunnelPart.MQLS)
    assert mqls.aggregate(total=Sum("records"))["total"] == 1575  # and S-MQL, marked by hand
    settled = sorted(FunnelDay.objects.values_list("day", "part", "owner_id", "records"))
    rebuild_all(organization)
    assert sorted(FunnelDay.objects.values_list("day", "part", "owner_id", "records")) == settled
