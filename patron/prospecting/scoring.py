"""Set-based scoring (SPEC §5): every lead of a seller scored and ranked in one SQL statement.

The pure reference is ``rules.score_lead``; the tests check both agree on random data. The
small lookups (``score_lookups``) are built in Python with the rules themselves (each distinct
title and each region of the tree matched once), loaded into temporary tables, and joined to
the leads.

The computed rows are compared with the stored ones on the lead; only those that differ
(``prospecting_tmp_changed``) are written. The rank is a sort key computed per row (see
``rules.rank_key``), so re-scoring a few leads never re-ranks the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from patron.core.bulk import deferred_indexes, insert_rows, is_postgres
from patron.leads.choices import LeadStatus
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, LeadScore
from patron.prospecting.rules import MAX_SCORE, NO_TRIGGER, TRIGGER_BITS, Profile
from patron.prospecting.score_inputs import (
    profile_rules,
    region_chains,
    synonym_map,
    today_for,
)
from patron.prospecting.score_lookups import (
    LOOKUPS,
    TMP_COMPANY_TRIGGER,
    TMP_IDS,
    TMP_INDUSTRY,
    TMP_LEAD_EXTRA,
    TMP_REGION,
    TMP_TITLE,
    Condition,
    case_sql,
    day_number,
    drop_temp,
    execute,
    lead_filter,
    load_industries,
    load_lead_extras,
    load_regions,
    load_titles,
    load_triggers,
    temp_table,
)

TMP_CHANGED = "prospecting_tmp_changed"
# a whole-list rewrite at least this big, and at least half the table, rebuilds the index once
BULK_ROWS = 100_000
POINTS = (
    "industry_points",
    "title_points",
    "territory_points",
    "trigger_points",
    "won_points",
    "reference_points",
    "involved_points",
)
SCORE_COLUMNS = (
    "organization_id",
    "seller_id",
    "lead_id",
    "profile_version",
    "in_target",
    "out_reasons",
    "score",
    *POINTS,
    "industry",
    "title_target",
    "territory_target",
    "trigger_type",
    "trigger_on",
    "last_trigger_on",
    "starred",
    "lead_created_at",
    "rank_key",
    "computed_at",
)


# --- the scoring statement ------------------------------------------------------------------


# the columns compared with the stored row. The others follow from them in every row this
# module writes: score is the sum of the points (the stored row's own sum is checked too),
# rank_key a function of score and last_trigger_on, in_target is "no out reason", starred
# "has a latest trigger"; profile_version and computed_at are bookkeeping (a row keeps the
# version it was last changed under). Comparing the derived columns too would cost a third
# more on SQLite, which evaluates each compared expression again.
COMPARED = (
    "seller_id",
    "out_reasons",
    *POINTS,
    "industry",
    "title_target",
    "territory_target",
    "trigger_type",
    "trigger_on",
    "last_trigger_on",
    "lead_created_at",
)
# what rewriting a row sets (its key and organization never change)
UPDATED_COLUMNS = tuple(c for c in SCORE_COLUMNS if c not in ("organization_id", "lead_id"))
OUT_CODES = ("industry", "title", "territory")  # the rules' order of out-of-target reasons


def _out_reasons_sql(mask: str) -> str:
    """The comma-separated reasons of an out-of-target bit mask (industry 1, title 2,
    territory 4), in the rules' order."""
    reasons = [
        ",".join(code for bit, code in enumerate(OUT_CODES) if bits >> bit & 1) for bits in range(8)
    ]
    whens = " ".join(f"WHEN {bits} THEN '{text}'" for bits, text in enumerate(reasons))
    return f"CASE {mask} {whens} END"


