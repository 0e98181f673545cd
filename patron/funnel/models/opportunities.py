"""Opportunities: what an SDR creates from a worked MQL and an AE takes to won or lost."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.core.models import OrgScopedModel
from patron.funnel.choices import HandoffStatus, LossReason, OpportunityStatus, RejectionReason

ZERO = Decimal("0")


class Opportunity(OrgScopedModel):
    external_id = models.CharField(_("opportunity id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("contact"),
    )
    # the lead it came from: prospecting counts "leads that became won opportunities"
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("lead"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(0)],
    )
    base_amount = models.DecimalField(
        _("amount in organization currency"), max_digits=16, decimal_places=2, default=ZERO
    )
    stage = models.ForeignKey(
        "funnel.OpportunityStage",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("stage"),
        db_index=False,
    )
    # the stage's number now, and the highest number ever reached (pct_reaching_stage_2)
    stage_number = models.PositiveSmallIntegerField(_("stage number"), default=1)
    max_stage_number = models.PositiveSmallIntegerField(_("highest stage reached"), default=1)
    status = models.CharField(
        _("status"), max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    owner = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_opportunities",
        verbose_name=_("owner (AE)"),
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("team"),
        db_index=False,
    )
    source_sdr = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sourced_opportunities",
        verbose_name=_("source SDR"),
        db_index=False,
    )
    source_team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sourced_opportunities",
        verbose_name=_("source SDR's team"),
        db_index=False,
    )
    play = models.ForeignKey(
        "funnel.Play",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("play"),
        db_index=False,
    )
    # when it was created (imports and the demo carry their own moment)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    handoff_status = models.CharField(
        _("hand-off"), max_length=16, choices=HandoffStatus.choices, blank=True
    )
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    loss_reason = models.CharField(
        _("loss reason"), max_length=16, choices=LossReason.choices, blank=True
    )
    loss_note = models.CharField(_("loss note"), max_length=500, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    order = models.OneToOneField(
        "sales.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunity",
        verbose_name=_("order"),
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="opportunity_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in OpportunityStatus]),
                name="opportunity_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(stage_number__gte=1)
                & models.Q(max_stage_number__gte=models.F("stage_number")),
                name="opportunity_stage_numbers",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_at__isnull=False)),
                name="opportunity_closed_at_when_closed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="lost") | ~models.Q(loss_reason=""),
                name="opportunity_lost_has_reason",
            ),
        ]
        indexes = [
            # the funnel roll-up rebuilds a day from these two indexes alone, never the table
            # (patron.funnel.rollup)
            models.Index(
                fields=[
                    "organization",
                    "created_at",
                    "owner",
                    "source_sdr",
                    "team",
                    "source_team",
                    "play",
                    "max_stage_number",
                    "base_amount",
                ],
                name="opportunity_created",
            ),
            models.Index(
                fields=[
                    "organization",
                    "closed_at",
                    "status",
                    "owner",
                    "source_sdr",
                    "team",
                    "source_team",
                    "play",
                    "base_amount",
                ],
                name="opportunity_closed",
            ),
            # a person's opportunities by period (lists, the SLA)
            models.Index(
                fields=[
                    "organization",
                    "owner",
                    "created_at",
                    "source_sdr",
                    "team",
                    "source_team",
                    "max_stage_number",
                    "base_amount",
                ],
                name="opportunity_owner_created",
            ),
            models.Index(
                fields=[
                    "organization",
                    "source_sdr",
                    "created_at",
                    "owner",
                    "team",
                    "source_team",
                    "max_stage_number",
                    "base_amount",
                ],
                name="opportunity_sdr_created",
            ),
            models.Index(
                fields=[
                    "organization",
                    "owner",
                    "closed_at",
                    "status",
                    "source_sdr",
                    "team",
                    "source_team",
                    "base_amount",
                ],
                name="opportunity_owner_closed",
            ),
            models.Index(
                fields=[
                    "organization",
                    "source_sdr",
                    "closed_at",
                    "status",
                    "owner",
                    "team",
                    "source_team",
                    "base_amount",
                ],
                name="opportunity_sdr_closed",
            ),
            models.Index(
                fields=["owner", "status", "stage_number"], name="opportunity_owner_board"
            ),
            models.Index(fields=["team", "status", "stage_number"], name="opportunity_team_board"),
            # the board: the biggest open opportunities of a stage, and the count and amount
            # of each stage, from a small index of the open ones alone
            models.Index(
                fields=["organization", "stage", "-base_amount"],
                condition=models.Q(status="open"),
                name="opportunity_open_board",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN

    @property
    def is_pending_handoff(self) -> bool:
        return self.handoff_status == HandoffStatus.PENDING


class OpportunityLine(OrgScopedModel):
    """A product on an opportunity; a won opportunity's lines become its order's lines."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="lines", verbose_name=_("opportunity")
    )
    line_no = models.PositiveIntegerField(_("line"), default=1)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="opportunity_lines",
        verbose_name=_("product"),
        db_index=False,
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=2)
    discount_pct = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=ZERO
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["opportunity_id", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "line_no"], name="opportunity_line_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="opportunity_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0) & models.Q(amount__gte=0),
                name="opportunity_line_money_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_pct__gte=0, discount_pct__lte=100),
                name="opportunity_line_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}#{self.line_no}"


class StageChange(OrgScopedModel):
    """Every move of an opportunity: stage to stage, and closing won or lost."""

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        verbose_name=_("opportunity"),
        db_index=False,
    )
    at = models.DateTimeField(_("at"))
    from_stage_number = models.PositiveSmallIntegerField(_("from stage"), null=True, blank=True)
    to_stage_number = models.PositiveSmallIntegerField(_("to stage"))
    from_status = models.CharField(_("from status"), max_length=8, blank=True)
    to_status = models.CharField(_("to status"), max_length=8)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity_id", "at", "id"]
        indexes = [models.Index(fields=["opportunity", "at"], name="stage_change_opportunity")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_number}→{self.to_stage_number}"


class OpportunityHandoff(OrgScopedModel):
    """An SDR hands an opportunity to an AE, who accepts it or rejects it with a reason."""

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="handoffs",
        verbose_name=_("opportunity"),
    )
    from_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from (SDR)"),
        db_index=False,
    )
    to_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="received_handoffs",
        verbose_name=_("to (AE)"),
        db_index=False,
    )
    to_team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("AE's team"),
        db_index=False,
    )
    handed_at = models.DateTimeField(_("handed off at"))
    status = models.CharField(
        _("status"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.CharField(
        _("rejection reason"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("opportunity hand-off")
        verbose_name_plural = _("opportunity hand-offs")
        ordering = ["-handed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in HandoffStatus]),
                name="handoff_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="handoff_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", responded_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(responded_at__isnull=False)),
                name="handoff_answered_at_when_answered",
            ),
        ]
        indexes = [
            models.Index(fields=["to_user", "status"], name="handoff_inbox"),
            models.Index(fields=["organization", "handed_at"], name="handoff_handed"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} → {self.to_user_id} ({self.status})"
