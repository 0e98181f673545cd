from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """The dimensions of an ICP profile (SPEC §5)."""

    INDUSTRY = "industry", _("Industry")
    TITLE = "title", _("Title")
    TERRITORY = "territory", _("Territory")
    TRIGGER = "trigger", _("Trigger event")


class TriggerType(models.TextChoices):
    FUNDING = "funding", _("Funding round")
    MERGER = "merger", _("Merger")
    ACQUISITION = "acquisition", _("Acquisition")
    EXPANSION = "expansion", _("Expansion")
    NEW_EXECUTIVE = "new_executive", _("New management")
    RELOCATION = "relocation", _("Relocation")
    TENDER = "tender", _("Public tender")
    REGULATION = "regulation", _("New regulation")
    PRODUCT_LAUNCH = "product_launch", _("Product launch")


class OutReason(models.TextChoices):
    """Why a lead is out of target: its value in that dimension is outside the profile."""

    INDUSTRY = "industry", _("industry outside the profile")
    TITLE = "title", _("title outside the profile")
    TERRITORY = "territory", _("territory outside the profile")
