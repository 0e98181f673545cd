"""What an organization configures for its funnel: opportunity stages, plays, the marketing
rules that make a lead an MQL, SLA policies, and who held the SDR / AE role when."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import OrgScopedModel
from patron.funnel.choices import FunnelRole, SlaKind


class OpportunityStage(OrgScopedModel):
    """One step of the pipeline. Stages are ordered by ``number``, which starts at 1."""

    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=100)
    probability = models.PositiveSmallIntegerField(
        _("win probability %"), default=10, validators=[MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("opportunity stage")
        verbose_name_plural = _("opportunity stages")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="stage_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="stage_number_from_1"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stage_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Play(OrgScopedModel):
    """An engagement mode: how an opportunity is worked (demo request, webinar follow-up, …)."""

    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("play")
        verbose_name_plural = _("plays")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="play_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MarketingRule(OrgScopedModel):
    """A lead matching every condition of an active rule becomes an MQL.

    Empty lists mean "any". Titles match when they contain one of the keywords (case folded);
    a region includes its sub-regions.
    """

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("is active"), default=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    title_keywords = models.JSONField(_("title keywords"), default=list, blank=True)
    region = models.ForeignKey(
        "companies.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    require_email = models.BooleanField(_("needs an email"), default=False)
    require_phone = models.BooleanField(_("needs a phone"), default=False)
    require_company = models.BooleanField(_("needs a company name"), default=False)

    class Meta:
        verbose_name = _("marketing rule")
        verbose_name_plural = _("marketing rules")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="mql_rule_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(OrgScopedModel):
    """A service level between SDRs and AEs, measured in business hours.

    Working days are the organization's (weekend days and its calendar of holidays and
    adjusted working days); working hours are the policy's, with an optional break.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=SlaKind.choices)
    target_hours = models.DecimalField(
        _("target (business hours)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("999"))],
    )
    warn_minutes = models.PositiveIntegerField(
        _("warn when less than (minutes) is left"),
        default=60,
        validators=[MaxValueValidator(60 * 24)],
    )
    day_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    day_end = models.TimeField(_("working day ends"), default=dt.time(18, 0))
    break_start = models.TimeField(_("break starts"), null=True, blank=True)
    break_end = models.TimeField(_("break ends"), null=True, blank=True)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="sla_policy_kind_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[choice.value for choice in SlaKind]),
                name="sla_policy_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(day_end__gt=models.F("day_start")),
                name="sla_policy_day_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(target_hours__gt=0), name="sla_policy_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(SlaKind(self.kind).label) if self.kind in SlaKind.values else self.kind


class RoleSpell(OrgScopedModel):
    """A period in which a user held a funnel role (headcount "during the period").

    Users who hold the role today and have no spell for it count from the day they joined.
    """

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="role_spells",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=FunnelRole.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("role period")
        verbose_name_plural = _("role periods")
        ordering = ["user_id", "role", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="role_spell_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in FunnelRole]),
                name="role_spell_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "role", "started_on"], name="spell_role")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} {self.started_on}…{self.ended_on or ''}"
