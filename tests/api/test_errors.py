"""The error shape: ninja's locations become request field names (no database needed)."""

from __future__ import annotations

from typing import Any

import pytest

from patron.api.errors import error_body, field_name, validation_field_errors


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (("body", "payload", "name"), "name"),
        (("body", "payload", "lines", 0, "quantity"), "lines[0].quantity"),
        (("body", "payload", "lines", 2), "lines[2]"),
        (("query", "page_size"), "page_size"),
        (("path", "company_id"), "company_id"),
        (("body", "payload"), "__all__"),
        ((), "__all__"),
    ],
)
def test_field_name(location: tuple[Any, ...], name: str) -> None:
    assert field_name(location) == name


def test_first_reason_per_field_wins_and_value_error_prefix_is_dropped() -> None:
    errors: list[dict[str, Any]] = [
        {"loc": ("body", "payload", "lines", 0), "msg": "Value error, service_end first"},
        {"loc": ("body", "payload", "lines", 0), "msg": "second"},
        {"loc": ("query", "page"), "msg": "Input should be greater than or equal to 1"},
    ]
    assert validation_field_errors(errors) == {
        "lines[0]": "service_end first",
        "page": "Input should be greater than or equal to 1",
    }


def test_error_body() -> None:
    assert error_body("boom") == {"message": "boom", "field_errors": {}}
    assert error_body("bad", {"name": "too long"}) == {
        "message": "bad",
        "field_errors": {"name": "too long"},
    }
