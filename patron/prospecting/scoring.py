"""Set-based scoring (SPEC §5): every lead of a seller scored and ranked in one SQL statement.

The pure reference is ``rules.score_lead``; the tests check both agree on random data. The
small lookups are built in Python with the rules themselves (each distinct title and each
region of the tree matched once), loaded into temporary tables, and joined to the leads:

- ``prospecting_tmp_title(title, target, points)``: raw lead titles that match a target title
  after normalisation and synonyms;
- ``prospecting_tmp_region(region_id, code, points)``: every region inside a target territory
  (a province includes its cities), with the best target containing it;
- ``prospecting_tmp_trigger`` / ``prospecting_tmp_company_trigger``: per lead and per company,
  the best targeted trigger within ``trigger_days`` and the latest one (with its day number),
  by a window function;
- ``prospecting_tmp_lead_extra``: the few leads that differ from their company (a trigger of
  their own, combined with the company's; a personal involvement);
- ``prospecting_tmp_industry``: the industry points and the won / reference terms;
- ``prospecting_tmp_ids(id)``: the leads to re-score when only some changed.

The computed rows are compared with the stored ones on the lead; only those that differ
(``prospecting_tmp_changed``) are written. The rank is a sort key computed per row (see
``rules.rank_key``), so re-scoring a few leads never re-ranks the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from patron.companies.models import Company, Region
from patron.core.bulk import deferred_indexes, insert_rows, is_postgres
from patron.funnel.choices import OpportunityStatus
from patron.funnel.models import Opportunity
from patron.leads.choices import LeadStatus
from patron.leads.models import Lead
from patron.prospecting.models import (
    IcpProfile,
    LeadInvolvement,
    LeadScore,
    TitleSynonym,
    TriggerEvent,
)
from patron.prospecting.rules import (
    MAX_SCORE,
    NO_TRIGGER,
    TRIGGER_BITS,
    LeadFacts,
    Profile,
    territory_match,
    title_key,
    title_match,
)
from patron.sales.models import COUNTED_STATUSES, Order

TMP_TITLE = "prospecting_tmp_title"
TMP_REGION = "prospecting_tmp_region"
TMP_TRIGGER = "prospecting_tmp_trigger"
TMP_COMPANY_TRIGGER = "prospecting_tmp_company_trigger"
TMP_IDS = "prospecting_tmp_ids"
TMP_INDUSTRY = "prospecting_tmp_industry"
TMP_LEAD_EXTRA = "prospecting_tmp_lead_extra"
TMP_CHANGED = "prospecting_tmp_changed"
# a whole-list rewrite at least this big, and at least half the table, rebuilds the index once
BULK_ROWS = 100_000
# an SQL condition on the lead "l" with its parameters (see target_changes.affected_leads)
Condition = tuple[str, list[Any]]
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


def today_for(organization_time_zone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(organization_time_zone)).date()


def profile_rules(profile: IcpProfile) -> Profile:
    """The rules' view of a stored profile (title targets keyed by canonical title key)."""
    synonyms = synonym_map(profile.organization_id)
    targets: dict[str, dict[str, Any]] = {
        "industry": {},
        "title": {},
        "territory": {},
        "trigger": {},
    }
    for target in profile.targets.order_by("id"):
        if target.dimension == "title":
            key = title_key(target.value, synonyms)
            if key and key not in targets["title"]:
                targets["title"][key] = (target.value, target.priority)
        else:
            targets[target.dimension][target.value] = target.priority
    return Profile(
        weights={
            "industry": profile.industry_weight,
            "title": profile.title_weight,
            "territory": profile.territory_weight,
            "trigger": profile.trigger_weight,
        },
        industries=targets["industry"],
        titles=targets["title"],
        territories=targets["territory"],
        triggers=targets["trigger"],
        trigger_days=profile.trigger_days,
    )


def synonym_map(organization_id: int) -> dict[str, str]:
    return dict(
        TitleSynonym.objects.filter(organization_id=organization_id).values_list(
            "variant_key", "canonical_key"
        )
    )