def _score_select(
    *, profile: IcpProfile, rules: Profile, where: str, params: list[Any], now: dt.datetime
) -> tuple[str, list[Any]]:
    """The SELECT producing score rows (columns named as ``SCORE_COLUMNS``) of the leads
    ``where`` selects. Each lookup is one join on a small table; every expression is cheap
    (day numbers, the best trigger and the involvement are prepared in the lookups)."""
    lookups = (
        f" LEFT JOIN {TMP_INDUSTRY} ti ON ti.industry = l.industry"
        f" LEFT JOIN {TMP_TITLE} tt ON tt.title = l.title"
        f" LEFT JOIN {TMP_REGION} tr ON tr.region_id = l.region_id"
        f" LEFT JOIN {TMP_LEAD_EXTRA} x ON x.lead_id = l.id"
        f" LEFT JOIN {TMP_COMPANY_TRIGGER} tc ON tc.company_id = l.company_id"
    )

    def trigger(column: str) -> str:
        return f"CASE WHEN x.lead_id IS NULL THEN tc.{column} ELSE x.{column} END"

    base = (
        "SELECT l.id AS lead_id, l.industry AS industry, l.created_at AS lead_created_at,"
        " ti.points AS industry_match, COALESCE(ti.won, 0) AS won_points,"
        " COALESCE(ti.reference, 0) AS reference_points,"
        " tt.target AS title_target, tt.points AS title_match,"
        " tr.code AS territory_target, tr.points AS territory_match,"
        f" {trigger('type')} AS trigger_type, {trigger('occurred_on')} AS trigger_on,"
        f" COALESCE({trigger('points')}, 0) AS trigger_points,"
        f" {trigger('last_on')} AS last_trigger_on, {trigger('last_day')} AS last_day,"
        " COALESCE(x.involved, 0) AS involved_points"
        f" FROM {Lead._meta.db_table} l{lookups} WHERE {where}"
    )
    out_terms = [
        f"CASE WHEN {column} IS NULL THEN {1 << bit} ELSE 0 END"
        for bit, (targeted, column) in enumerate(
            (
                (rules.industries, "industry_match"),
                (rules.titles, "title_match"),
                (rules.territories, "territory_match"),
            )
        )
        if targeted
    ]
    scored = (
        "SELECT b.*, COALESCE(industry_match, 0) AS industry_points,"
        " COALESCE(title_match, 0) AS title_points,"
        " COALESCE(territory_match, 0) AS territory_points,"
        " COALESCE(industry_match, 0) + COALESCE(title_match, 0) + COALESCE(territory_match, 0)"
        " + trigger_points + won_points + reference_points + involved_points AS score,"
        f" {' + '.join(out_terms) or '0'} AS out_mask"
        f" FROM ({base}) b"
    )
    select = (
        "SELECT %s AS organization_id, %s AS seller_id, lead_id, %s AS profile_version,"
        f" CASE WHEN out_mask = 0 THEN {_true()} ELSE {_false()} END AS in_target,"
        f" {_out_reasons_sql('out_mask')} AS out_reasons, score,"
        " industry_points, title_points, territory_points, trigger_points, won_points,"
        " reference_points, involved_points, industry,"
        " COALESCE(title_target, '') AS title_target,"
        " COALESCE(territory_target, '') AS territory_target,"
        " COALESCE(trigger_type, '') AS trigger_type, trigger_on, last_trigger_on,"
        f" CASE WHEN last_trigger_on IS NULL THEN {_false()} ELSE {_true()} END AS starred,"
        " lead_created_at,"
        f" ({MAX_SCORE} - score) * {1 << TRIGGER_BITS} + {NO_TRIGGER} - COALESCE(last_day, 0)"
        " AS rank_key, %s AS computed_at"
        f" FROM ({scored}) s"
    )
    # the SELECT list's parameters come before the FROM's
    select_params = [
        profile.organization_id,
        profile.seller_id,
        profile.version,
        connection.ops.adapt_datetimefield_value(now),
        *params,
    ]
    return select, select_params


def _rank_sql(score: str, last_trigger_on: str) -> str:
    trigger_part = (
        f"CASE WHEN {last_trigger_on} IS NULL THEN {NO_TRIGGER}"
        f" ELSE {NO_TRIGGER} - {day_number(last_trigger_on)} END"
    )
    return f"(({MAX_SCORE} - ({score})) * {1 << TRIGGER_BITS} + ({trigger_part}))"


