from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import gettext as _

from patron.accounts.models import Team
from patron.core.commands import month_option
from patron.core.models import Organization
from patron.core.months import current_month
from patron.core.tabular import FORMATS, render_csv, render_json, render_table
from patron.lifecycle.selectors import company_stage_rows, lifecycle_counts
from patron.performance.indicators import INDICATORS, indicators_report


class Command(BaseCommand):
    help = _("Reports: lifecycle counts and performance indicators for a month.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=["indicators", "lifecycle"])
        parser.add_argument("--month", help=_("YYYY-MM (default: the current month)"))
        parser.add_argument("--team", help=_("team name or id"))
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument(
            "--companies", action="store_true", help=_("lifecycle: list each company")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        month = (
            month_option("--month", options["month"])
            if options["month"]
            else current_month(organization.time_zone)
        )
        team_id = self._team(organization, options["team"])
        if options["report"] == "indicators":
            self._indicators(organization, month, team_id, options["format"])
        else:
            self._lifecycle(organization, month, team_id, options["format"], options["companies"])

    def _team(self, organization: Organization, value: str | None) -> int | None:
        if not value:
            return None
        lookup = Q(name=value)
        if value.isdigit():
            lookup |= Q(id=int(value))
        team = Team.objects.filter(lookup, organization=organization).first()
        if team is None:
            raise CommandError(_("--team: no team named %s") % value)
        return team.id

    def _indicators(
        self, organization: Organization, month: int, team_id: int | None, fmt: str
    ) -> None:
        report = indicators_report(organization=organization, month=month, team_id=team_id)
        if fmt == "json":
            self.stdout.write(render_json(report.as_dict()))
            return
        columns = ["scope", "name", "team", *INDICATORS]
        rows = [
            [row.scope, row.label, row.team_label, *row.values().values()] for row in report.rows()
        ]
        render = render_csv if fmt == "csv" else render_table
        self.stdout.write(render(columns, rows))

    def _lifecycle(
        self, organization: Organization, month: int, team_id: int | None, fmt: str, each: bool
    ) -> None:
        counts = lifecycle_counts(organization=organization, month=month, team_id=team_id)
        companies = (
            company_stage_rows(organization=organization, month=month, team_id=team_id)
            if each
            else None
        )
        if fmt == "json":
            data = counts.as_dict()
            if companies is not None:
                data["companies"] = companies
            self.stdout.write(render_json(data))
            return
        render = render_csv if fmt == "csv" else render_table
        if companies is not None:
            columns = ["external_id", "name", "stage", "events"]
            rows = [[c["external_id"], c["name"], c["stage"], c["events"]] for c in companies]
            self.stdout.write(render(columns, rows))
            return
        rows = [["stage", key, value] for key, value in counts.stages.items()]
        rows += [["event", key, value] for key, value in counts.events.items()]
        self.stdout.write(render(["kind", "name", "count"], rows))
