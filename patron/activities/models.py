"""Activities: calls, emails, meetings, tasks and notes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import OrgScopedModel


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")
    NOTE = "note", _("Note")


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    MEETING_SET = "meeting_set", _("Meeting set")
    NOT_INTERESTED = "not_interested", _("Not interested")
    WRONG_PERSON = "wrong_person", _("Wrong person")


class Activity(OrgScopedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="activities", verbose_name=_("user")
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("contact"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        "funnel.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("opportunity"),
        db_index=False,
    )
    occurred_at = models.DateTimeField(_("when"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["company", "occurred_at"], name="activity_company_at"),
            models.Index(fields=["user", "occurred_at"], name="activity_user_at"),
            # kind and user too: the funnel's "first SDR touch after the MQL moment" is answered
            # from the index alone
            models.Index(fields=["lead", "occurred_at", "kind", "user"], name="activity_lead_at"),
            models.Index(fields=["opportunity", "occurred_at"], name="activity_opportunity_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"

    @property
    def is_call(self) -> bool:
        return self.kind == ActivityKind.CALL
