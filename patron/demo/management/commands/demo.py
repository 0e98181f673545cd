"""``patron demo``: migrate, generate the small world once, print the demo logins, serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from patron.companies.models import Company
from patron.core.audit import Actor, acting_as
from patron.core.errors import DomainError
from patron.core.models import Organization
from patron.demo.management.commands.generate import summary_lines
from patron.demo.reference import DEMO_PASSWORD, demo_logins_ensure
from patron.demo.sizes import SIZES
from patron.demo.world import world_generate


class Command(BaseCommand):
    help = _("Set up the demo (migrate, generate once, create logins) and serve the web app.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help=_("stop after printing the logins")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        organization = Organization.objects.get_default()
        with acting_as(Actor(user_id=None, label="patron demo", source="cli")):
            if Company.objects.filter(organization=organization).exists():
                self.stdout.write(_("Reusing the existing data (the database has companies)."))
            else:
                self.stdout.write(
                    _("Generating the %(size)s demo world…") % {"size": options["size"]}
                )
                try:
                    summary = world_generate(size=options["size"], seed=options["seed"])
                except DomainError as error:
                    raise CommandError(str(error)) from None
                for line in summary_lines(summary):
                    self.stdout.write(line)
                organization = Organization.objects.get_default()
            logins = demo_logins_ensure(organization)
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (password for all: %(password)s)") % {"password": DEMO_PASSWORD}
        )
        header = (_("role"), _("username"), _("password"))
        rows = [(role, username, DEMO_PASSWORD) for role, username, _created in logins]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        for row in [header, tuple("-" * w for w in widths), *rows]:
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s") % {"url": url})
        if options["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
