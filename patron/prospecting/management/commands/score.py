"""``patron score --seller USERNAME [--format table|json|csv] [--limit N]``: the seller's
ranked list with each lead's score breakdown (SPEC §5)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.audit import Actor, acting_as
from patron.core.models import Organization
from patron.core.tabular import FORMATS, render_csv, render_json, render_table
from patron.prospecting.explain import (
    breakdown_text,
    out_reasons_text,
    region_names_for,
    term_lines,
)
from patron.prospecting.models import IcpProfile
from patron.prospecting.selectors import ScoreFilter, score_list
from patron.prospecting.services import score_seller

COLUMNS = ["rank", "lead_id", "company", "contact", "title", "score", "starred", "breakdown"]


class Command(BaseCommand):
    help = _("A seller's ranked prospect list with each lead's score breakdown (SPEC §5).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", required=True, help=_("the seller's username"))
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument("--limit", type=int, default=50, help=_("rows to print (default 50)"))
        parser.add_argument(
            "--out-of-target", action="store_true", help=_("list the out-of-target leads")
        )
        parser.add_argument(
            "--rescore", action="store_true", help=_("score the whole list again first")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        seller = User.objects.filter(organization=organization, username=options["seller"]).first()
        if seller is None:
            raise CommandError(_("--seller: no user named %s") % options["seller"])
        if options["limit"] < 1:
            raise CommandError(_("--limit: must be at least 1"))
        if not IcpProfile.objects.filter(seller=seller).exists():
            raise CommandError(_("--seller: %s has no ICP profile yet") % seller.username)
        if options["rescore"]:
            with acting_as(Actor(user_id=None, label="patron score", source="cli")):
                score_seller(seller=seller)
        filters = ScoreFilter(in_target=not options["out_of_target"])
        scores = list(score_list(seller, seller=seller, filters=filters)[: options["limit"]])
        names = region_names_for(scores)
        rows = []
        for position, score in enumerate(scores, start=1):
            lead = score.lead
            rows.append(
                {
                    "rank": position,
                    "lead_id": lead.external_id,
                    "company": lead.company_name,
                    "contact": lead.contact_name,
                    "title": lead.title,
                    "score": score.score,
                    "starred": score.starred,
                    "breakdown": out_reasons_text(score)
                    if options["out_of_target"]
                    else breakdown_text(score, names),
                    "terms": term_lines(score, names),
                }
            )
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(render_json(rows))
            return
        table = [[row[column] for column in COLUMNS] for row in rows]
        render = render_csv if fmt == "csv" else render_table
        self.stdout.write(render(COLUMNS, table))
