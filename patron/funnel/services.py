"""Funnel writes other than opportunities (see ``opportunities`` and ``handoffs``): marking
leads MQL by the marketing rules, and the settings — stages, plays, rules, role periods.
Each write checks who is acting and records audit events in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import polars as pl
from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.companies.choices import Industry
from patron.companies.selectors import region_descendant_ids
from patron.core.audit import audit_bulk, audit_frame_bulk, audit_record
from patron.core.bulk import is_postgres, quote
from patron.core.errors import ValidationFailed
from patron.core.frames import in_values, read_frame, sqlite_text
from patron.core.models import AuditEvent, Organization
from patron.core.records import record_create, record_update
from patron.core.validation import validate_instance
from patron.funnel.choices import FunnelRole
from patron.funnel.models import MarketingRule, Opportunity, OpportunityStage, Play, RoleSpell
from patron.funnel.permissions import ensure_can_configure
from patron.funnel.rollup_triggers import hours_mark, update_trigger_paused
from patron.leads.choices import LeadStatus, MqlSource
from patron.leads.models import Lead
from patron.leads.touches import first_touch_refresh

# (number, name, win probability %) of the stages an organization starts with
DEFAULT_STAGES = (
    (1, "Qualify", 10),
    (2, "Discover needs", 25),
    (3, "Propose", 50),
    (4, "Negotiate", 75),
    (5, "Commit", 90),
)
RULE_FIELDS = (
    "name",
    "is_active",
    "sources",
    "industries",
    "title_keywords",
    "region",
    "require_email",
    "require_phone",
    "require_company",
)


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


# ---- marketing rules: lead → MQL -------------------------------------------------------------


def _rule_condition(rule: MarketingRule) -> Q:
    condition = Q()
    if rule.sources:
        condition &= Q(source__in=list(rule.sources))
    if rule.industries:
        condition &= Q(industry__in=list(rule.industries))
    if rule.title_keywords:
        titles = Q()
        for keyword in rule.title_keywords:
            titles |= Q(title__icontains=keyword)
        condition &= titles
    if rule.region_id is not None:
        condition &= Q(region_id__in=region_descendant_ids(rule.region_id))
    if rule.require_email:
        condition &= ~Q(email="")
    if rule.require_phone:
        condition &= ~Q(phone="")
    if rule.require_company:
        condition &= ~Q(company_name="")
    return condition


def marketing_rules_condition(organization: Organization) -> Q | None:
    """One filter matching the leads that any active rule qualifies; None without rules."""
    rules = list(MarketingRule.objects.filter(organization=organization, is_active=True))
    if not rules:
        return None
    condition = Q(pk__in=[])
    for rule in rules:
        condition |= _rule_condition(rule)
    return condition


@transaction.atomic
def mql_rules_apply(
    *,
    organization: Organization,
    lead_ids: Sequence[int] | None = None,
    created_ids: Sequence[int] | None = None,
    at: dt.datetime | None = None,
    refresh_touches: bool = True,
) -> int:
    """Mark the leads that match an active marketing rule as MQL (source "rule"), set-wise.

    ``lead_ids``: only these leads; ``created_ids``: leads created in this transaction (an
    import's new rows, best as a ``range``): no activity can name them yet, so they need no
    first-touch refresh. Neither: every lead not yet an MQL. The MQL moment is the lead's
    arrival (``created_at``): a rule qualifies a lead as it comes in. With ``at`` (applying a
    new rule to leads already in Patron) it is ``at``, or the arrival when later. Leads
    already MQL, disqualified or merged are left alone. Returns how many were marked.
    ``refresh_touches=False``: the caller refreshes the first touch of these leads itself (an
    import, for every stored lead it changed), so it is not done twice.

    One UPDATE of the matching leads returns what the audit rows need (ids travel as an id
    range or one JSON parameter, never one parameter each). The funnel roll-up's hours are
    marked by its statement trigger (PostgreSQL), or — with the trigger paused (SQLite; and
    PostgreSQL when the caller holds the lead table exclusively, as an import loading it
    with its indexes dropped does) — from the returned moments in one statement. The
    audit rows go in one bulk write, the first touch of the marked stored leads in one
    statement.
    """
    if at is not None and timezone.is_naive(at):
        raise _invalid("at", _("a moment with a time zone is needed"))
    condition = marketing_rules_condition(organization)
    if condition is None:
        return 0
    leads = (
        Lead.objects.filter(organization=organization, mql_at__isnull=True)
        .exclude(status__in=[LeadStatus.DISQUALIFIED, LeadStatus.MERGED])
        .filter(condition)
    )
    if lead_ids is not None or created_ids is not None:
        scope = _lead_scope(lead_ids, created_ids)
        if scope is None:
            return 0
        leads = leads.filter(scope)
    with update_trigger_paused(Lead._meta.db_table) as paused:
        marked = _mark_returning(leads, at)
        if paused:  # the roll-up's hours: a marked lead had no MQL moment, keeps its arrival
            hours_mark(organization.pk, pl.concat([marked["created_at"], marked["mql_at"]]))
    if marked.is_empty():
        return 0
    audit_frame_bulk(
        organization_id=organization.pk,
        model=Lead,
        action=AuditEvent.Action.UPDATE,
        frame=marked.select(
            pl.col("id").alias("object_id"),
            pl.col("external_id").alias("object_repr"),
            _mql_changes(at).alias("changes"),
        ),
    )
    stored = marked["id"]
    if isinstance(created_ids, range) and created_ids.step == 1:
        stored = stored.filter(~stored.is_between(created_ids.start, created_ids.stop - 1))
    elif created_ids is not None:
        stored = stored.filter(~stored.is_in(list(created_ids)))
    if refresh_touches and not stored.is_empty():
        first_touch_refresh(organization=organization, lead_ids=stored)
    return marked.height


def _lead_scope(lead_ids: Sequence[int] | None, created_ids: Sequence[int] | None) -> Q | None:
    """``pk`` in either sequence: a range as an id range, few ids one by one, many as one
    JSON parameter. None when both are empty."""
    scope: Q | None = None
    for ids in (lead_ids, created_ids):
        if ids is None or len(ids) == 0:
            continue
        if isinstance(ids, range) and ids.step == 1:
            part = Q(pk__gte=ids.start, pk__lt=ids.stop)
        else:
            part = Q(pk__in=in_values(pl.Series(ids, dtype=pl.Int64)))
        scope = part if scope is None else scope | part
    return scope


def _mark_returning(leads: QuerySet[Lead], at: dt.datetime | None) -> pl.DataFrame:
    """``leads.update(mql_at=…, mql_source="rule")`` in one statement that returns the marked
    leads' ``id, external_id, created_at, mql_at`` (moments as UTC text) as a frame.

    The UPDATE is the one Django compiles for ``leads.update()``, with ``RETURNING`` added
    (SQLite ≥ 3.35); on PostgreSQL it runs inside ``COPY (…) TO STDOUT`` so polars parses the
    rows."""
    moment = (
        F("created_at")
        if at is None
        else Greatest(F("created_at"), Value(at, output_field=DateTimeField()))
    )
    query = cast(UpdateQuery, leads.query.chain(UpdateQuery))  # as QuerySet.update() does
    query.add_update_values(
        {"mql_at": moment, "mql_source": MqlSource.RULE.value, "updated_at": timezone.now()}
    )
    sql, params = query.get_compiler(leads.db).as_sql()
    moments = [
        f"{quote(name)} AT TIME ZONE 'UTC'" if is_postgres() else sqlite_text(quote(name))
        for name in ("created_at", "mql_at")
    ]
    returning = f" RETURNING {quote('id')}, {quote('external_id')}, {', '.join(moments)}"
    schema = {
        "id": pl.Int64(),
        "external_id": pl.String(),
        "created_at": pl.String(),
        "mql_at": pl.String(),
    }
    return read_frame(sql + returning, schema, params)


def _mql_changes(at: dt.datetime | None) -> pl.Expr:
    """The audit ``changes`` JSON of a mark, as ``json.dumps`` writes it: the moment is the
    ``isoformat()`` of ``created_at`` in UTC, or of ``at`` as given when ``at`` is later."""
    created = pl.col("created_at").str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC"
    )
    moment = (
        pl.when(created.dt.microsecond() == 0)
        .then(created.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        .otherwise(created.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"))
    )
    if at is not None:
        at_us = (at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        moment = (
            pl.when(created.dt.epoch("us") >= at_us).then(moment).otherwise(pl.lit(at.isoformat()))
        )
    return pl.format(
        '{{"mql_at": [null, "{}"], "mql_source": [null, "{}"]}}',
        moment,
        pl.lit(MqlSource.RULE.value),
    )


def _rule_values(values: dict[str, Any]) -> dict[str, Any]:
    for field in ("sources", "industries", "title_keywords"):
        if field not in values:
            continue
        items = values[field]
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise _invalid(field, _("must be a list of texts"))
        cleaned = sorted({item.strip() for item in items if item.strip()})
        if any(len(item) > 64 for item in cleaned):
            raise _invalid(field, _("each value has at most 64 characters"))
        values[field] = cleaned
    unknown = set(values.get("industries", ())) - set(Industry.values)
    if unknown:
        raise _invalid(
            "industries", _("unknown industry %(value)s") % {"value": sorted(unknown)[0]}
        )
    return values


@transaction.atomic
def marketing_rule_create(*, organization: Organization, by: User, **values: Any) -> MarketingRule:
    ensure_can_configure(by)
    values = _rule_values(values)
    rule = MarketingRule(organization=organization, **values)
    return record_create(rule, values, allowed=RULE_FIELDS, unique_field="name")


@transaction.atomic
def marketing_rule_update(*, rule: MarketingRule, by: User, **values: Any) -> MarketingRule:
    ensure_can_configure(by)
    return record_update(rule, _rule_values(values), allowed=RULE_FIELDS, unique_field="name")


# ---- stages and plays ------------------------------------------------------------------------


def stages_ensure(organization: Organization) -> list[OpportunityStage]:
    """The active stages in order; an organization without any gets the default five."""
    stages = list(
        OpportunityStage.objects.filter(organization=organization, is_active=True).order_by(
            "number"
        )
    )
    if stages or OpportunityStage.objects.filter(organization=organization).exists():
        if not stages:
            raise _invalid("stage", _("no active stage: activate one in the funnel settings"))
        return stages
    created = OpportunityStage.objects.bulk_create(
        [
            OpportunityStage(organization=organization, number=number, name=_(name), probability=p)
            for number, name, p in DEFAULT_STAGES
        ]
    )
    audit_bulk(
        organization_id=organization.pk,
        model=OpportunityStage,
        action=AuditEvent.Action.CREATE,
        entries=(
            (stage.pk, str(stage), {"number": [None, stage.number], "name": [None, stage.name]})
            for stage in created
        ),
    )
    return list(created)


@transaction.atomic
def stage_create(
    *, organization: Organization, by: User, name: str, probability: int = 10
) -> OpportunityStage:
    """A new stage after the last one."""
    ensure_can_configure(by)
    last = OpportunityStage.objects.filter(organization=organization).order_by("-number").first()
    stage = OpportunityStage(
        organization=organization,
        number=(last.number + 1) if last else 1,
        name=name,
        probability=probability,
    )
    values = {"number": stage.number, "name": name, "probability": probability}
    return record_create(stage, values, allowed=values.keys())


@transaction.atomic
def stage_update(*, stage: OpportunityStage, by: User, **values: Any) -> OpportunityStage:
    ensure_can_configure(by)
    if values.get("is_active") is False:
        in_use = Opportunity.objects.filter(stage=stage, status="open").exists()
        if in_use:
            raise _invalid("is_active", _("open opportunities are at this stage: move them first"))
    return record_update(
        stage, values, allowed=("name", "probability", "is_active"), unique_field="number"
    )


@transaction.atomic
def stages_reorder(
    *, organization: Organization, by: User, stage_ids: Sequence[int]
) -> list[OpportunityStage]:
    """Number the stages 1, 2, 3 … in the given order (every stage, each once). Opportunities
    follow their stage's new number; their history keeps the numbers of the time."""
    ensure_can_configure(by)
    stages = {s.pk: s for s in OpportunityStage.objects.filter(organization=organization)}
    if sorted(stage_ids) != sorted(stages):
        raise _invalid("stage_ids", _("list every stage exactly once"))
    changes = {}
    for position, stage_id in enumerate(stage_ids, start=1):
        if stages[stage_id].number != position:
            changes[stage_id] = (stages[stage_id].number, position)
    # two steps, so that no two stages share a number in between
    for stage_id, (old, _new) in changes.items():
        OpportunityStage.objects.filter(pk=stage_id).update(number=old + 10_000)
    for stage_id, (old, new) in changes.items():
        OpportunityStage.objects.filter(pk=stage_id).update(number=new)
        Opportunity.objects.filter(stage_id=stage_id).update(
            stage_number=new, max_stage_number=Greatest(F("max_stage_number"), Value(new))
        )
        stage = stages[stage_id]
        stage.number = new
        audit_record(stage, AuditEvent.Action.UPDATE, {"number": [old, new]})
    return sorted(stages.values(), key=lambda s: s.number)


@transaction.atomic
def play_create(
    *, organization: Organization, by: User, code: str, name: str, description: str = ""
) -> Play:
    ensure_can_configure(by)
    values = {"code": code, "name": name, "description": description}
    return record_create(
        Play(organization=organization, **values), values, allowed=values, unique_field="code"
    )


@transaction.atomic
def play_update(*, play: Play, by: User, **values: Any) -> Play:
    ensure_can_configure(by)
    return record_update(
        play, values, allowed=("name", "description", "is_active"), unique_field="code"
    )


# ---- role periods (headcount during a period) ------------------------------------------------


@transaction.atomic
def role_spell_create(
    *,
    organization: Organization,
    by: User,
    user: User,
    role: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
) -> RoleSpell:
    """Record that ``user`` held ``role`` from ``started_on`` (until ``ended_on``)."""
    ensure_can_configure(by)
    if role not in FunnelRole.values:
        raise _invalid("role", _("unknown role"))
    if user.organization_id != organization.pk:
        raise _invalid("user", _("no such user"))
    overlapping = RoleSpell.objects.filter(organization=organization, user=user, role=role).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=started_on)
    )
    if ended_on is not None:
        overlapping = overlapping.filter(started_on__lte=ended_on)
    if overlapping.exists():
        raise _invalid("started_on", _("overlaps another period of this user in this role"))
    spell = RoleSpell(
        organization=organization, user=user, role=role, started_on=started_on, ended_on=ended_on
    )
    validate_instance(spell)
    values = {"user": user, "role": role, "started_on": started_on, "ended_on": ended_on}
    return record_create(spell, values, allowed=values)
