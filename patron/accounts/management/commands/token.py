"""``patron token create USERNAME [--name N]`` / ``revoke PREFIX`` / ``list [USERNAME]``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from patron.accounts.models import ApiToken, User
from patron.accounts.services import api_token_create, api_token_revoke
from patron.core.audit import Actor, acting_as
from patron.core.errors import DomainError

CLI_ACTOR = Actor(user_id=None, label="cli", source="cli")


class Command(BaseCommand):
    help = "Create, revoke and list API tokens. The raw token is printed once, at creation."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token for a user and print it")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        revoke = actions.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix", help="the 8-character prefix shown by create/list")
        listing = actions.add_parser("list", help="list tokens (never their values)")
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(CLI_ACTOR):
            try:
                getattr(self, f"handle_{options['action']}")(**options)
            except DomainError as error:
                raise CommandError(error.message) from None

    def handle_create(self, *, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("no such user: %(username)s") % {"username": username})
        if not user.is_active:
            raise CommandError(_("user %(username)s is not active") % {"username": username})
        if len(name) > 100:
            raise CommandError(_("--name: at most 100 characters"))
        token, raw = api_token_create(user=user, name=name)
        self.stdout.write(raw)
        self.stderr.write(
            f"token {token.prefix} created for {username}; it is shown only once, store it now."
        )

    def handle_revoke(self, *, prefix: str, **options: Any) -> None:
        token = api_token_revoke(prefix=prefix)
        self.stdout.write(f"token {token.prefix} of {token.user.username} revoked")

    def handle_list(self, *, username: str | None = None, **options: Any) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "id")
        if username:
            tokens = tokens.filter(user__username=username)
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat() if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}\t{token.user.username}\t{state}\tlast used {used}\t{token.name}"
            )
