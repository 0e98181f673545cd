"""``patron prospecting``: conversion and refinement (SPEC §5) from the command line.

    patron prospecting conversion [--seller USERNAME] [--team NAME] --format table|json|csv
    patron prospecting lift --seller USERNAME --format table|json|csv
    patron prospecting accept --seller USERNAME --profile-version N

Numbers come from the same query objects as the API and the refine page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.core.errors import DomainError
from patron.core.models import Organization
from patron.core.tabular import FORMATS, render_csv, render_json, render_table
from patron.prospecting.models import IcpProfile
from patron.prospecting.refine import (
    conversion_report,
    refine_accept,
    seller_lifts,
    seller_proposals,
)

LINE_COLUMNS = [
    "scope",
    "key",
    "label",
    "listed",
    "called",
    "converted",
    "conversion",
    "below_goal",
]
LIFT_COLUMNS = [
    "dimension",
    "value",
    "called_with",
    "converted_with",
    "called_without",
    "converted_without",
    "conversion_with",
    "conversion_without",
    "lift",
]
PROPOSAL_COLUMNS = ["dimension", "value", "current", "proposed", "lift", "is_change"]


class Command(BaseCommand):
    help = _("Conversion of the call lists and refinement of the ICP profiles (SPEC §5).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=["conversion", "lift", "accept"])
        parser.add_argument("--seller", help=_("username or id"))
        parser.add_argument("--team", help=_("conversion: only the sellers of this team"))
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument(
            "--profile-version",
            dest="profile_version",
            type=int,
            help=_("accept: the profile version the proposal was shown for"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        seller = self._seller(organization, options["seller"])
        try:
            if options["report"] == "conversion":
                self._conversion(organization, seller, options["team"], options["format"])
            elif seller is None:
                raise CommandError(_("--seller is required"))
            elif options["report"] == "lift":
                self._lift(seller, options["format"])
            else:
                self._accept(seller, options["profile_version"])
        except DomainError as error:
            raise CommandError(error.message) from None

    def _seller(self, organization: Organization, value: str | None) -> User | None:
        if not value:
            return None
        lookup = Q(username=value) | (Q(id=int(value)) if value.isdigit() else Q())
        user = User.objects.filter(lookup, organization=organization).first()
        if user is None:
            raise CommandError(_("--seller: no user named %s") % value)
        return user

    def _write(self, fmt: str, columns: list[str], rows: list[list[Any]]) -> None:
        render = render_csv if fmt == "csv" else render_table
        self.stdout.write(render(columns, rows))

    def _conversion(
        self, organization: Organization, seller: User | None, team: str | None, fmt: str
    ) -> None:
        if seller is not None:
            sellers = [seller]
        else:
            with_profile = IcpProfile.objects.filter(seller_id=OuterRef("pk"))
            queryset = User.objects.filter(Exists(with_profile), organization=organization)
            if team:
                by_team = Q(team__name=team) | (Q(team_id=int(team)) if team.isdigit() else Q())
                queryset = queryset.filter(by_team)
            sellers = list(queryset.select_related("team").order_by("username"))
        data = conversion_report(organization=organization, sellers=sellers).as_dict()
        if fmt == "json":
            self.stdout.write(render_json(data))
            return
        rows: list[list[Any]] = [["all", *_line(data["total"])]]
        rows += [["band", *_line(line)] for line in data["bands"]]
        rows += [["team", *_line(line)] for line in data["teams"]]
        for line in data["sellers"]:
            rows.append(["seller", *_line(line)])
            rows += [[f"seller:{line['key']}:band", *_line(band)] for band in line["bands"]]
        self._write(fmt, LINE_COLUMNS, rows)

    def _lift(self, seller: User, fmt: str) -> None:
        lifts = seller_lifts(seller=seller)
        proposals = seller_proposals(seller=seller, lifts=lifts)
        lift_rows = [lift.as_dict() for lift in lifts]
        proposal_rows = [proposal.as_dict() for proposal in proposals]
        if fmt == "json":
            data = {"seller": seller.username, "lifts": lift_rows, "proposals": proposal_rows}
            self.stdout.write(render_json(data))
            return
        self._write(fmt, LIFT_COLUMNS, [[row[c] for c in LIFT_COLUMNS] for row in lift_rows])
        self.stdout.write("")
        self._write(
            fmt, PROPOSAL_COLUMNS, [[row[c] for c in PROPOSAL_COLUMNS] for row in proposal_rows]
        )

    def _accept(self, seller: User, version: int | None) -> None:
        if version is None:
            raise CommandError(_("--profile-version is required: the version the proposal is for"))
        profile = refine_accept(seller=seller, by=seller, version=version)
        self.stdout.write(_("Saved as profile version %(number)d.") % {"number": profile.version})


def _line(line: dict[str, Any]) -> list[Any]:
    return [line[c] for c in LINE_COLUMNS[1:]]
