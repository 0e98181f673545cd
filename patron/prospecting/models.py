"""Prospecting (SPEC §5): ICP profiles per seller, title synonyms, trigger events, and the
stored score of every lead on a seller's list with its per-criterion breakdown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import Organization, OrgScopedModel
from patron.imports.models import CreatedByImport
from patron.prospecting.choices import Dimension, OutReason, TriggerType

WEIGHT_CHOICES = [(0, _("0 · not important")), (1, _("1 · somewhat")), (2, _("2 · very"))]


class IcpProfile(OrgScopedModel):
    """One seller's ideal customer profile: targets (``IcpTarget``) and dimension weights."""

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="icp_profile",
        verbose_name=_("seller"),
    )
    trigger_days = models.PositiveSmallIntegerField(_("trigger window (days)"), default=90)
    industry_weight = models.PositiveSmallIntegerField(
        _("industry weight"), choices=WEIGHT_CHOICES, default=2
    )
    title_weight = models.PositiveSmallIntegerField(
        _("title weight"), choices=WEIGHT_CHOICES, default=2
    )
    territory_weight = models.PositiveSmallIntegerField(
        _("territory weight"), choices=WEIGHT_CHOICES, default=1
    )
    trigger_weight = models.PositiveSmallIntegerField(
        _("trigger weight"), choices=WEIGHT_CHOICES, default=2
    )
    # the number of the latest IcpProfileVersion (0 before the first save)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("ICP profile")
        verbose_name_plural = _("ICP profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(industry_weight__lte=2)
                & models.Q(title_weight__lte=2)
                & models.Q(territory_weight__lte=2)
                & models.Q(trigger_weight__lte=2),
                name="icp_profile_weights_range",
            ),
            models.CheckConstraint(
                condition=models.Q(trigger_days__gte=1) & models.Q(trigger_days__lte=3650),
                name="icp_profile_trigger_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"ICP {self.seller_id} v{self.version}"

    def weight_of(self, dimension: str) -> int:
        return int(getattr(self, f"{dimension}_weight"))


class IcpTarget(models.Model):
    """A target value of one dimension: an industry code, a title, a region code or a trigger
    type. ``priority`` (0–2) overrides the dimension's weight for this value when set."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    profile = models.ForeignKey(
        IcpProfile, on_delete=models.CASCADE, related_name="targets", verbose_name=_("profile")
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=150)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=WEIGHT_CHOICES, null=True, blank=True
    )

    class Meta:
        verbose_name = _("ICP target")
        verbose_name_plural = _("ICP targets")
        ordering = ["profile", "dimension", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "dimension", "value"], name="icp_target_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=[choice.value for choice in Dimension]),
                name="icp_target_dimension_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__isnull=True) | models.Q(priority__lte=2),
                name="icp_target_priority_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class IcpProfileVersion(models.Model):
    """A snapshot of a profile after each accepted change, so old scores stay explainable."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    profile = models.ForeignKey(
        IcpProfile, on_delete=models.CASCADE, related_name="versions", verbose_name=_("profile")
    )
    number = models.PositiveIntegerField(_("number"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # {"trigger_days": 90, "weights": {...}, "targets": [{"dimension", "value", "priority"}]}
    snapshot = models.JSONField(_("snapshot"), default=dict)

    class Meta:
        verbose_name = _("ICP profile version")
        verbose_name_plural = _("ICP profile versions")
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="icp_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} v{self.number}"


class TitleSynonym(OrgScopedModel):
    """``variant`` means the same job title as ``canonical`` (e.g. 首席信息官 = CIO).

    The ``*_key`` columns hold the normalised forms (see ``rules.normalize_title``)."""

    canonical = models.CharField(_("canonical title"), max_length=150)
    variant = models.CharField(_("variant"), max_length=150)
    canonical_key = models.CharField(max_length=150, editable=False)
    variant_key = models.CharField(max_length=150, editable=False)

    class Meta:
        verbose_name = _("title synonym")
        verbose_name_plural = _("title synonyms")
        ordering = ["canonical_key", "variant_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "variant_key"], name="title_synonym_variant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} = {self.canonical}"


class TriggerEvent(CreatedByImport, OrgScopedModel):
    """Something that happened at a company (or to a lead) that makes a call timely."""

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trigger_events",
        verbose_name=_("company"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trigger_events",
        verbose_name=_("lead"),
    )
    type = models.CharField(_("type"), max_length=32, choices=TriggerType.choices)
    occurred_on = models.DateField(_("date"))
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("trigger event")
        verbose_name_plural = _("trigger events")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(company__isnull=False) | models.Q(lead__isnull=False),
                name="trigger_event_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(type__in=[choice.value for choice in TriggerType]),
                name="trigger_event_type_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "occurred_on"], name="trigger_company_on"),
            models.Index(fields=["lead", "occurred_on"], name="trigger_lead_on"),
            models.Index(fields=["organization", "occurred_on"], name="trigger_org_on"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.occurred_on}"


class LeadInvolvement(models.Model):
    """The seller is personally involved with the lead (+2 in the score)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal involvement")
        verbose_name_plural = _("personal involvements")
        constraints = [
            models.UniqueConstraint(fields=["seller", "lead"], name="lead_involvement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}:{self.lead_id}"


RANK_ORDER = ("rank_key", "lead_created_at", "lead_id")


class LeadScore(models.Model):
    """The score of one lead on one seller's list (SPEC §5), written set-based by
    ``scoring.py``. One column per term, so the breakdown, the filters and the refine page's
    lift per criterion all read plain columns.

    A lead is on the list of the seller who owns it, so the lead is the primary key: one
    table B-tree plus one index to maintain when a million rows are rewritten.

    ``rank_key`` is an ascending sort key (not a dense position): lower comes first; it
    encodes score desc and most recent trigger desc. Order the list by
    ``(rank_key, lead_created_at, lead_id)`` (``RANK_ORDER``): oldest lead first among ties.
    """

    # Derived data, rewritten set-wise from the leads: no database-level foreign keys (each
    # would cost a parent lookup per written row); deletes still cascade through the ORM and
    # a full re-score drops rows whose lead left the list.
    lead = models.OneToOneField(
        "leads.Lead",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="score",
        verbose_name=_("lead"),
        db_constraint=False,
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    profile_version = models.PositiveIntegerField(_("profile version"))
    in_target = models.BooleanField(_("in target"))
    # comma-separated OutReason codes, '' when in target
    out_reasons = models.CharField(_("out-of-target reasons"), max_length=64, blank=True)
    score = models.PositiveSmallIntegerField(_("score"))
    industry_points = models.PositiveSmallIntegerField(default=0)
    title_points = models.PositiveSmallIntegerField(default=0)
    territory_points = models.PositiveSmallIntegerField(default=0)
    trigger_points = models.PositiveSmallIntegerField(default=0)
    won_points = models.PositiveSmallIntegerField(default=0)
    reference_points = models.PositiveSmallIntegerField(default=0)
    involved_points = models.PositiveSmallIntegerField(default=0)
    # the lead's values as scored, and what they matched
    industry = models.CharField(_("industry"), max_length=32, blank=True)
    title_target = models.CharField(_("matched title"), max_length=150, blank=True)
    territory_target = models.CharField(_("matched territory"), max_length=32, blank=True)
    trigger_type = models.CharField(_("trigger"), max_length=32, blank=True)
    trigger_on = models.DateField(_("trigger date"), null=True, blank=True)
    last_trigger_on = models.DateField(_("latest trigger"), null=True, blank=True)
    starred = models.BooleanField(_("starred"), default=False)
    lead_created_at = models.DateTimeField(_("lead created at"))
    rank_key = models.BigIntegerField(_("rank key"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("lead score")
        verbose_name_plural = _("lead scores")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=12), name="lead_score_range"),
        ]
        indexes = [
            # the ranked list of a seller, in target or not, read in order from the index
            models.Index(
                fields=["seller", "in_target", "rank_key", "lead_created_at", "lead"],
                name="lead_score_ranked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}:{self.lead_id}={self.score}"

    @property
    def out_reason_list(self) -> list[str]:
        return [code for code in self.out_reasons.split(",") if code]

    @property
    def out_reason_labels(self) -> list[str]:
        return [str(OutReason(code).label) for code in self.out_reason_list]

    @property
    def breakdown(self) -> list[dict[str, Any]]:
        from patron.prospecting.rules import breakdown_terms

        return breakdown_terms(self)
