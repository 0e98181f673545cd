"""Set-based scoring (SPEC §5): every lead of a seller scored and ranked in one SQL statement.

The pure reference is ``rules.score_lead``; the tests check both agree on random data. The
small lookups are built in Python with the rules themselves (each distinct title and each
region of the tree matched once), loaded into temporary tables, and joined to the leads:

- ``prospecting_tmp_title(title, target, points)``: raw lead titles that match a target title
  after normalisation and synonyms;
- ``prospecting_tmp_region(region_id, code, points)``: every region inside a target territory
  (a province includes its cities), with the best target containing it;
- ``prospecting_tmp_trigger(lead_id, type, occurred_on, points, last_on)``: per lead, the
  best targeted trigger within ``trigger_days`` (on the lead or its company), by a window
  function;
- ``prospecting_tmp_ids(id)``: the leads to re-score when only some changed.

The rank is a sort key computed per row (see ``rules.rank_key``), so re-scoring a few leads
never re-ranks the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
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
# a whole-list rewrite at least this big, and at least half the table, rebuilds the index once
BULK_ROWS = 100_000
SCORE_COLUMNS = (
    "organization_id",
    "seller_id",
    "lead_id",
    "profile_version",
    "in_target",
    "out_reasons",
    "score",
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
    seller_id: int, restricted: bool, industries: Sequence[str] | None = None
) -> tuple[str, list[Any]]:
    sql = f"l.owner_id = %s AND l.status <> '{LeadStatus.MERGED.value}'"  # merged: off the list
    params: list[Any] = [seller_id]
    if restricted:
        sql += f" AND l.id IN (SELECT id FROM {TMP_IDS})"
    if industries is not None:
        sql += f" AND l.industry IN ({', '.join(['%s'] * len(industries))})" if industries else ""
        params.extend(industries)
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
    columns = "type varchar(32), occurred_on date, points smallint, last_on date"
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
            f"INSERT INTO {table} ({subject}, type, occurred_on, points, last_on)"
            f" SELECT subject, type, occurred_on, points, last_on FROM ({ranked}) r"
            " WHERE position = 1",
            [*points_params, organization_id, *kinds, since, until],
        )


def _trigger_columns() -> str:
    """The lead's best trigger: its own (tl) or its company's (tc), by the rules' order."""
    lead_wins = (
        "(tl.lead_id IS NOT NULL AND (tc.company_id IS NULL OR tl.points > tc.points"
        " OR (tl.points = tc.points AND (tl.occurred_on > tc.occurred_on"
        " OR (tl.occurred_on = tc.occurred_on AND tl.type <= tc.type)))))"
    )
    return (
        f" CASE WHEN {lead_wins} THEN tl.type ELSE tc.type END AS trigger_type,"
        f" CASE WHEN {lead_wins} THEN tl.occurred_on ELSE tc.occurred_on END AS trigger_on,"
        f" CASE WHEN {lead_wins} THEN tl.points ELSE tc.points END AS trigger_points,"
        " CASE WHEN tl.last_on IS NULL THEN tc.last_on WHEN tc.last_on IS NULL THEN tl.last_on"
        " WHEN tl.last_on > tc.last_on THEN tl.last_on ELSE tc.last_on END AS last_trigger_on,"
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


# the columns an upsert rewrites; a row whose values are all unchanged is not written
UPSERT_COMPARED = tuple(
    column
    for column in SCORE_COLUMNS
    if column not in ("organization_id", "lead_id", "profile_version", "computed_at")
)


def _score_select(
    *,
    profile: IcpProfile,
    rules: Profile,
    where: str,
    params: list[Any],
    now: dt.datetime,
    sparse: bool,
) -> tuple[str, list[Any]]:
    """The SELECT producing score rows (``SCORE_COLUMNS``) of the leads ``where`` selects.

    ``sparse``: leave the involvement term out (0) — the few leads that have one get it from
    :func:`_apply_involvement`, instead of one lookup for every lead."""
    leads = Lead._meta.db_table
    trigger_columns = _trigger_columns()
    joins = (
        f" LEFT JOIN {TMP_TRIGGER} tl ON tl.lead_id = l.id"
        f" LEFT JOIN {TMP_COMPANY_TRIGGER} tc ON tc.company_id = l.company_id"
    )
    join_params: list[Any] = []
    if sparse:
        trigger_columns += " 0 AS involved_points,"
    else:
        trigger_columns += " CASE WHEN i.id IS NULL THEN 0 ELSE 2 END AS involved_points,"
        joins += (
            f" LEFT JOIN {LeadInvolvement._meta.db_table} i"
            " ON i.lead_id = l.id AND i.seller_id = %s"
        )
        join_params = [profile.seller_id]
    inner = (
        "SELECT l.id AS lead_id, l.industry AS industry, ti.points AS industry_match,"
        " tt.target AS title_target, tt.points AS title_match,"
        " tr.code AS territory_target, tr.points AS territory_match,"
        f"{trigger_columns}"
        " COALESCE(ti.won, 0) AS won_points, COALESCE(ti.reference, 0) AS reference_points,"
        " l.created_at AS lead_created_at"
        f" FROM {leads} l"
        f" LEFT JOIN {TMP_INDUSTRY} ti ON ti.industry = l.industry"
        f" LEFT JOIN {TMP_TITLE} tt ON tt.title = l.title"
        f" LEFT JOIN {TMP_REGION} tr ON tr.region_id = l.region_id"
        f"{joins}"
        f" WHERE {where}"
    )
    out_industry = "industry_match IS NULL" if rules.industries else "1 = 0"
    out_title = "title_match IS NULL" if rules.titles else "1 = 0"
    out_territory = "territory_match IS NULL" if rules.territories else "1 = 0"
    points = (
        "COALESCE(industry_match, 0) + COALESCE(title_match, 0) + COALESCE(territory_match, 0)"
        " + COALESCE(trigger_points, 0) + won_points + reference_points + involved_points"
    )
    scored = (
        "SELECT a.*,"
        f" CASE WHEN ({out_industry}) OR ({out_title}) OR ({out_territory}) THEN 0 ELSE 1 END"
        " AS in_target,"
        f" RTRIM(CASE WHEN {out_industry} THEN 'industry,' ELSE '' END"
        f" || CASE WHEN {out_title} THEN 'title,' ELSE '' END"
        f" || CASE WHEN {out_territory} THEN 'territory,' ELSE '' END, ',') AS out_reasons,"
        f" {points} AS score"
        f" FROM ({inner}) a"
    )
    select = (
        "SELECT %s, %s, lead_id, %s,"
        f" CASE WHEN in_target = 1 THEN {_true()} ELSE {_false()} END, out_reasons, score,"
        " COALESCE(industry_match, 0), COALESCE(title_match, 0), COALESCE(territory_match, 0),"
        " COALESCE(trigger_points, 0), won_points, reference_points, involved_points,"
        " industry, COALESCE(title_target, ''), COALESCE(territory_target, ''),"
        " COALESCE(trigger_type, ''), trigger_on, last_trigger_on,"
        f" CASE WHEN last_trigger_on IS NULL THEN {_false()} ELSE {_true()} END,"
        f" lead_created_at, {_rank_sql('score', 'last_trigger_on')}, %s"
        f" FROM ({scored}) s WHERE 1 = 1"
    )
    # the SELECT list's parameters come before the FROM's
    select_params = [
        profile.organization_id,
        profile.seller_id,
        profile.version,
        connection.ops.adapt_datetimefield_value(now),
        *join_params,
        *params,
    ]
    return select, select_params


def _rank_sql(score: str, last_trigger_on: str) -> str:
    trigger_part = (
        f"CASE WHEN {last_trigger_on} IS NULL THEN {NO_TRIGGER}"
        f" ELSE {NO_TRIGGER} - {_day_number(last_trigger_on)} END"
    )
    return f"(({MAX_SCORE} - ({score})) * {1 << TRIGGER_BITS} + ({trigger_part}))"


def _upsert_scores(
    *, profile: IcpProfile, rules: Profile, where: str, params: list[Any], now: dt.datetime
) -> int:
    """Write the scores of some leads: new rows are inserted, changed rows updated, unchanged
    rows left alone."""
    select, select_params = _score_select(
        profile=profile, rules=rules, where=where, params=params, now=now, sparse=False
    )
    table = LeadScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    updates = ", ".join(
        f"{column} = excluded.{column}"
        for column in (*UPSERT_COMPARED, "profile_version", "computed_at")
    )
    changed = " OR ".join(
        f"{table}.{column} IS DISTINCT FROM excluded.{column}" for column in UPSERT_COMPARED
    )
    return _execute(
        f"INSERT INTO {table} ({columns}) {select}"
        f" ON CONFLICT (lead_id) DO UPDATE SET {updates} WHERE {changed}",
        select_params,
    )


def _rewrite_scores(
    *, profile: IcpProfile, rules: Profile, where: str, params: list[Any], now: dt.datetime
) -> int:
    """A whole list written again: delete, insert, then add the involvement term to the few
    rows that have it. When the list is most of the table, its index is dropped and built
    again once (a sort) instead of being updated row by row."""
    table = LeadScore._meta.db_table
    select, select_params = _score_select(
        profile=profile, rules=rules, where=where, params=params, now=now, sparse=True
    )
    rows = Lead.objects.filter(owner_id=profile.seller_id).count()
    bulk = rows >= BULK_ROWS and rows * 2 >= LeadScore.objects.count()
    with deferred_indexes(table) if bulk else nullcontext():
        _execute(f"DELETE FROM {table} WHERE seller_id = %s", [profile.seller_id])
        written = _execute(
            f"INSERT INTO {table} ({', '.join(SCORE_COLUMNS)}) {select}", select_params
        )
        _apply_involvement(profile.seller_id)
    return written


def _apply_involvement(seller_id: int) -> None:
    """+2 on the rows of the leads the seller is personally involved with."""
    table = LeadScore._meta.db_table
    score = f"{table}.score + 2"
    _execute(
        f"UPDATE {table} SET involved_points = 2, score = {score},"
        f" rank_key = {_rank_sql(score, f'{table}.last_trigger_on')}"
        f" WHERE seller_id = %s AND lead_id IN (SELECT lead_id FROM"
        f" {LeadInvolvement._meta.db_table} WHERE seller_id = %s)",
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
) -> int:
    synonyms = synonym_map(profile.organization_id)
    rules = profile_rules(profile)
    where, params = _lead_filter(profile.seller_id, restricted, industries)
    _load_titles(rules, synonyms, where, params)
    _load_regions(rules)
    _load_triggers(profile.organization_id, rules, today)
    _load_industries(profile, rules)
    write = _upsert_scores if restricted or industries is not None else _rewrite_scores
    try:
        return write(profile=profile, rules=rules, where=where, params=params, now=timezone.now())
    finally:
        _drop_temp(TMP_TITLE, TMP_REGION, TMP_TRIGGER, TMP_COMPANY_TRIGGER, TMP_INDUSTRY)


def _today(profile_or_org_tz: str, today: dt.date | None) -> dt.date:
    return today if today is not None else today_for(profile_or_org_tz)


@transaction.atomic
def score_seller(
    *, seller_id: int, today: dt.date | None = None, industries: Sequence[str] | None = None
) -> int:
    """Score and rank every lead owned by the seller; returns the number of rows written
    (inserted or changed: unchanged scores are not rewritten)."""
    table = LeadScore._meta.db_table
    profile = IcpProfile.objects.select_related("organization").filter(seller_id=seller_id).first()
    if profile is None:
        return _execute(f"DELETE FROM {table} WHERE seller_id = %s", [seller_id])
    today = _today(profile.organization.time_zone, today)
    if industries is not None:
        # only the leads of these industries (after an order or a reference changed)
        return _score(profile, today, restricted=False, industries=sorted(set(industries)))
    return _score(profile, today, restricted=False)


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