# PostgreSQL settings for the scoring statements: hash a million keys in memory (not in
# batches on disk); no JIT compilation (the planner's high cost estimate would ask for it, and
# it alone costs hundreds of milliseconds)
BIG_STATEMENT_SETTINGS = {"work_mem": "256MB", "jit": "off"}
# ... and for writing the changed rows back: index probes priced as the cached reads they are
# (otherwise a few thousand changed rows are joined to the score table by scanning all of it)
PROBE_SETTINGS = {"random_page_cost": "1.1"}


@contextmanager
def _postgres_settings(settings: dict[str, str]) -> Iterator[None]:
    """PostgreSQL: ``settings`` for the block, put back afterwards so the rest of the
    caller's transaction is unaffected. Nothing on SQLite."""
    if not is_postgres():
        yield
        return
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(names))}", names)
        before = cursor.fetchone()
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield  # on an error the transaction is rolled back, and the settings with it
    with connection.cursor() as cursor:
        for name, value in zip(names, before, strict=True):
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _insert_all(select: str, select_params: list[Any], seller_id: int) -> int:
    """A list scored for the first time: every row inserted by one statement. A lead still
    on another seller's list (it changed hands) leaves that list first, so the insert is a
    plain one (an upsert of a million rows costs PostgreSQL twice as much: 12 s against 5–6 s
    measured). When the list is most of the table, its index is dropped and built again once
    (a sort) instead of row by row, and so is the primary key on PostgreSQL."""
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    rows = Lead.objects.filter(owner_id=seller_id).count()
    stored = LeadScore.objects.count()
    if stored:
        execute(
            f"DELETE FROM {table} WHERE lead_id IN"
            f" (SELECT l.id FROM {Lead._meta.db_table} l WHERE l.owner_id = %s)",
            [seller_id],
        )
    bulk = rows >= BULK_ROWS and rows * 2 >= stored
    with deferred_indexes(table, include_primary_key=True) if bulk else nullcontext():
        return execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select}) n", select_params
        )


def _write_changes(select: str, select_params: list[Any]) -> int:
    """Compare the computed rows with the stored ones (one join on the lead) and write only
    the differences: changed rows are updated in place, new ones inserted; unchanged rows,
    usually nearly all of them, are not touched, nor is the ranked index."""
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    execute(f"DROP TABLE IF EXISTS {TMP_CHANGED}")
    execute(
        f"CREATE TEMPORARY TABLE {TMP_CHANGED} AS SELECT {columns}, 1 AS is_new"
        f" FROM {table} WHERE 1 = 0"
    )
    differs = " OR ".join(
        [
            f"s.score <> {' + '.join(f's.{column}' for column in POINTS)}",
            *(f"s.{column} IS DISTINCT FROM n.{column}" for column in COMPARED),
        ]
    )
    changed = execute(
        f"INSERT INTO {TMP_CHANGED} ({columns}, is_new)"
        f" SELECT {', '.join(f'n.{column}' for column in SCORE_COLUMNS)},"
        " CASE WHEN s.lead_id IS NULL THEN 1 ELSE 0 END"
        f" FROM ({select}) n LEFT JOIN {table} s ON s.lead_id = n.lead_id"
        f" WHERE s.lead_id IS NULL OR {differs}",
        select_params,
    )
    if changed:
        if is_postgres():
            # a temporary table has no statistics; with them (and PROBE_SETTINGS) the update
            # below probes the score table by key instead of scanning all of it
            execute(f"ANALYZE {TMP_CHANGED}")
        bulk = changed >= BULK_ROWS and changed * 2 >= LeadScore.objects.count()
        with (
            deferred_indexes(table) if bulk else nullcontext(),
            _postgres_settings(PROBE_SETTINGS),
        ):
            assignments = ", ".join(f"{column} = c.{column}" for column in UPDATED_COLUMNS)
            execute(
                f"UPDATE {table} SET {assignments} FROM {TMP_CHANGED} c"
                f" WHERE {table}.lead_id = c.lead_id AND c.is_new = 0"
            )
            execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {TMP_CHANGED}"
                " WHERE is_new = 1"
            )
    drop_temp(TMP_CHANGED)
    return changed


