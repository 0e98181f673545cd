"""One error shape for the whole API: ``{"message": "...", "field_errors": {"field": "reason"}}``.

Ninja's own errors (authentication, request validation, unparsable bodies, 404) and the
domain errors raised by services are all mapped here, so a client only ever parses one shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from patron.core.errors import DomainError

# The parameter sources ninja puts first in an error location, and the body parameter name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAMETER = "payload"


class ErrorOut(Schema):
    message: str
    field_errors: dict[str, str]


READ_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def error_body(message: str, field_errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"message": str(message), "field_errors": dict(field_errors or {})}


def field_name(location: Sequence[Any]) -> str:
    """``("body", "payload", "lines", 0, "quantity")`` → ``"lines[0].quantity"``."""
    parts = list(location)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == BODY_PARAMETER:
            parts.pop(0)
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "__all__"


def validation_field_errors(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    field_errors: dict[str, str] = {}
    for error in errors:
        name = field_name(error.get("loc", ()))
        reason = str(error.get("msg", _("invalid value")))
        if name in field_errors:
            continue
        field_errors[name] = reason.removeprefix("Value error, ")
    return field_errors


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, status: int, message: str, fields: Mapping[str, str] | None = None
    ) -> HttpResponse:
        return api.create_response(request, error_body(message, fields), status=status)

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = validation_field_errors(exc.errors)
        first = next(iter(fields.items()), ("", ""))
        message = _("Invalid input: %(field)s: %(reason)s") % {
            "field": first[0],
            "reason": first[1],
        }
        return respond(request, 422, message, fields)

    @api.exception_handler(AuthenticationError)
    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request, 401, _("Authentication required: send 'Authorization: Bearer <token>'.")
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, exc.message)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status_code, exc.message, exc.field_errors)

    @api.exception_handler(IntegrityError)
    def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # Services validate uniqueness first; this only answers a race between two writers.
        return respond(request, 409, _("The change conflicts with existing data."))