def region_chains() -> dict[int, tuple[str, ...]]:
    """Every region's code followed by its ancestors' codes (the tree is small)."""
    rows = {
        pk: (code, parent)
        for pk, code, parent in Region.objects.values_list("id", "code", "parent_id")
    }
    chains: dict[int, tuple[str, ...]] = {}
    for pk in rows:
        chain: list[str] = []
        seen: set[int] = set()
        current: int | None = pk
        while current is not None and current not in seen and current in rows:
            seen.add(current)
            chain.append(rows[current][0])
            current = rows[current][1]
        chains[pk] = tuple(chain)
    return chains


def seller_won_industries(seller_id: int) -> set[str]:
    """Industries of the companies this seller won an order (paid or open) or an
    opportunity from (as its AE owner or its source SDR)."""
    ordered = Order.objects.filter(seller_id=seller_id, status__in=COUNTED_STATUSES).values_list(
        "company__industry", flat=True
    )
    won = (
        Opportunity.objects.filter(status=OpportunityStatus.WON, company__isnull=False)
        .filter(Q(owner_id=seller_id) | Q(source_sdr_id=seller_id))
        .values_list("company__industry", flat=True)
    )
    return {value for value in [*ordered.distinct(), *won.distinct()] if value}


def reference_industries(organization_id: int) -> set[str]:
    return {
        value
        for value in Company.objects.filter(organization_id=organization_id, is_reference=True)
        .values_list("industry", flat=True)
        .distinct()
        if value
    }


# --- SQL helpers --------------------------------------------------------------------------


def _execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _temp_table(name: str, columns: str) -> None:
    """A temporary lookup table keyed by its first column (a clustered key on SQLite)."""
    _execute(f"DROP TABLE IF EXISTS {name}")
    clustered = "" if is_postgres() else " WITHOUT ROWID"
    _execute(f"CREATE TEMPORARY TABLE {name} ({columns}){clustered}")


def _drop_temp(*names: str) -> None:
    for name in names:
        _execute(f"DROP TABLE IF EXISTS {name}")


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _case(column: str, mapping: dict[str, int], default: str = "NULL") -> tuple[str, list[Any]]:
    if not mapping:
        return default, []
    whens = " ".join("WHEN %s THEN %s" for _ in mapping)
    params: list[Any] = []
    for value, points in mapping.items():
        params.extend([value, points])
    return f"CASE {column} {whens} ELSE {default} END", params


def _in_list(column: str, values: Iterable[str]) -> tuple[str, list[Any]]:
    items = sorted(values)
    if not items:
        return "0", []
    return f"CASE WHEN {column} IN ({', '.join(['%s'] * len(items))}) THEN 1 ELSE 0 END", items


def _day_number(column: str) -> str:
    if is_postgres():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


# --- lookups --------------------------------------------------------------------------------


def _lead_filter(
    seller_id: int,
    restricted: bool,
    industries: Sequence[str] | None = None,
    condition: Condition | None = None,
) -> tuple[str, list[Any]]:
    sql = f"l.owner_id = %s AND l.status <> '{LeadStatus.MERGED.value}'"  # merged: off the list
    params: list[Any] = [seller_id]
    if restricted:
        sql += f" AND l.id IN (SELECT id FROM {TMP_IDS})"
    if industries is not None:
        sql += f" AND l.industry IN ({', '.join(['%s'] * len(industries))})" if industries else ""
        params.extend(industries)
    if condition is not None:
        sql += f" AND {condition[0]}"
        params.extend(condition[1])
    return sql, params


def _load_titles(profile: Profile, synonyms: dict[str, str], where: str, params: list[Any]) -> None:
    _temp_table(TMP_TITLE, "title varchar(150) PRIMARY KEY, target varchar(150), points smallint")
    if not profile.titles:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT l.title FROM {Lead._meta.db_table} l WHERE {where}", params
        )
        titles = [row[0] for row in cursor.fetchall()]
    rows = []
    for title in titles:
        match = title_match(profile, title_key(title, synonyms))
        if match is not None:
            rows.append((title, match[0], match[1]))
    insert_rows(TMP_TITLE, ("title", "target", "points"), rows)