def _drop_left_leads(seller_id: int) -> None:
    """After a whole list: remove the rows of leads no longer on it (given to someone else,
    merged). Every lead on the list has its row now, so when the seller has no more rows than
    leads on the list (two index counts, the usual case) there is nothing to remove."""
    table = LeadScore._meta.db_table
    on_list = f"l.owner_id = %s AND l.status <> '{LeadStatus.MERGED.value}'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE seller_id = %s", [seller_id])
        rows = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {Lead._meta.db_table} l WHERE {on_list}", [seller_id])
        if rows <= cursor.fetchone()[0]:
            return
        cursor.execute(
            f"DELETE FROM {table} WHERE seller_id = %s AND lead_id NOT IN"
            f" (SELECT l.id FROM {Lead._meta.db_table} l WHERE {on_list})",
            [seller_id, seller_id],
        )


def _true() -> str:
    return "TRUE" if is_postgres() else "1"


def _false() -> str:
    return "FALSE" if is_postgres() else "0"


def _score(
    profile: IcpProfile,
    today: dt.date,
    restricted: bool,
    industries: Sequence[str] | None = None,
    condition: Condition | None = None,
) -> int:
    """Score the seller's leads: the whole list, or the leads in ``TMP_IDS``
    (``restricted``), or those of some ``industries``, or those meeting ``condition``;
    returns the rows written."""
    synonyms = synonym_map(profile.organization_id)
    rules = profile_rules(profile)
    scored_before = LeadScore.objects.filter(seller_id=profile.seller_id).exists()
    if condition is not None and not scored_before:
        condition = None  # a list never scored: every lead is "affected"
    where, params = lead_filter(profile.seller_id, restricted, industries, condition)
    whole_list = not restricted and industries is None and condition is None
    try:
        with _postgres_settings(BIG_STATEMENT_SETTINGS):
            load_titles(rules, synonyms, where, params)
            load_regions(rules)
            load_triggers(profile.organization_id, rules, today)
            load_lead_extras(profile.seller_id, where, params)
            load_industries(profile, rules)
            select, select_params = _score_select(
                profile=profile, rules=rules, where=where, params=params, now=timezone.now()
            )
            if whole_list and not scored_before:
                return _insert_all(select, select_params, profile.seller_id)
            written = _write_changes(select, select_params)
            if whole_list:
                _drop_left_leads(profile.seller_id)
            return written
    finally:
        drop_temp(*LOOKUPS)


def _today(profile_or_org_tz: str, today: dt.date | None) -> dt.date:
    return today if today is not None else today_for(profile_or_org_tz)


@transaction.atomic
def score_seller(
    *,
    seller_id: int,
    today: dt.date | None = None,
    industries: Sequence[str] | None = None,
    condition: Condition | None = None,
) -> int:
    """Score and rank every lead owned by the seller (or only those of ``industries``, or
    those meeting ``condition``); returns the number of rows written (inserted or changed:
    unchanged scores are not rewritten)."""
    table = LeadScore._meta.db_table
    profile = IcpProfile.objects.select_related("organization").filter(seller_id=seller_id).first()
    if profile is None:
        return execute(f"DELETE FROM {table} WHERE seller_id = %s", [seller_id])
    today = _today(profile.organization.time_zone, today)
    if industries is not None:
        # only the leads of these industries (after an order or a reference changed)
        return _score(profile, today, restricted=False, industries=sorted(set(industries)))
    return _score(profile, today, restricted=False, condition=condition)


