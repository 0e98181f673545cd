from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    """Where a lead stands. Marketing qualification (MQL) is a moment (``mql_at``), not a status:
    an MQL is still being worked until it is converted or disqualified."""

    NEW = "new", _("New")
    WORKING = "working", _("Working")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")
    MERGED = "merged", _("Merged")


class MqlSource(models.TextChoices):
    """How a lead became marketing-qualified."""

    RULE = "rule", _("Marketing rule")
    IMPORT = "import", _("Import")
    MANUAL = "manual", _("By hand")


class MatchKey(models.TextChoices):
    """What made an imported row a duplicate (see patron.leads.rules)."""

    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    NAME = "name", _("Company and contact name")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")
