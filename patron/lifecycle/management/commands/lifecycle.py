from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from patron.companies.models import Company
from patron.core.audit import Actor, acting_as
from patron.core.commands import month_option
from patron.core.models import Organization
from patron.core.months import month_label
from patron.lifecycle.services import lifecycle_recompute


class Command(BaseCommand):
    help = _("Recompute the monthly lifecycle stage and events of every company.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["recompute"])
        parser.add_argument("--through", help=_("last month to compute, YYYY-MM (default: now)"))
        parser.add_argument(
            "--company", action="append", default=[], help=_("external id; repeatable")
        )
        parser.add_argument(
            "--force", action="store_true", help=_("rewrite every row, changed or not")
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("hand the recompute to the background worker instead of running it here"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get_default()
        through = month_option("--through", options["through"]) if options["through"] else None
        company_ids = None
        if options["company"]:
            found = dict(
                Company.objects.filter(
                    organization=organization, external_id__in=options["company"]
                ).values_list("external_id", "id")
            )
            missing = sorted(set(options["company"]) - set(found))
            if missing:
                raise CommandError(_("--company: unknown external id(s): %s") % ", ".join(missing))
            company_ids = list(found.values())
        if options["enqueue"]:
            from patron.lifecycle.tasks import lifecycle_recompute_task

            queued = lifecycle_recompute_task.enqueue(organization.id, company_ids, through)
            self.stdout.write(_("Queued lifecycle recompute as task %s") % queued.id)
            return
        with acting_as(Actor(user_id=None, label="cli", source="cli")):
            result = lifecycle_recompute(
                organization=organization,
                company_ids=company_ids,
                through_month=through,
                force=options["force"],
            )
        self.stdout.write(
            _(
                "Recomputed %(companies)d companies through %(month)s: %(months)d company-months, "
                "%(events)d events, %(handoffs)d new hand-offs, %(rewritten)d companies rewritten "
                "in %(seconds).2f s"
            )
            % {
                "companies": result.companies,
                "month": month_label(result.through_month),
                "months": result.months,
                "events": result.events,
                "handoffs": result.handoffs,
                "rewritten": result.rewritten,
                "seconds": result.seconds,
            }
        )
