from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from patron.core.audit import acting_as, actor_for


class CurrentActorMiddleware:
    """Makes the logged-in user the actor of every change made while serving the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(actor_for(getattr(request, "user", None), "web")):
            return self.get_response(request)