def _load_regions(profile: Profile) -> None:
    _temp_table(TMP_REGION, "region_id bigint PRIMARY KEY, code varchar(32), points smallint")
    if not profile.territories:
        return
    rows = []
    for region_id, chain in region_chains().items():
        match = territory_match(profile, chain)
        if match is not None:
            rows.append((region_id, match[0], match[1]))
    insert_rows(TMP_REGION, ("region_id", "code", "points"), rows)


def _load_triggers(organization_id: int, profile: Profile, today: dt.date) -> None:
    """Per lead and per company, the best targeted trigger within the window (highest
    priority, then most recent, then type) and the most recent one: a window function over
    the events, not over the leads (a company's event reaches all its leads by a join)."""
    columns = "type varchar(32), occurred_on date, points smallint, last_on date, last_day integer"
    _temp_table(TMP_TRIGGER, f"lead_id bigint PRIMARY KEY, {columns}")
    _temp_table(TMP_COMPANY_TRIGGER, f"company_id bigint PRIMARY KEY, {columns}")
    if not profile.triggers:
        return
    priorities = {kind: profile.priority("trigger", own) for kind, own in profile.triggers.items()}
    points_sql, points_params = _case("e.type", priorities, default="0")
    kinds = sorted(priorities)
    since, until = _date(today - dt.timedelta(days=profile.trigger_days)), _date(today)
    for table, subject in ((TMP_TRIGGER, "lead_id"), (TMP_COMPANY_TRIGGER, "company_id")):
        matched = (
            f"SELECT e.{subject} AS subject, e.type AS type, e.occurred_on AS occurred_on,"
            f" {points_sql} AS points FROM {TriggerEvent._meta.db_table} e"
            f" WHERE e.organization_id = %s AND e.{subject} IS NOT NULL"
            f" AND e.type IN ({', '.join(['%s'] * len(kinds))})"
            " AND e.occurred_on BETWEEN %s AND %s"
        )
        ranked = (
            "SELECT subject, type, occurred_on, points,"
            " ROW_NUMBER() OVER (PARTITION BY subject ORDER BY points DESC, occurred_on DESC,"
            " type ASC) AS position,"
            " MAX(occurred_on) OVER (PARTITION BY subject) AS last_on"
            f" FROM ({matched}) m"
        )
        _execute(
            f"INSERT INTO {table} ({subject}, type, occurred_on, points, last_on, last_day)"
            f" SELECT subject, type, occurred_on, points, last_on, {_day_number('last_on')}"
            f" FROM ({ranked}) r WHERE position = 1",
            [*points_params, organization_id, *kinds, since, until],
        )


def _best_trigger(column: str) -> str:
    """A lead's best trigger column: its own (tl) or its company's (tc), by the rules' order
    (highest priority, then most recent, then type)."""
    lead_wins = (
        "(tl.lead_id IS NOT NULL AND (tc.company_id IS NULL OR tl.points > tc.points"
        " OR (tl.points = tc.points AND (tl.occurred_on > tc.occurred_on"
        " OR (tl.occurred_on = tc.occurred_on AND tl.type <= tc.type)))))"
    )
    return f"CASE WHEN {lead_wins} THEN tl.{column} ELSE tc.{column} END"


def _latest(column: str) -> str:
    """The later of the lead's own and its company's latest trigger."""
    return (
        f"CASE WHEN tl.{column} IS NULL THEN tc.{column} WHEN tc.{column} IS NULL"
        f" THEN tl.{column} WHEN tl.{column} > tc.{column} THEN tl.{column} ELSE tc.{column} END"
    )


