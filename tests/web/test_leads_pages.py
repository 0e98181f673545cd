"""The lead pages over HTTP: list (filters, scope), the import flow (upload → mapping → dry run →
import → rejects file) and the duplicates review. The lead page itself (score, triggers,
involvement, activities, history) is tested in ``test_lead_page.py``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patron.leads.choices import DuplicateStatus, LeadStatus, MatchKey
from patron.leads.models import Lead, LeadDuplicate
from patron.leads.services import lead_create

pytestmark = pytest.mark.django_db

CSV = (
    "Lead ID,Company,contact_name,title,email,phone,industry,notes\n"
    "W1,苏州精密机械有限公司,王强,IT经理,wq@szjm.cn,13800138000,制造业,x\n"
    "W2,Acme Ltd,Ann Lee,CTO,ann@acme.cn,,software,y\n"
    "W3,苏州精密机械有限公司,王 强,,,,,z\n"
    "W4,Broken,Bad,,not-an-email,,,w\n"
)


@pytest.fixture
def seller(user_factory, team):
    return user_factory("seller", roles=["sdr"], team=team)


@pytest.fixture
def other(user_factory, team_factory):
    return user_factory("other", roles=["sdr"], team=team_factory("North"))


@pytest.fixture
def uploads(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def make_lead(organization, owner, external_id, **values):
    values.setdefault("company_name", "Acme Ltd")
    values.setdefault("contact_name", f"Contact {external_id}")
    return lead_create(organization=organization, external_id=external_id, owner=owner, **values)


def rows(html: str) -> list[str]:
    return re.findall(r'data-lead="([^"]+)"', html)


def test_lead_list_shows_own_leads_filters_and_paginates(organization, seller, other, client_for):
    for number in range(55):
        make_lead(organization, seller, f"S{number:02d}", industry="retail" if number % 2 else "")
    make_lead(organization, other, "O1")
    client = client_for(seller)
    page = client.get("/leads/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "55 leads" in html
    assert len(rows(html)) == 50
    assert "O1" not in rows(html)
    assert len(rows(client.get("/leads/?page=2").content.decode())) == 5
    retail = client.get("/leads/?industry=retail").content.decode()
    assert "27 leads" in retail
    found = client.get("/leads/?q=S07").content.decode()
    assert rows(found) == ["S07"]
    # a manager of the other team does not see them either
    assert rows(client_for(other).get("/leads/").content.decode()) == ["O1"]


def test_a_seller_may_not_import(seller, client_for, uploads):
    response = client_for(seller).get("/leads/import/")
    assert response.status_code == 403


def test_upload_map_dry_run_import_and_rejects(
    organization, manager, patron_admin, client_for, uploads
):
    client = client_for(manager)
    assert client.get("/leads/import/").status_code == 200
    upload = SimpleUploadedFile("list.csv", CSV.encode("gbk"), content_type="text/csv")
    response = client.post("/leads/import/", {"file": upload})
    assert response.status_code == 302
    map_url = response["Location"]
    token = map_url.rstrip("/").rsplit("/", 1)[1]
    preview = client.get(map_url).content.decode()
    assert "苏州精密机械有限公司" in preview and "4 rows (gb18030)" in preview
    # guesses: lead_id ← "lead_id" (header normalised), company ← company_name, notes ignored
    assert re.search(r'name="col_0"[^>]*>.*?<option value="lead_id" selected', preview, re.S)
    assert re.search(r'name="col_1"[^>]*>.*?<option value="company_name" selected', preview, re.S)
    mapping = {
        f"col_{index}": name
        for index, name in enumerate(
            ["lead_id", "company_name", "contact_name", "title", "email", "phone", "industry", ""]
        )
    }
    dry = client.post(map_url, {**mapping, "action": "dry_run"}).content.decode()
    assert 'data-dry-run="true"' in dry
    assert re.search(r'data-count="created">2<', dry)
    assert re.search(r'data-count="duplicates">1<', dry)
    assert re.search(r'data-count="rejected">1<', dry)
    assert "email is not a valid email address" in dry
    assert Lead.objects.count() == 0
    done = client.post(map_url, {**mapping, "action": "import"}).content.decode()
    assert 'data-dry-run="false"' in done
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["W1", "W2"]
    duplicate = LeadDuplicate.objects.get()
    assert (duplicate.external_id, duplicate.matched_lead.external_id) == ("W3", "W1")
    assert f"/leads/duplicates/?run={duplicate.import_run_id}" in done
    rejects = client.get(f"/leads/import/{token}/rejects/")
    assert rejects.status_code == 200
    body = b"".join(rejects.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("5,email,email is not a valid email address,W4")
    # another session cannot use the token
    assert client_for(patron_admin).get(map_url).status_code == 404


def test_mapping_must_name_lead_id_once(manager, client_for, uploads):
    client = client_for(manager)
    upload = SimpleUploadedFile("list.csv", CSV.encode(), content_type="text/csv")
    map_url = client.post("/leads/import/", {"file": upload})["Location"]
    html = client.post(map_url, {"col_0": "email", "col_4": "email", "action": "import"})
    text = html.content.decode()
    assert "Each field can be mapped once; repeated: email" in text
    assert "Map one column to lead_id." in text
    assert Lead.objects.count() == 0


def test_an_upload_removes_the_uploads_older_than_two_days(manager, client_for, uploads):
    import os
    import time

    root = uploads / "uploads" / "leads"
    client = client_for(manager)

    def upload() -> str:
        file = SimpleUploadedFile("list.csv", CSV.encode(), content_type="text/csv")
        return client.post("/leads/import/", {"file": file})["Location"].rstrip("/").rsplit("/")[-1]

    old, recent = upload(), upload()
    three_days_ago = time.time() - 3 * 86400
    os.utime(root / old, (three_days_ago, three_days_ago))
    one_day_ago = time.time() - 86400
    os.utime(root / recent, (one_day_ago, one_day_ago))

    new = upload()

    assert sorted(path.name for path in root.iterdir()) == sorted([recent, new])
    assert (root / recent / "leads.csv").read_bytes() == CSV.encode()
    # the pruned upload's wizard page is gone; the others still open
    assert client.get(f"/leads/import/{old}/").status_code == 404
    assert client.get(f"/leads/import/{recent}/").status_code == 200


def test_upload_refuses_other_file_types(manager, client_for, uploads):
    upload = SimpleUploadedFile("list.pdf", b"%PDF", content_type="application/pdf")
    response = client_for(manager).post("/leads/import/", {"file": upload})
    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def duplicate_of(organization, matched, external_id="N1"):
    return LeadDuplicate.objects.create(
        organization=organization,
        external_id=external_id,
        row=2,
        values={
            "company_name": "Acme",
            "contact_name": "Ann",
            "title": "Buyer",
            "phone": "021 5555 6666",
        },
        matched_lead=matched,
        match_key=MatchKey.NAME,
    )


def test_duplicates_page_side_by_side_merge_and_dismiss(organization, seller, other, client_for):
    mine = make_lead(organization, seller, "L1", contact_name="Ann", company_name="Acme")
    first = duplicate_of(organization, mine, "N1")
    second = duplicate_of(organization, mine, "N2")
    hidden = duplicate_of(organization, make_lead(organization, other, "L9"), "N9")
    client = client_for(seller)
    listing = client.get("/leads/duplicates/").content.decode()
    assert re.findall(r'data-duplicate="([^"]+)"', listing) == ["N2", "N1"]
    detail = client.get(f"/leads/duplicates/{first.pk}/").content.decode()
    assert "Buyer" in detail and "021 5555 6666" in detail
    assert client.post(f"/leads/duplicates/{first.pk}/merge/").status_code == 302
    first.refresh_from_db()
    mine.refresh_from_db()
    assert (first.status, mine.title, mine.phone) == (
        DuplicateStatus.MERGED,
        "Buyer",
        "021 5555 6666",
    )
    assert client.post(f"/leads/duplicates/{second.pk}/dismiss/").status_code == 302
    second.refresh_from_db()
    assert (second.status, second.lead.external_id) == (DuplicateStatus.DISMISSED, "N2")
    # someone else's duplicate: not found, unchanged
    assert client.post(f"/leads/duplicates/{hidden.pk}/merge/").status_code == 404
    hidden.refresh_from_db()
    assert hidden.status == DuplicateStatus.OPEN
    assert Lead.objects.get(external_id="L9").status == LeadStatus.NEW


def test_lead_pages_in_chinese(organization, seller, client_for):
    make_lead(organization, seller, "L1")
    client: Any = client_for(seller)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/leads/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "线索" in html
    assert (
        "重复" in client.get("/leads/duplicates/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )


def test_search_by_lead_id_email_phone_or_company_start(organization, seller, client_for):
    make_lead(organization, seller, "A1", company_name="苏州精密机械有限公司", email="wq@szjm.cn")
    make_lead(organization, seller, "A2", company_name="Acme Ltd", phone="021-5555 6666")
    make_lead(organization, seller, "A3", company_name="Beta Co")
    client = client_for(seller)

    def found(text):
        return rows(client.get("/leads/", {"q": text}).content.decode())

    assert found("A3") == ["A3"]
    assert found("WQ@szjm.cn") == ["A1"]
    assert found("+86 21 5555 6666") == ["A2"]
    assert found("苏州精密") == ["A1"]
    assert found("acme") == ["A2"]
    assert found("nothing") == []
