"""``patron import KIND FILE [--dry-run] [--user USERNAME] [--quiet]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.audit import SYSTEM, Actor
from patron.core.errors import DomainError
from patron.core.models import Organization
from patron.imports.progress import NoProgress, Progress, ThresholdProgress
from patron.imports.services import KINDS, ImportResult, import_file


class Command(BaseCommand):
    help = _("Import companies, contacts, products, orders or leads from a CSV or XLSX file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help=_("what the file holds"))
        parser.add_argument("file", type=Path, help=_("CSV (UTF-8 or GBK) or XLSX file"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("validate and count, write nothing")
        )
        parser.add_argument("--user", help=_("username recorded as the actor of the changes"))
        parser.add_argument("--quiet", action="store_true", help=_("no progress bar"))

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        actor = self.actor(organization, options["user"])
        progress: Progress = NoProgress() if options["quiet"] else ThresholdProgress()
        try:
            result = import_file(
                organization=organization,
                kind=options["kind"],
                path=options["file"],
                actor=actor,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        finally:
            if isinstance(progress, ThresholdProgress):
                progress.close()
        self.report(result)

    def actor(self, organization: Organization, username: str | None) -> Actor:
        if not username:
            return SYSTEM
        user = User.objects.filter(organization=organization, username=username).first()
        if user is None:
            raise CommandError(_("No user named %(username)s.") % {"username": username})
        return Actor(user_id=user.pk, label=user.get_username(), source="cli")

    def report(self, result: ImportResult) -> None:
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        if result.ignored_columns:
            self.stdout.write(
                _("Ignored unknown columns: %(columns)s")
                % {"columns": ", ".join(result.ignored_columns)}
            )
        self.stdout.write(
            _(
                "%(kind)s: %(rows)d rows read; created %(created)d, updated %(updated)d, "
                "unchanged %(unchanged)d, rejected %(rejected)d (%(seconds).1f s)"
            )
            % {
                "kind": result.kind,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
                "seconds": result.seconds,
            }
        )
        if result.kind == "leads":
            self.stdout.write(
                _(
                    "Duplicates: %(duplicates)d rows matched an existing lead or contact and "
                    "were linked to it for review instead of created"
                )
                % {"duplicates": result.duplicates}
            )
        if result.rejects_path is not None:
            self.stdout.write(
                _("Rejected rows and reasons: %(path)s") % {"path": result.rejects_path}
            )
