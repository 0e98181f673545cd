"""``patron import triggers``: trigger events on companies and leads, keyed by what they are
about, with rejects, and the touched leads re-scored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from patron.companies.models import Company
from patron.core.models import AuditEvent, Organization
from patron.imports.services import ImportResult
from patron.leads.models import Lead
from patron.prospecting.models import LeadScore, TriggerEvent
from tests.imports.conftest import read_rejects

TRIGGERS = (
    "company_id,lead_id,type,occurred_on,source_url,note\n"
    "C-1,,merger,2026-10-02,https://news.example/m,Merged\n"
    ",L-1,Funding,2026/9/15,,B 轮\n"
    "C-1,,merger,2026-10-02,,again in the file\n"
    ",,expansion,2026-10-01,,\n"
    "C-404,,merger,2026-10-01,,\n"
    "C-1,,party,2026-10-01,,\n"
    "C-1,,tender,someday,,\n"
    "C-1,,tender,2026-10-05,ftp://x,\n"
)


def test_triggers_import_creates_events_and_reports_bad_rows(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    organization: Organization,
    company: Company,
) -> None:
    lead = Lead.objects.create(organization=organization, external_id="L-1", company_name="X")

    result = run("triggers", write_csv("triggers.csv", TRIGGERS))

    assert (result.rows, result.created, result.updated, result.rejected) == (8, 2, 0, 6)
    events = list(
        TriggerEvent.objects.order_by("id").values_list(
            "company_id", "lead_id", "type", "occurred_on", "source_url", "note"
        )
    )
    assert events == [
        (company.pk, None, "merger", dt.date(2026, 10, 2), "https://news.example/m", "Merged"),
        (None, lead.pk, "funding", dt.date(2026, 9, 15), "", "B 轮"),
    ]
    rejects = {
        row["row"]: (row["field"], row["reason"]) for row in read_rejects(result.rejects_path)
    }
    assert set(rejects) == {"4", "5", "6", "7", "8", "9"}
    assert rejects["4"][0] == "occurred_on"
    assert rejects["5"] == ("company_id", "company_id: a company_id or a lead_id is needed")
    assert rejects["6"] == ("company_id", "company_id: no company with this external_id")
    assert rejects["7"][0] == "type"
    assert rejects["8"][0] == "occurred_on"
    assert rejects["9"] == ("company_id", "source_url: a link starts with http:// or https://")


def test_reimport_updates_the_note_instead_of_a_second_event(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    company: Company,
) -> None:
    first = "company_id,type,occurred_on,note\nC-1,merger,2026-10-02,first\n"
    run("triggers", write_csv("a.csv", first))
    second = run("triggers", write_csv("b.csv", first.replace("first", "second")))
    third = run("triggers", write_csv("c.csv", first.replace("first", "second")))

    assert (second.created, second.updated, third.unchanged) == (0, 1, 1)
    assert list(TriggerEvent.objects.values_list("note", flat=True)) == ["second"]
    event = TriggerEvent.objects.get()
    audit = AuditEvent.objects.get(object_id=event.pk, action=AuditEvent.Action.IMPORT_UPDATE)
    assert audit.changes == {"note": ["first", "second"]}


def test_imported_trigger_rescores_the_companys_leads(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    organization: Organization,
    company: Company,
    seller,
) -> None:
    from patron.prospecting.services import profile_save

    lead = Lead.objects.create(
        organization=organization, external_id="L-9", owner=seller, company=company
    )
    profile_save(seller=seller, targets={"trigger": [("merger", 2)]})
    assert LeadScore.objects.get(lead=lead).score == 0
    today = dt.date.today().isoformat()

    run("triggers", write_csv("t.csv", f"company_id,type,occurred_on\nC-1,merger,{today}\n"))

    score = LeadScore.objects.get(lead=lead)
    assert (score.score, score.starred, score.trigger_type) == (2, True, "merger")
