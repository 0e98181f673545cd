from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import OrgScopedModel


class ImportRun(OrgScopedModel):
    """One run of ``patron import`` (or an upload in the web app), with its outcome."""

    kind = models.CharField(_("kind"), max_length=32)
    file_name = models.CharField(_("file"), max_length=500)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    is_dry_run = models.BooleanField(_("dry run"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # rows that matched an existing record and were linked to it instead (lead imports)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rejects_path = models.CharField(_("rejects file"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class CreatedByImport(models.Model):
    """Provenance of a record that an import created.

    The run (who ran it, when, from which file, with what outcome) stands in for one audit
    row per created record: a million-line import writes its rows, not a second million rows
    of audit that repeat them. Every later change of the record is audited row by row.
    """

    created_by_import = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        verbose_name=_("created by import"),
    )

    class Meta:
        abstract = True
