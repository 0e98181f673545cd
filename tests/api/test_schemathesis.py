"""Property-based run of every operation in /api/v1/openapi.json, in-process against the Django
WSGI app with a valid token: whatever the input, the API never answers with a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from patron.accounts.services import api_token_create

MAX_EXAMPLES = 25


# Every operation gets the coverage phase (boundary and invalid values for each field, all of
# them) plus MAX_EXAMPLES fuzzed cases. Probing undeclared methods only ever yields 405s.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture
def token(patron_admin: Any, companies: Any, catalog: Any, regions: Any) -> Iterator[str]:
    """A token of an administrator, in a small world so that some ids and keys exist."""
    # The WSGI handler closes "old" connections around each request; inside the test's
    # transaction that would close the connection the test is using.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield api_token_create(user=patron_admin, name="schemathesis")[1]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error])
