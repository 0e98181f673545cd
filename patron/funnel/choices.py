from django.db import models
from django.utils.translation import gettext_lazy as _


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class HandoffStatus(models.TextChoices):
    """Where the hand-off of an SDR-sourced opportunity to an AE stands."""

    PENDING = "pending", _("Waiting for the AE")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class RejectionReason(models.TextChoices):
    NOT_QUALIFIED = "not_qualified", _("Not qualified: no real need")
    NO_BUDGET = "no_budget", _("No budget")
    NO_AUTHORITY = "no_authority", _("Not the decision maker")
    BAD_TIMING = "bad_timing", _("Too early")
    DUPLICATE = "duplicate", _("Duplicate of an existing opportunity")
    EXISTING_ACCOUNT = "existing_account", _("Belongs to an existing account's owner")
    OTHER = "other", _("Other")


class LossReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Lost to a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_DECISION = "no_decision", _("No decision")
    PRODUCT_FIT = "product_fit", _("Product does not fit")
    TIMING = "timing", _("Timing")
    UNRESPONSIVE = "unresponsive", _("Went silent")
    REJECTED = "rejected", _("Rejected at hand-off")
    OTHER = "other", _("Other")


class SlaKind(models.TextChoices):
    MQL_FIRST_TOUCH = "mql_first_touch", _("MQL first SDR touch")
    HANDOFF_RESPONSE = "handoff_response", _("AE accepts or rejects a hand-off")


class FunnelRole(models.TextChoices):
    """Roles whose history the funnel counts (headcount during a period)."""

    SDR = "sdr", _("SDR")
    AE = "ae", _("AE")
