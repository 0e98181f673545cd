"""Companies (the customer organizations), their contacts, and the region tree."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.companies.choices import (
    Attitude,
    BuyingRole,
    CompanySize,
    CreditRating,
    Industry,
    Stage,
)
from patron.core.language import is_chinese
from patron.core.models import OrgScopedModel
from patron.imports.models import CreatedByImport


class Region(models.Model):
    """A place in the region tree (country → province → city). A region includes its children."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), default=0)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name in the active language: the Chinese name, or the English one where the
        region has one and another language is active."""
        return self.name if is_chinese() else (self.name_en or self.name)


class Company(CreatedByImport, OrgScopedModel):
    external_id = models.CharField(_("external id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, blank=True, db_index=True
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companies",
        verbose_name=_("region"),
    )
    size = models.CharField(_("size"), max_length=16, choices=CompanySize.choices, blank=True)
    owner = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_companies",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companies",
        verbose_name=_("team"),
    )
    is_reference = models.BooleanField(_("reference customer"), default=False)
    market_potential = models.DecimalField(
        _("estimated market potential"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    website = models.CharField(_("website"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Maintained by the lifecycle engine: the stage in the latest computed month.
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.PROSPECT
    )
    first_order_date = models.DateField(_("first order"), null=True, blank=True)
    # A checksum of the company's stored lifecycle rows: a recompute rewrites only the
    # companies whose rows changed.
    lifecycle_signature = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="company_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=[choice.value for choice in Stage]),
                name="company_stage_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(market_potential__isnull=True)
                | models.Q(market_potential__gte=Decimal("0")),
                name="company_potential_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "stage", "name"], name="company_stage_name"),
            models.Index(fields=["organization", "owner", "name"], name="company_owner_name"),
            models.Index(fields=["organization", "team", "name"], name="company_team_name"),
            models.Index(fields=["organization", "name", "id"], name="company_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(CreatedByImport, OrgScopedModel):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("company")
    )
    external_id = models.CharField(_("external id"), max_length=64)
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=16, choices=BuyingRole.choices, default=BuyingRole.UNKNOWN
    )
    influence = models.PositiveSmallIntegerField(
        _("influence (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    attitude = models.CharField(_("attitude"), max_length=16, choices=Attitude.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="contact_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(influence__isnull=True)
                | models.Q(influence__gte=1, influence__lte=5),
                name="contact_influence_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "email"], name="contact_email")]

    def __str__(self) -> str:
        return self.name
