"""Leads: prospect records from a marketing list or an inbound channel (SPEC §1)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.companies.choices import Industry
from patron.core.models import Organization, OrgScopedModel
from patron.imports.models import CreatedByImport, ImportRun
from patron.leads.choices import DuplicateStatus, LeadStatus, MatchKey, MqlSource


class Lead(CreatedByImport, OrgScopedModel):
    # every index of the table starts with the organization: no index of its own
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )
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
    # the owner's team when the lead was assigned: what managers' scopes filter on, always
    # within the organization (the lead_team_created index)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("team"),
        db_index=False,
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
        db_index=False,  # mostly empty: a partial index (Meta) serves the lookups
    )
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("contact"),
        db_index=False,  # mostly empty: a partial index (Meta) serves the lookups
    )
    # when the lead entered Patron (imports carry the list's own date); overrides the base
    # class's auto_now_add so that it can be given
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    mql_at = models.DateTimeField(_("became MQL at"), null=True, blank=True)
    mql_source = models.CharField(_("MQL by"), max_length=16, choices=MqlSource.choices, blank=True)
    # derived from the activities (patron.leads.touches): the first hunter touch since mql_at
    first_touch_at = models.DateTimeField(_("first touched at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    # duplicate match keys (patron.leads.rules), kept by every write so matching is a join
    email_key = models.CharField(max_length=254, null=True, blank=True, editable=False)
    phone_key = models.CharField(max_length=40, null=True, blank=True, editable=False)
    name_key = models.CharField(max_length=400, null=True, blank=True, editable=False)
    # a lead merged into another (status "merged") keeps its row and history and names it
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_leads",
        verbose_name=_("merged into"),
        db_index=False,
    )

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
        # A bulk import builds every index once after the load (patron.imports.writers): each
        # one costs seconds per million leads, so none is redundant. The organization and the
        # team have no index of their own: every query names the organization, which leads
        # these indexes.
        indexes = [
            models.Index(fields=["organization", "team", "created_at"], name="lead_team_created"),
            # a seller's leads by period; the funnel roll-up rebuilds a day from the two
            # (organization, <moment>, …) indexes alone (patron.funnel.rollup)
            models.Index(
                fields=["organization", "owner", "created_at", "team"], name="lead_owner_created"
            ),
            models.Index(
                fields=["organization", "created_at", "owner", "team"], name="lead_created"
            ),
            # MQL moments: only MQLs are indexed (every query on them bounds mql_at, which
            # implies IS NOT NULL), so a list of new leads adds nothing to these two
            models.Index(
                fields=["organization", "owner", "mql_at", "team", "first_touch_at"],
                name="lead_owner_mql",
                condition=models.Q(mql_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "mql_at", "owner", "team", "first_touch_at"],
                name="lead_mql_at",
                condition=models.Q(mql_at__isnull=False),
            ),
            models.Index(fields=["organization", "email_key"], name="lead_email_key"),
            models.Index(fields=["organization", "phone_key"], name="lead_phone_key"),
            models.Index(fields=["organization", "name_key"], name="lead_name_key"),
            # foreign keys that most leads leave empty: indexed only where set, so a bulk
            # import of new leads does not maintain three indexes of NULLs
            models.Index(
                fields=["company"], name="lead_company", condition=models.Q(company__isnull=False)
            ),
            models.Index(
                fields=["contact"], name="lead_contact", condition=models.Q(contact__isnull=False)
            ),
            models.Index(
                fields=["merged_into"],
                name="lead_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        if self.company_name and self.contact_name:
            return f"{self.contact_name} · {self.company_name}"
        return self.contact_name or self.company_name or self.external_id

    @property
    def is_mql(self) -> bool:
        return self.mql_at is not None


class LeadDuplicate(OrgScopedModel):
    """A row of a lead import that matched an existing lead or contact (or an earlier row of the
    same file) and was therefore not created; it waits for review: merge or dismiss.

    ``values`` are the row's cells as imported. ``lead`` is the lead the row became when it was
    dismissed (created as a separate lead) or, for a duplicate found between two stored leads,
    the newer of them.
    """

    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import run"),
    )
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    external_id = models.CharField(_("lead id"), max_length=64, blank=True)
    values = models.JSONField(_("values"), default=dict)
    matched_lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("matched lead"),
    )
    matched_contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lead_duplicates",
        verbose_name=_("matched contact"),
    )
    match_key = models.CharField(_("matched by"), max_length=8, choices=MatchKey.choices)
    lead = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead duplicate")
        verbose_name_plural = _("lead duplicates")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(matched_lead__isnull=False)
                | models.Q(matched_contact__isnull=False),
                name="lead_duplicate_has_match",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in DuplicateStatus]),
                name="lead_duplicate_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "id"], name="lead_duplicate_status"),
            models.Index(fields=["import_run", "status"], name="lead_duplicate_run"),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.pk)

    @property
    def value_text(self) -> str:
        values = self.values or {}
        return " · ".join(
            str(values[name]) for name in ("contact_name", "company_name") if values.get(name)
        )
