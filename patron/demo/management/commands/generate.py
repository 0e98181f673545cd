"""``patron generate``: build the demo world (a Shanghai network-services company)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from patron.core.audit import Actor, acting_as
from patron.core.commands import month_option
from patron.core.errors import DomainError
from patron.demo.sizes import SIZES
from patron.demo.world import WorldSummary, world_generate


def summary_lines(summary: WorldSummary) -> list[str]:
    lines = [
        _("Demo world %(size)s (seed %(seed)d), %(first)s … %(through)s:")
        % {
            "size": summary.size,
            "seed": summary.seed,
            "first": summary.first_month,
            "through": summary.through,
        }
    ]
    width = max(len(table) for table in summary.counts)
    lines += [f"  {table:<{width}}  {count:>10,}" for table, count in summary.counts.items()]
    lines.append(_("Ready in %(seconds).1f s.") % {"seconds": summary.elapsed})
    return lines


def _quiet(_message: str) -> None:
    return None


class Command(BaseCommand):
    help = _(
        "Generate the demo world: teams, products, companies, contacts and 24 months of orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--through", help=_("last month with orders, YYYY-MM (default: this month)")
        )
        parser.add_argument("--export", metavar="DIR", help=_("also write the import CSV files"))
        parser.add_argument(
            "--reset", action="store_true", help=_("delete existing companies and orders first")
        )
        parser.add_argument(
            "--skip-lifecycle",
            action="store_true",
            help=_("do not run the lifecycle recompute at the end"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        through = month_option("--through", options["through"]) if options["through"] else None
        verbose = options["verbosity"] >= 2
        with acting_as(Actor(user_id=None, label="patron generate", source="cli")):
            try:
                summary = world_generate(
                    size=options["size"],
                    seed=options["seed"],
                    through=through,
                    reset=options["reset"],
                    export_dir=Path(options["export"]) if options["export"] else None,
                    recompute=not options["skip_lifecycle"],
                    log=self.stdout.write if verbose else _quiet,
                )
            except DomainError as error:
                raise CommandError(str(error)) from None
        for line in summary_lines(summary):
            self.stdout.write(line)
