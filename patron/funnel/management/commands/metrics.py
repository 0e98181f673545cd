"""``patron metrics``: the SDR → AE funnel (SPEC §9) from the command line.

    patron metrics funnel --from 2026-04-01 --to 2026-06-30 [--team T] [--user U]
                          [--people | --bucket week|month] --format table|json|csv
    patron metrics sla --from … --to … [--team T] [--user U] --format …
    patron metrics headcount --target 12000000 --months 12 --from … --to … [--team T]
    patron metrics rebuild      # the daily roll-up of every day, from the leads and opportunities

Numbers come from the same query objects as the API and the dashboard.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import gettext as _

from patron.accounts.models import Team, User
from patron.core.errors import DomainError
from patron.core.models import Organization
from patron.core.tabular import FORMATS, render_csv, render_json, render_table
from patron.funnel.metrics import METRICS
from patron.funnel.periods import BUCKETS
from patron.funnel.reports import FunnelReport, funnel_report, headcount_report
from patron.funnel.rollup import rebuild_all
from patron.funnel.sla import sla_report


def date_option(option: str, value: str | None) -> dt.date:
    if not value:
        raise CommandError(_("%(option)s is required (YYYY-MM-DD)") % {"option": option})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s: a date must look like YYYY-MM-DD, got %(value)r")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    help = _("Funnel metrics, SLA compliance and headcount planning (SPEC §9).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=["funnel", "sla", "headcount", "rebuild"])
        parser.add_argument("--from", dest="date_from", help=_("first day, YYYY-MM-DD"))
        parser.add_argument("--to", dest="date_to", help=_("last day, YYYY-MM-DD"))
        parser.add_argument("--team", help=_("team name or id"))
        parser.add_argument("--user", help=_("username or id"))
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument("--people", action="store_true", help=_("funnel: one row per person"))
        parser.add_argument("--bucket", choices=BUCKETS, help=_("funnel: a row per week or month"))
        parser.add_argument("--target", help=_("headcount: revenue target"))
        parser.add_argument(
            "--months", type=int, default=12, help=_("headcount: months to reach the target")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        if options["report"] == "rebuild":
            days = rebuild_all(organization)
            self.stdout.write(_("Rebuilt the funnel roll-up: %(days)d days.") % {"days": days})
            return
        date_from = date_option("--from", options["date_from"])
        date_to = date_option("--to", options["date_to"])
        team_id = self._team(organization, options["team"])
        user_id = self._user(organization, options["user"])
        fmt = options["format"]
        try:
            if options["report"] == "funnel":
                report = funnel_report(
                    organization=organization,
                    date_from=date_from,
                    date_to=date_to,
                    team_id=team_id,
                    user_id=user_id,
                    people=options["people"],
                    bucket=options["bucket"],
                )
                self._funnel(report, fmt)
            elif options["report"] == "sla":
                self._sla(organization, date_from, date_to, team_id, user_id, fmt)
            else:
                self._headcount(organization, options, date_from, date_to, team_id, fmt)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _team(self, organization: Organization, value: str | None) -> int | None:
        if not value:
            return None
        lookup = Q(name=value) | (Q(id=int(value)) if value.isdigit() else Q())
        team = Team.objects.filter(lookup, organization=organization).first()
        if team is None:
            raise CommandError(_("--team: no team named %s") % value)
        return team.pk

    def _user(self, organization: Organization, value: str | None) -> int | None:
        if not value:
            return None
        lookup = Q(username=value) | (Q(id=int(value)) if value.isdigit() else Q())
        user = User.objects.filter(lookup, organization=organization).first()
        if user is None:
            raise CommandError(_("--user: no user named %s") % value)
        return user.pk

    def _write(self, fmt: str, columns: list[str], rows: list[list[Any]]) -> None:
        render = render_csv if fmt == "csv" else render_table
        self.stdout.write(render(columns, rows))

    def _funnel(self, report: FunnelReport, fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(render_json(report.as_dict()))
            return
        if report.people is not None:
            rows = [
                [row.label, row.team_label, *row.metrics.values().values()] for row in report.people
            ]
            self._write(fmt, ["name", "team", *METRICS], rows)
            return
        if report.bucket is not None:
            rows = [[period.label, *m.values().values()] for period, m in report.trend]
            self._write(fmt, [report.bucket, *METRICS], rows)
            return
        values = report.metrics.values()
        plays = [play.as_dict() for play in report.plays]
        if fmt == "csv":
            rows = [[name, value] for name, value in values.items()]
            for play in plays:
                for key in ("opportunities", "win_rate", "asp"):
                    rows.append([f"engagement_mode.{play['play'] or '-'}.{key}", play[key]])
            self._write(fmt, ["metric", "value"], rows)
            return
        self.stdout.write(
            f"{report.scope.label} · {report.date_from.isoformat()} … {report.date_to.isoformat()}"
        )
        self._write(fmt, ["metric", "value"], [[k, v] for k, v in values.items()])
        self.stdout.write("")
        self.stdout.write("engagement_mode")
        columns = ["play", "label", "opportunities", "won", "lost", "win_rate", "asp"]
        self._write(fmt, columns, [[play[c] for c in columns] for play in plays])

    def _sla(
        self,
        organization: Organization,
        date_from: dt.date,
        date_to: dt.date,
        team_id: int | None,
        user_id: int | None,
        fmt: str,
    ) -> None:
        sections = sla_report(
            organization=organization,
            date_from=date_from,
            date_to=date_to,
            team_ids={team_id} if team_id else None,
            user_id=user_id,
        )
        if fmt == "json":
            self.stdout.write(render_json([section.as_dict() for section in sections]))
            return
        columns = [
            "sla",
            "scope",
            "name",
            "team",
            "met",
            "breached",
            "at_risk",
            "open",
            "compliance",
        ]
        rows = []
        for section in sections:
            for scope, group in (
                ("all", [section.total]),
                ("team", section.teams),
                ("person", section.people),
            ):
                for row in group:
                    rows.append(
                        [
                            section.kind,
                            scope,
                            row.label,
                            row.team_label,
                            row.met,
                            row.breached,
                            row.at_risk,
                            row.open,
                            row.compliance,
                        ]
                    )
        self._write(fmt, columns, rows)

    def _headcount(
        self,
        organization: Organization,
        options: dict[str, Any],
        date_from: dt.date,
        date_to: dt.date,
        team_id: int | None,
        fmt: str,
    ) -> None:
        try:
            target = Decimal(options["target"] or "")
        except InvalidOperation:
            raise CommandError(_("--target: a revenue amount is required, e.g. 12000000")) from None
        result = headcount_report(
            organization=organization,
            target=target,
            months=options["months"],
            date_from=date_from,
            date_to=date_to,
            team_id=team_id,
        )
        data = result.as_dict()
        if fmt == "json":
            self.stdout.write(render_json(data))
            return
        rows: list[list[Any]] = []
        for group in ("measured", "needed", "benchmark"):
            rows.extend([f"{group}.{key}", value] for key, value in data[group].items())
        rows.append(["missing", " ".join(data["missing"])])
        self._write(fmt, ["name", "value"], rows)
