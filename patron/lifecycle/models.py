"""Stored lifecycle: the stage of every company in every month from its first order on,
the events of each month, and the BDM → AM hand-offs. Written only by the lifecycle engine.

Months before a company's first counted order are ``prospect`` and are not stored: a company
with no row for a month is a prospect in that month.

CompanyMonth and LifecycleEvent are derived tables, rebuilt by the engine from rows it has
just read in the same transaction: their foreign keys carry no database constraint (millions
of per-row checks on every rebuild, for ids that cannot dangle). Django still cascades a
company's deletion to them, and ``patron lifecycle recompute --force`` rebuilds them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.companies.choices import Stage


class EventKind(models.TextChoices):
    BECAME_CUSTOMER = "became_customer", _("Became customer")
    BECAME_ACCOUNT = "became_account", _("Became account")
    BECAME_VISITOR = "became_visitor", _("Became visitor")
    LAPSED = "lapsed", _("Lapsed")
    WON_BACK = "won_back", _("Won back")
    RETURNED = "returned", _("Returned")
    UPSOLD = "upsold", _("Upsold")
    CROSS_SOLD = "cross_sold", _("Cross-sold")


class HandoffRule(models.TextChoices):
    TEAM_LEAST_LOADED = "team_least_loaded", _("AM of the same team with the fewest accounts")
    TERRITORY = "territory", _("Territory mapping")
    MANUAL = "manual", _("Manual")


def _derived_key(to: str, **options: object) -> models.ForeignKey:  # type: ignore[type-arg]
    """A reference from a derived table: no index of its own, no database constraint."""
    return models.ForeignKey(to, db_index=False, db_constraint=False, **options)  # type: ignore[arg-type]


class DerivedMonthRow(models.Model):
    """What the stored lifecycle rows share: the month (its first day) and who is credited."""

    organization = _derived_key("core.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    owner = _derived_key(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = _derived_key(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class CompanyMonth(DerivedMonthRow):
    company = _derived_key("companies.Company", on_delete=models.CASCADE, related_name="months")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    is_active = models.BooleanField(_("active"))
    revenue = models.DecimalField(
        _("revenue"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    families_owned = models.PositiveIntegerField(_("product families owned"), default=0)

    class Meta:
        verbose_name = _("company month")
        verbose_name_plural = _("company months")
        ordering = ["company_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="company_month_unique"),
        ]
        # lean on purpose: the unique (company, month) index serves per-company reads, and one
        # (month, team, stage) index serves every monthly count and indicator query
        indexes = [models.Index(fields=["month", "team", "stage"], name="company_month_team")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m} {self.stage}"


class LifecycleEvent(DerivedMonthRow):
    company = _derived_key(
        "companies.Company", on_delete=models.CASCADE, related_name="lifecycle_events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")
        ordering = ["company_id", "month", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "month", "kind"], name="lifecycle_event_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "kind"], name="lifecycle_event_month")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m} {self.kind}"


class Handoff(models.Model):
    """A change of owner: a new account handed from its BDM to an AM, or a manual reassignment."""

    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="handoffs"
    )
    from_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs_given",
        verbose_name=_("from"),
    )
    to_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs_received",
        verbose_name=_("to"),
    )
    month = models.DateField(_("month"))
    rule = models.CharField(_("rule"), max_length=32, choices=HandoffRule.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        ordering = ["company_id", "month", "id"]
        indexes = [models.Index(fields=["company", "month"], name="handoff_company_month")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m} {self.from_user_id}->{self.to_user_id}"