def _load_lead_extras(seller_id: int, where: str, params: list[Any]) -> None:
    """The few leads (of those ``where`` selects) that differ from their company: those with
    a trigger of their own (their best trigger of lead and company, combined here once) and
    those the seller is personally involved with. Every other lead takes its company's
    trigger by one join."""
    _temp_table(
        TMP_LEAD_EXTRA,
        "lead_id bigint PRIMARY KEY, type varchar(32), occurred_on date, points smallint,"
        " last_on date, last_day integer, involved smallint",
    )
    involvement = LeadInvolvement._meta.db_table
    _execute(
        f"INSERT INTO {TMP_LEAD_EXTRA}"
        " (lead_id, type, occurred_on, points, last_on, last_day, involved)"
        f" SELECT l.id, {_best_trigger('type')}, {_best_trigger('occurred_on')},"
        f" {_best_trigger('points')}, {_latest('last_on')}, {_latest('last_day')},"
        " CASE WHEN i.lead_id IS NULL THEN 0 ELSE 2 END"
        f" FROM {Lead._meta.db_table} l"
        f" LEFT JOIN {TMP_TRIGGER} tl ON tl.lead_id = l.id"
        f" LEFT JOIN {TMP_COMPANY_TRIGGER} tc ON tc.company_id = l.company_id"
        f" LEFT JOIN {involvement} i ON i.lead_id = l.id AND i.seller_id = %s"
        f" WHERE {where} AND l.id IN (SELECT lead_id FROM {TMP_TRIGGER}"
        f" UNION SELECT lead_id FROM {involvement} WHERE seller_id = %s)",
        [seller_id, *params, seller_id],
    )


# --- the scoring statement ------------------------------------------------------------------


def _load_industries(profile: IcpProfile, rules: Profile) -> None:
    """One row per industry that is targeted, or won by the seller, or has a reference."""
    _temp_table(
        TMP_INDUSTRY,
        "industry varchar(32) PRIMARY KEY, points smallint, won smallint, reference smallint",
    )
    targeted = {value: rules.priority("industry", own) for value, own in rules.industries.items()}
    won = seller_won_industries(profile.seller_id)
    references = reference_industries(profile.organization_id)
    rows = [
        (industry, targeted.get(industry), int(industry in won), int(industry in references))
        for industry in sorted(set(targeted) | won | references)
        if industry
    ]
    insert_rows(TMP_INDUSTRY, ("industry", "points", "won", "reference"), rows)