@transaction.atomic
def rescore(
    *,
    organization_id: int,
    lead_ids: list[int] | None = None,
    seller_ids: list[int] | None = None,
    today: dt.date | None = None,
    industries: list[str] | None = None,
) -> int:
    """Re-score whole lists (``seller_ids``; with ``industries`` only their leads of those
    industries) and single leads (``lead_ids``, on the list of whoever owns each lead now; a
    lead that changed owner leaves the old list)."""
    count = 0
    done: set[int] = set()
    for seller_id in sorted(set(seller_ids or ())):
        count += score_seller(seller_id=seller_id, today=today, industries=industries)
        if industries is None:
            done.add(seller_id)
    if not lead_ids:
        return count
    temp_table(TMP_IDS, "id bigint PRIMARY KEY")
    try:
        insert_rows(TMP_IDS, ("id",), ((lead_id,) for lead_id in sorted(set(lead_ids))))
        # leads now owned by nobody, or by someone without a profile, leave every list
        execute(
            f"DELETE FROM {LeadScore._meta.db_table} WHERE lead_id IN (SELECT t.id FROM"
            f" {TMP_IDS} t LEFT JOIN {Lead._meta.db_table} l ON l.id = t.id"
            f" WHERE l.status = '{LeadStatus.MERGED.value}' OR l.owner_id IS NULL"
            " OR l.owner_id NOT IN"
            f" (SELECT seller_id FROM {IcpProfile._meta.db_table}))"
        )
        owners = set(
            Lead.objects.filter(
                organization_id=organization_id, id__in=_ids_subquery(), owner__isnull=False
            )
            .exclude(owner_id__in=done)
            .values_list("owner_id", flat=True)
            .distinct()
        )
        profiles = IcpProfile.objects.select_related("organization").filter(
            organization_id=organization_id, seller_id__in=owners
        )
        for profile in profiles:
            count += _score(profile, _today(profile.organization.time_zone, today), restricted=True)
    finally:
        drop_temp(TMP_IDS)
    return count


def _ids_subquery() -> Any:
    return RawSQL(f"SELECT id FROM {TMP_IDS}", [])  # noqa: S611 - a constant table name


# --- a change of weights or priorities only ------------------------------------------------


def points_only_change(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True when only the points of industry, title or territory values changed: the same
    target values, window and trigger priorities, and no target territory inside another
    (then a priority could change which territory a lead matches). Such a change never
    changes who is in target, what matched, or which trigger counts."""
    if before["trigger_days"] != after["trigger_days"]:
        return False
    if before["weights"]["trigger"] != after["weights"]["trigger"]:
        return False

    def values(snapshot: dict[str, Any], dimension: str) -> list[str]:
        return sorted(t["value"] for t in snapshot["targets"] if t["dimension"] == dimension)

    def triggers(snapshot: dict[str, Any]) -> list[tuple[str, Any]]:
        return sorted(
            (t["value"], t["priority"]) for t in snapshot["targets"] if t["dimension"] == "trigger"
        )

    if any(
        values(before, name) != values(after, name) for name in ("industry", "title", "territory")
    ):
        return False
    if triggers(before) != triggers(after):
        return False
    codes = set(values(after, "territory"))
    return not any(
        code in codes
        for chain in region_chains().values()
        for code in chain[1:]
        if chain[0] in codes
    )


def reweigh(profile: IcpProfile) -> int:
    """Apply new weights or priorities from the stored matches alone (no lead is read):
    only the rows whose points change are written."""
    rules = profile_rules(profile)
    table = LeadScore._meta.db_table
    industry_sql, industry_params = case_sql(
        "industry", {v: rules.priority("industry", own) for v, own in rules.industries.items()}, "0"
    )
    title_sql, title_params = case_sql(
        "title_target",
        {display: rules.priority("title", own) for display, own in rules.titles.values()},
        "0",
    )
    territory_sql, territory_params = case_sql(
        "territory_target",
        {code: rules.priority("territory", own) for code, own in rules.territories.items()},
        "0",
    )
    score = (
        f"({industry_sql}) + ({title_sql}) + ({territory_sql}) + trigger_points + won_points"
        " + reference_points + involved_points"
    )
    score_params = [*industry_params, *title_params, *territory_params]
    return execute(
        f"UPDATE {table} SET industry_points = {industry_sql}, title_points = {title_sql},"
        f" territory_points = {territory_sql}, score = {score},"
        f" rank_key = {_rank_sql(score, 'last_trigger_on')}, profile_version = %s,"
        " computed_at = %s"
        # "+seller_id": read the table in order, not a million rows through the index
        f" WHERE +seller_id = %s AND (industry_points <> {industry_sql}"
        f" OR title_points <> {title_sql} OR territory_points <> {territory_sql})",
        [
            *industry_params,
            *title_params,
            *territory_params,
            *score_params,
            *score_params,
            profile.version,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            profile.seller_id,
            *industry_params,
            *title_params,
            *territory_params,
        ],
    )
