"""Shared kernel: the organization, its calendar and currencies, the base model, audit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_WEEKEND = [5, 6]  # Monday=0 … Sunday=6


def default_weekend() -> list[int]:
    return list(DEFAULT_WEEKEND)


class OrganizationManager(models.Manager["Organization"]):
    def get_default(self) -> Organization:
        """The installation's organization (one per installation; tables stay org-scoped)."""
        organization = self.order_by("id").first()
        if organization is None:
            organization = self.create(name="Patron")
        return organization


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    lapse_months = models.PositiveSmallIntegerField(
        _("lapse months"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("Consecutive inactive months after which an account is lapsed."),
    )
    upsell_threshold = models.DecimalField(
        _("upsell threshold"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("Share above the trailing average that counts as an upsell (0.20 = 20%)."),
    )
    risk_ratio = models.DecimalField(
        _("risk ratio"), max_digits=4, decimal_places=3, default=Decimal("0.900")
    )
    weekend_days = models.JSONField(_("weekend days"), default=default_weekend)
    handoff_rule = models.CharField(
        _("hand-off rule"),
        max_length=32,
        default="team_least_loaded",
        choices=[
            ("team_least_loaded", _("AM of the same team with the fewest active accounts")),
            ("territory", _("AM mapped to the company's territory")),
            ("manual", _("Manual")),
        ],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lapse_months__gte=1), name="organization_lapse_months_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a holiday on a weekday, or an adjusted working day."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="calendar_days"
    )
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("is working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="calendar_day_unique")
        ]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'work' if self.is_working else 'off'} {self.name}"


class CurrencyRate(models.Model):
    """How many units of the organization currency one unit of ``currency`` is worth."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="currency_rates"
    )
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)

    class Meta:
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency"], name="currency_rate_unique"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="currency_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency}={self.rate}"


class OrgScopedModel(models.Model):
    """Base for every business table: organization scope and timestamps."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who changed what, when, and through which channel."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        IMPORT_CREATE = "import_create", _("created by import")
        IMPORT_UPDATE = "import_update", _("updated by import")
        HANDOFF = "handoff", _("handed off")
        RECOMPUTE = "recompute", _("recomputed")
        LOGIN = "login", _("logged in")

    # no single-column indexes on organization or content type: "audit_target" leads with the
    # content type, and one organization per installation makes the other useless
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=16, default="system")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="audit_target")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    @property
    def change_list(self) -> list[tuple[str, Any, Any]]:
        return [(field, pair[0], pair[1]) for field, pair in sorted(self.changes.items())]