# the columns compared with the stored row. The others follow from them in every row this
# module writes: score is the sum of the points (the stored row's own sum is checked too),
# rank_key a function of score and last_trigger_on, in_target is "no out reason", starred
# "has a latest trigger"; profile_version and computed_at are bookkeeping (a row keeps the
# version it was last changed under). Comparing the derived columns too would cost a third
# more on SQLite, which evaluates each compared expression again.
COMPARED = (
    "seller_id",
    "out_reasons",
    "industry_points",
    "title_points",
    "territory_points",
    "trigger_points",
    "won_points",
    "reference_points",
    "involved_points",
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
        f" ELSE {NO_TRIGGER} - {_day_number(last_trigger_on)} END"
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
    (a sort) instead of row by row."""
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    rows = Lead.objects.filter(owner_id=seller_id).count()
    stored = LeadScore.objects.count()
    if stored:
        _execute(
            f"DELETE FROM {table} WHERE lead_id IN"
            f" (SELECT l.id FROM {Lead._meta.db_table} l WHERE l.owner_id = %s)",
            [seller_id],
        )
    bulk = rows >= BULK_ROWS and rows * 2 >= stored
    with deferred_indexes(table) if bulk else nullcontext():
        return _execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select}) n", select_params
        )


def _write_changes(select: str, select_params: list[Any]) -> int:
    """Compare the computed rows with the stored ones (one join on the lead) and write only
    the differences: changed rows are updated in place, new ones inserted; unchanged rows,
    usually nearly all of them, are not touched, nor is the ranked index."""
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    _execute(f"DROP TABLE IF EXISTS {TMP_CHANGED}")
    _execute(
        f"CREATE TEMPORARY TABLE {TMP_CHANGED} AS SELECT {columns}, 1 AS is_new"
        f" FROM {table} WHERE 1 = 0"
    )
    differs = " OR ".join(
        [
            f"s.score <> {' + '.join(f's.{column}' for column in POINTS)}",
            *(f"s.{column} IS DISTINCT FROM n.{column}" for column in COMPARED),
        ]
    )
    changed = _execute(
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
            _execute(f"ANALYZE {TMP_CHANGED}")
        bulk = changed >= BULK_ROWS and changed * 2 >= LeadScore.objects.count()
        with (
            deferred_indexes(table) if bulk else nullcontext(),
            _postgres_settings(PROBE_SETTINGS),
        ):
            assignments = ", ".join(f"{column} = c.{column}" for column in UPDATED_COLUMNS)
            _execute(
                f"UPDATE {table} SET {assignments} FROM {TMP_CHANGED} c"
                f" WHERE {table}.lead_id = c.lead_id AND c.is_new = 0"
            )
            _execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {TMP_CHANGED}"
                " WHERE is_new = 1"
            )
    _drop_temp(TMP_CHANGED)
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
    where, params = _lead_filter(profile.seller_id, restricted, industries, condition)
    whole_list = not restricted and industries is None and condition is None
    try:
        with _postgres_settings(BIG_STATEMENT_SETTINGS):
            _load_titles(rules, synonyms, where, params)
            _load_regions(rules)
            _load_triggers(profile.organization_id, rules, today)
            _load_lead_extras(profile.seller_id, where, params)
            _load_industries(profile, rules)
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
        _drop_temp(
            TMP_TITLE, TMP_REGION, TMP_TRIGGER, TMP_COMPANY_TRIGGER, TMP_LEAD_EXTRA, TMP_INDUSTRY
        )


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
        return _execute(f"DELETE FROM {table} WHERE seller_id = %s", [seller_id])
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
    _temp_table(TMP_IDS, "id bigint PRIMARY KEY")
    try:
        insert_rows(TMP_IDS, ("id",), ((lead_id,) for lead_id in sorted(set(lead_ids))))
        # leads now owned by nobody, or by someone without a profile, leave every list
        _execute(
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
        _drop_temp(TMP_IDS)
    return count


def _ids_subquery() -> Any:
    return RawSQL(f"SELECT id FROM {TMP_IDS}", [])  # noqa: S611 - a constant table name


def reference_facts(*, seller_id: int, lead_ids: Sequence[int]) -> list[LeadFacts]:
    """The rules' inputs for a few leads, read one by one through the ORM: the independent
    path the tests and the benchmark check the SQL against (never used on a hot path)."""
    leads = list(Lead.objects.filter(id__in=lead_ids).order_by("id"))
    if not leads:
        return []
    organization_id = leads[0].organization_id
    chains = region_chains()
    synonyms = synonym_map(organization_id)
    won = seller_won_industries(seller_id)
    references = reference_industries(organization_id)
    involved = set(
        LeadInvolvement.objects.filter(seller_id=seller_id, lead_id__in=lead_ids).values_list(
            "lead_id", flat=True
        )
    )
    facts = []
    for lead in leads:
        events = TriggerEvent.objects.filter(
            Q(lead_id=lead.pk) | Q(company_id=lead.company_id)
            if lead.company_id is not None
            else Q(lead_id=lead.pk)
        )
        facts.append(
            LeadFacts(
                lead_id=lead.pk,
                created_at=lead.created_at,
                industry=lead.industry,
                title_key=title_key(lead.title, synonyms),
                region_chain=chains.get(lead.region_id, ()) if lead.region_id else (),
                triggers=[(event.type, event.occurred_on) for event in events],
                seller_won_in_industry=lead.industry in won,
                reference_in_industry=lead.industry in references,
                involved=lead.pk in involved,
            )
        )
    return facts


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
    industry_sql, industry_params = _case(
        "industry", {v: rules.priority("industry", own) for v, own in rules.industries.items()}, "0"
    )
    title_sql, title_params = _case(
        "title_target",
        {display: rules.priority("title", own) for display, own in rules.titles.values()},
        "0",
    )
    territory_sql, territory_params = _case(
        "territory_target",
        {code: rules.priority("territory", own) for code, own in rules.territories.items()},
        "0",
    )
    score = (
        f"({industry_sql}) + ({title_sql}) + ({territory_sql}) + trigger_points + won_points"
        " + reference_points + involved_points"
    )
    score_params = [*industry_params, *title_params, *territory_params]
    return _execute(
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
