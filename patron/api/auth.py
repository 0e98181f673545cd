"""Token authentication (``Authorization: Bearer <token>`` or ``Token <token>``) and the actor
wrapper that makes every change made by an API request audited as that user, source "api"."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from patron.accounts.models import User
from patron.accounts.services import api_token_authenticate
from patron.core.audit import acting_as, actor_for

SCHEMES = {"bearer", "token"}


class ApiTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> User | None:
        scheme, _, token = request.headers.get(self.header, "").strip().partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(token)


def as_api_user(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run an operation with the authenticated API user as the audit actor."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with acting_as(actor_for(getattr(request, "auth", None), "api")):
            return view(request, *args, **kwargs)

    return wrapper


def api_user(request: HttpRequest) -> User:
    """The authenticated user of a request (set by :class:`ApiTokenAuth`)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
