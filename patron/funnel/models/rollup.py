"""The funnel's daily roll-up: the additive parts of every metric, per local day and per
combination of the dimensions a report can filter or group by.

``FunnelDay`` is derived data. Database triggers on ``leads_lead`` and ``funnel_opportunity``
record the UTC hour of every moment a write touches (created, became MQL, closed — before and
after the change) in ``FunnelDirtyHour``; a reader first settles the dirty days
(``patron.funnel.rollup.days_settle``), so a report never reads a stale day. See
``docs/architecture.md`` (Funnel roll-up).
"""

from __future__ import annotations

from django.db import models


def _dimension(model: str) -> models.ForeignKey[models.Model, models.Model]:
    # no constraint and no index: a derived table, rebuilt by day; deletes never cascade here
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class FunnelPart(models.IntegerChoices):
    LEADS = 1, "leads created"
    MQLS = 2, "leads that became MQL"
    CREATED = 3, "opportunities created"
    CLOSED = 4, "opportunities closed won or lost"


class FunnelGrain(models.IntegerChoices):
    """How finely a roll-up row is cut. Every grain holds every day; the coarse ones are
    summed from the detail rows of the same day."""

    # owner, source SDR, team, source team, play: any team or person scope
    DETAIL = 1, "detail"
    # play only: the whole organization's summary and trend
    ORGANIZATION = 2, "organization"
    # one person: as owner (owner set), or as source SDR of someone else's opportunity
    # (source SDR set): the whole organization's per-person table
    PERSON = 3, "person"


class FunnelDay(models.Model):
    """One part's counts for one local day and one combination of the grain's dimensions.
    Lead parts leave the source SDR, source team and play empty."""

    id = models.BigAutoField(primary_key=True)
    organization = _dimension("core.Organization")
    day = models.DateField()
    grain = models.PositiveSmallIntegerField(choices=FunnelGrain.choices)
    part = models.PositiveSmallIntegerField(choices=FunnelPart.choices)
    # an opportunity with a source SDR (kept apart in every grain: SDR-sourced metrics)
    sourced = models.BooleanField(default=False)
    owner = _dimension("accounts.User")
    source_sdr = _dimension("accounts.User")
    team = _dimension("accounts.Team")
    source_team = _dimension("accounts.Team")
    play = _dimension("funnel.Play")
    # how many leads or opportunities; MQLs touched by a hunter; created that reached stage 2
    records = models.PositiveIntegerField(default=0)
    followed_up = models.PositiveIntegerField(default=0)
    reached_stage_2 = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    # created: the base amount of all of them; closed: of those won
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "grain", "day"], name="funnel_day"),
            models.Index(fields=["organization", "owner", "day"], name="funnel_day_owner"),
            models.Index(fields=["organization", "source_sdr", "day"], name="funnel_day_sdr"),
            models.Index(fields=["organization", "team", "day"], name="funnel_day_team"),
            models.Index(
                fields=["organization", "source_team", "day"], name="funnel_day_source_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_part_display()}: {self.records}"


class FunnelDirtyHour(models.Model):
    """An hour (UTC) whose leads or opportunities changed since the roll-up was settled.
    Written by the triggers only; read and emptied by ``days_settle``."""

    organization = _dimension("core.Organization")
    hour = models.DateTimeField()

    class Meta:
        # not unique: PostgreSQL writers would wait on each other's uncommitted hour; the
        # SQLite triggers skip an hour already there, PostgreSQL's may repeat it per statement
        indexes = [models.Index(fields=["organization", "hour"], name="funnel_dirty_hour")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.hour:%Y-%m-%d %H}:00"
