"""The small lookup tables the scoring statement joins to the leads (see ``scoring``), built
with the rules themselves and loaded into temporary tables, and the SQL helpers they share:

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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from patron.core.bulk import insert_rows, is_postgres
from patron.leads.choices import LeadStatus
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, LeadInvolvement, TriggerEvent
from patron.prospecting.rules import Profile, territory_match, title_key, title_match
from patron.prospecting.score_inputs import (
    reference_industries,
    region_chains,
    seller_won_industries,
)

TMP_TITLE = "prospecting_tmp_title"
TMP_REGION = "prospecting_tmp_region"
TMP_TRIGGER = "prospecting_tmp_trigger"
TMP_COMPANY_TRIGGER = "prospecting_tmp_company_trigger"
TMP_IDS = "prospecting_tmp_ids"
TMP_INDUSTRY = "prospecting_tmp_industry"
TMP_LEAD_EXTRA = "prospecting_tmp_lead_extra"
LOOKUPS = (TMP_TITLE, TMP_REGION, TMP_TRIGGER, TMP_COMPANY_TRIGGER, TMP_LEAD_EXTRA, TMP_INDUSTRY)
# an SQL condition on the lead "l" with its parameters (see target_changes.affected_leads)
Condition = tuple[str, list[Any]]


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def temp_table(name: str, columns: str) -> None:
    """A temporary lookup table keyed by its first column (a clustered key on SQLite)."""
    execute(f"DROP TABLE IF EXISTS {name}")
    clustered = "" if is_postgres() else " WITHOUT ROWID"
    execute(f"CREATE TEMPORARY TABLE {name} ({columns}){clustered}")


def drop_temp(*names: str) -> None:
    for name in names:
        execute(f"DROP TABLE IF EXISTS {name}")


def sql_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def case_sql(column: str, mapping: dict[str, int], default: str = "NULL") -> tuple[str, list[Any]]:
    if not mapping:
        return default, []
    whens = " ".join("WHEN %s THEN %s" for _ in mapping)
    params: list[Any] = []
    for value, points in mapping.items():
        params.extend([value, points])
    return f"CASE {column} {whens} ELSE {default} END", params


def day_number(column: str) -> str:
    if is_postgres():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def lead_filter(
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


def load_titles(profile: Profile, synonyms: dict[str, str], where: str, params: list[Any]) -> None:
    temp_table(TMP_TITLE, "title varchar(150) PRIMARY KEY, target varchar(150), points smallint")
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


def load_regions(profile: Profile) -> None:
    temp_table(TMP_REGION, "region_id bigint PRIMARY KEY, code varchar(32), points smallint")
    if not profile.territories:
        return
    rows = []
    for region_id, chain in region_chains().items():
        match = territory_match(profile, chain)
        if match is not None:
            rows.append((region_id, match[0], match[1]))
    insert_rows(TMP_REGION, ("region_id", "code", "points"), rows)


def load_triggers(organization_id: int, profile: Profile, today: dt.date) -> None:
    """Per lead and per company, the best targeted trigger within the window (highest
    priority, then most recent, then type) and the most recent one: a window function over
    the events, not over the leads (a company's event reaches all its leads by a join)."""
    columns = "type varchar(32), occurred_on date, points smallint, last_on date, last_day integer"
    temp_table(TMP_TRIGGER, f"lead_id bigint PRIMARY KEY, {columns}")
    temp_table(TMP_COMPANY_TRIGGER, f"company_id bigint PRIMARY KEY, {columns}")
    if not profile.triggers:
        return
    priorities = {kind: profile.priority("trigger", own) for kind, own in profile.triggers.items()}
    points_sql, points_params = case_sql("e.type", priorities, default="0")
    kinds = sorted(priorities)
    since, until = sql_date(today - dt.timedelta(days=profile.trigger_days)), sql_date(today)
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
        execute(
            f"INSERT INTO {table} ({subject}, type, occurred_on, points, last_on, last_day)"
            f" SELECT subject, type, occurred_on, points, last_on, {day_number('last_on')}"
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


def load_lead_extras(seller_id: int, where: str, params: list[Any]) -> None:
    """The few leads (of those ``where`` selects) that differ from their company: those with
    a trigger of their own (their best trigger of lead and company, combined here once) and
    those the seller is personally involved with. Every other lead takes its company's
    trigger by one join."""
    temp_table(
        TMP_LEAD_EXTRA,
        "lead_id bigint PRIMARY KEY, type varchar(32), occurred_on date, points smallint,"
        " last_on date, last_day integer, involved smallint",
    )
    involvement = LeadInvolvement._meta.db_table
    execute(
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


def load_industries(profile: IcpProfile, rules: Profile) -> None:
    """One row per industry that is targeted, or won by the seller, or has a reference."""
    temp_table(
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
