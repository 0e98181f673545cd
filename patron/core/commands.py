"""Option parsing shared by the ``patron`` commands, with translated messages."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from patron.core.months import parse_month


def month_option(option: str, value: str) -> int:
    """``YYYY-MM`` → month index, or a CommandError naming the option and the bad value."""
    try:
        return parse_month(value)
    except ValueError:
        raise CommandError(
            _("%(option)s: month must look like YYYY-MM, got %(value)r")
            % {"option": option, "value": value}
        ) from None
