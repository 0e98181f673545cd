"""Domain errors: raised by services, mapped to JSON 4xx by the API and form errors by the web."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A request that breaks a business rule. ``field_errors`` maps field names to reasons."""

    status_code = 400

    def __init__(self, message: str, field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field_errors = {key: str(value) for key, value in (field_errors or {}).items()}


class ValidationFailed(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
