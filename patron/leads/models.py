"""Leads: prospect records from a marketing list or an inbound channel (SPEC §1)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.companies.choices import Industry
from patron.core.models import OrgScopedModel
from patron.leads.choices import LeadStatus, MqlSource


class Lead(OrgScopedModel):
    external_id = models.CharField(_("lead id"), max_length=64)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    region = models.ForeignKey(
        "companies.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("region"),
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    owner = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
    )
    # the owner's team when the lead was assigned: what managers' scopes filter on
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("team"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    # the company and contact this lead is (or became): set by matching or by conversion
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("contact"),
    )
    # when the lead entered Patron (imports carry the list's own date); overrides the base
    # class's auto_now_add so that it can be given
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    mql_at = models.DateTimeField(_("became MQL at"), null=True, blank=True)
    mql_source = models.CharField(_("MQL by"), max_length=16, choices=MqlSource.choices, blank=True)
    # derived from the activities (patron.leads.touches): the first hunter touch since mql_at
    first_touch_at = models.DateTimeField(_("first touched at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="lead_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in LeadStatus]),
                name="lead_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(mql_at__isnull=True) | ~models.Q(mql_source=""),
                name="lead_mql_has_source",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "team", "created_at"], name="lead_team_created"),
            # the funnel's counts per period, person and team read these indexes alone
            # (patron.funnel.metrics and .per_person)
            models.Index(
                fields=["organization", "owner", "created_at", "team"], name="lead_owner_created"
            ),
            models.Index(
                fields=["organization", "owner", "mql_at", "team", "first_touch_at"],
                name="lead_owner_mql",
            ),
            models.Index(
                fields=["organization", "created_at", "owner", "team"], name="lead_created"
            ),
            models.Index(
                fields=["organization", "mql_at", "owner", "team", "first_touch_at"],
                name="lead_mql_at",
            ),
        ]

    def __str__(self) -> str:
        if self.company_name and self.contact_name:
            return f"{self.contact_name} · {self.company_name}"
        return self.contact_name or self.company_name or self.external_id

    @property
    def is_mql(self) -> bool:
        return self.mql_at is not None
