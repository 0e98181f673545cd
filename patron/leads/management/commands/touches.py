"""``patron touches refresh``: set every lead's first hunter touch again from the activities.

Writes through Patron's services keep ``Lead.first_touch_at`` current; this rebuilds it after
activities or roles were changed outside them (a database restore, a raw SQL fix)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from patron.core.models import Organization
from patron.leads.models import Lead
from patron.leads.touches import first_touch_refresh


class Command(BaseCommand):
    help = _("Rebuild each lead's first SDR/BDM touch since it became an MQL.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        for organization in Organization.objects.all():
            with transaction.atomic():
                first_touch_refresh(organization=organization)
            touched = Lead.objects.filter(
                organization=organization, first_touch_at__isnull=False
            ).count()
            self.stdout.write(
                _("%(org)s: %(count)s leads touched since they became MQL")
                % {"org": organization.name, "count": f"{touched:,}"}
            )
        self.stdout.write(
            _("Done in %(seconds).1f s.") % {"seconds": time.perf_counter() - started}
        )
