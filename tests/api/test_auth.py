"""Token authentication, the token command, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from patron.accounts.models import ApiToken, hash_token
from patron.accounts.services import api_token_create, api_token_revoke
from patron.core.audit import audit_trail
from tests.api.conftest import ApiClient

UNAUTHORIZED = {
    "message": "Authentication required: send 'Authorization: Bearer <token>'.",
    "field_errors": {},
}


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer ", "Basic abc", "ptn_x"])
def test_missing_or_bad_token_is_401_json(db: None, header: str | None) -> None:
    client = ApiClient(None)
    if header:
        client.headers = {"Authorization": header}
    response = client.get("/companies/")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(bdm_a: Any) -> None:
    token, raw = api_token_create(user=bdm_a)
    assert ApiClient(raw).get("/companies/").status_code == 200
    api_token_revoke(prefix=token.prefix)
    response = ApiClient(raw).get("/companies/")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_inactive_user_token_is_401(bdm_a: Any) -> None:
    _token, raw = api_token_create(user=bdm_a)
    bdm_a.is_active = False
    bdm_a.save(update_fields=["is_active"])
    assert ApiClient(raw).get("/companies/").status_code == 401


def test_token_scheme_is_accepted(bdm_a: Any) -> None:
    _token, raw = api_token_create(user=bdm_a)
    assert ApiClient(raw, scheme="Token").get("/companies/").status_code == 200
    assert ApiClient(raw, scheme="bearer").get("/companies/").status_code == 200


def test_only_the_hash_is_stored_and_create_is_audited(bdm_a: Any) -> None:
    token, raw = api_token_create(user=bdm_a, name="crm sync")
    assert raw.startswith("ptn_")
    assert token.key_hash == hash_token(raw)
    assert token.prefix == raw[4:12]
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    event = audit_trail(token).get(action="create")
    assert event.changes == {
        "user": [None, bdm_a.pk],
        "name": [None, "crm sync"],
        "prefix": [None, token.prefix],
    }


def test_last_used_at_is_written_at_most_once_a_minute(bdm_a: Any) -> None:
    token, raw = api_token_create(user=bdm_a)
    client = ApiClient(raw)
    before = timezone.now()
    client.get("/products/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    assert before <= first <= timezone.now()
    client.get("/products/")
    token.refresh_from_db()
    assert token.last_used_at == first
    stale = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get("/products/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > stale + dt.timedelta(minutes=1)


def test_token_command_create_list_revoke(bdm_a: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("token", "create", "bdm_a", "--name", "etl", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert (token.user, token.name, token.prefix) == (bdm_a, "etl", raw[4:12])
    assert f"token {token.prefix} created for bdm_a" in err.getvalue()
    assert audit_trail(token).get(action="create").source == "cli"
    assert ApiClient(raw).get("/products/").status_code == 200

    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert listing.getvalue().split("\t")[:3] == [token.prefix, "bdm_a", "active"]

    revoked = StringIO()
    revoking = timezone.now()
    call_command("token", "revoke", token.prefix, stdout=revoked)
    assert revoked.getvalue().strip() == f"token {token.prefix} of bdm_a revoked"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert revoking <= token.revoked_at <= timezone.now()
    assert ApiClient(raw).get("/products/").status_code == 401
    with pytest.raises(CommandError, match="No active token"):
        call_command("token", "revoke", token.prefix)


def test_no_token_prefix_reads_as_a_command_line_option() -> None:
    prefixes = [ApiToken.generate()[4:12] for _ in range(2000)]  # ~31 would start with "-"
    assert [prefix for prefix in prefixes if prefix.startswith("-")] == []
    assert {len(prefix) for prefix in prefixes} == {8}


def test_token_command_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="no such user: ghost"):
        call_command("token", "create", "ghost")
    assert ApiToken.objects.count() == 0


def test_api_changes_are_audited_as_the_api_user(
    api_for: Any, patron_admin: Any, catalog: Any
) -> None:
    response = api_for(patron_admin).patch(f"/products/{catalog['DNS-1'].pk}", {"name": "DNS Max"})
    assert response.status_code == 200
    event = audit_trail(catalog["DNS-1"]).get(action="update")
    assert (event.actor_id, event.actor_label, event.source) == (
        patron_admin.pk,
        "padmin",
        "api",
    )
    assert event.changes == {"name": ["DNS Pro", "DNS Max"]}


def test_openapi_schema_and_docs(db: None) -> None:
    client = ApiClient(None)
    response = client.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    paths = schema["paths"]
    assert sorted(paths) == [
        "/api/v1/companies/",
        "/api/v1/companies/{company_id}",
        "/api/v1/companies/{company_id}/lifecycle",
        "/api/v1/contacts/",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/funnel/headcount",
        "/api/v1/funnel/metrics",
        "/api/v1/funnel/mql-rules",
        "/api/v1/funnel/mql-rules/apply",
        "/api/v1/funnel/mql-rules/{rule_id}",
        "/api/v1/funnel/plays",
        "/api/v1/funnel/plays/{play_id}",
        "/api/v1/funnel/sla",
        "/api/v1/funnel/sla-policies",
        "/api/v1/funnel/sla-policies/{kind}",
        "/api/v1/funnel/stages",
        "/api/v1/funnel/stages/order",
        "/api/v1/funnel/stages/{stage_id}",
        "/api/v1/indicators/",
        "/api/v1/opportunities/",
        "/api/v1/opportunities/{opportunity_id}",
        "/api/v1/opportunities/{opportunity_id}/accept",
        "/api/v1/opportunities/{opportunity_id}/hand-off",
        "/api/v1/opportunities/{opportunity_id}/lost",
        "/api/v1/opportunities/{opportunity_id}/move",
        "/api/v1/opportunities/{opportunity_id}/reject",
        "/api/v1/opportunities/{opportunity_id}/won",
        "/api/v1/orders/",
        "/api/v1/orders/{order_id}",
        "/api/v1/products/",
        "/api/v1/products/{product_id}",
        "/api/v1/prospecting/conversion",
        "/api/v1/prospecting/conversion/accept",
        "/api/v1/prospecting/involvement",
        "/api/v1/prospecting/profile",
        "/api/v1/prospecting/profile/versions",
        "/api/v1/prospecting/scores",
        "/api/v1/prospecting/scores/rescore",
        "/api/v1/prospecting/synonyms",
        "/api/v1/prospecting/synonyms/{synonym_id}",
        "/api/v1/prospecting/triggers",
        "/api/v1/prospecting/triggers/{trigger_id}",
    ]
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "404", "422"} <= declared, (method, path)
            if method in {"post", "patch"}:
                assert {"400", "409"} <= declared, (method, path)
    assert client.client.get("/api/v1/docs").status_code == 200
