"""The one write path of lifecycle data: recompute stages, events, owners and hand-offs.

``lifecycle_recompute`` rebuilds CompanyMonth / LifecycleEvent rows for all companies or for
the given ones (a new, changed or back-dated order recomputes its company), hands new accounts
to AMs by the organization's rule, and keeps Company.stage / owner / team current. Running it
twice on the same data gives the same result: existing hand-offs are kept, never re-drawn.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from fractions import Fraction

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from patron.companies.models import Company, Region
from patron.core.audit import audit_bulk
from patron.core.bulk import (
    analyze_tables,
    deferred_indexes,
    delete_where_in,
    insert_rows,
    is_postgres,
)
from patron.core.frames import insert_frame, update_from_frame
from patron.core.models import AuditEvent, Organization
from patron.core.months import current_month, month_start
from patron.lifecycle import engine, queries
from patron.lifecycle.handoffs import NewAccount, assign_least_loaded
from patron.lifecycle.models import CompanyMonth, Handoff, HandoffRule, LifecycleEvent

ID = pl.Int64
SMALL_SUBSET = 5000
BULK_ROWS = 50_000  # past this many rows, indexes are rebuilt and statistics refreshed
REWRITE_ALL_SHARE = 0.3  # past this share of changed companies, rewrite the whole table


def _signatures(months: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """A checksum per company of everything stored for it (order-independent sum of row
    hashes, each cut to 52 bits so the sum of a few hundred rows stays inside Int64)."""
    month_hash = pl.struct(
        "month", "stage", "is_active", "cents", "families_owned", "owner_id", "owner_team_id"
    ).hash(seed=7)
    event_hash = pl.struct("month", "kind", "cents", "owner_id", "owner_team_id").hash(seed=11)
    parts = [
        months.select("company_id", (month_hash // 4096).cast(ID).alias("h")),
        events.select("company_id", (event_hash // 4096).cast(ID).alias("h")),
    ]
    return pl.concat(parts).group_by("company_id").agg(pl.col("h").sum().alias("signature"))


def _changed_companies(companies: pl.DataFrame, signatures: pl.DataFrame, force: bool) -> pl.Series:
    joined = companies.select("company_id", "lifecycle_signature").join(
        signatures, on="company_id", how="left"
    )
    if not force:
        joined = joined.filter(pl.col("signature").ne_missing(pl.col("lifecycle_signature")))
    return joined["company_id"]


@dataclass(frozen=True)
class RecomputeResult:
    companies: int
    months: int
    events: int
    handoffs: int
    through_month: int
    seconds: float
    rewritten: int = 0  # companies whose stored rows changed and were written again


def _month_text(column: str) -> pl.Expr:
    return pl.format(
        "{}-{}-01",
        (pl.col(column) // 12).cast(pl.String),
        ((pl.col(column) % 12) + 1).cast(pl.String).str.zfill(2),
    )


def _money_text(column: str) -> pl.Expr:
    return pl.format(
        "{}.{}",
        (pl.col(column) // 100).cast(pl.String),
        (pl.col(column) % 100).cast(pl.String).str.zfill(2),
    )


def _read(organization_id: int, company_ids: Sequence[int] | None) -> dict[str, pl.DataFrame]:
    subset = company_ids if company_ids is not None and len(company_ids) <= SMALL_SUBSET else None
    lines = queries.counted_lines(organization_id, subset)
    frames = {
        "family_revenue": queries.family_revenue(lines),
        "service_periods": queries.service_periods(lines),
        "first_orders": queries.first_orders(lines),
        "companies": queries.companies(organization_id, subset),
        "handoffs": queries.handoffs(organization_id, subset),
    }
    if company_ids is not None and subset is None:
        wanted = pl.Series(list(company_ids), dtype=ID)
        frames = {k: v.filter(pl.col("company_id").is_in(wanted)) for k, v in frames.items()}
    return frames


def _new_handoffs(
    organization: Organization,
    frames: dict[str, pl.DataFrame],
    events: pl.DataFrame,
    users: pl.DataFrame,
    loads: pl.DataFrame,
) -> pl.DataFrame:
    """Hand-offs for companies that became accounts and were never handed off."""
    empty = pl.DataFrame(
        schema={"company_id": ID, "month": ID, "from_user_id": ID, "to_user_id": ID}
    )
    if organization.handoff_rule == HandoffRule.MANUAL:
        return empty
    candidates = (
        events.filter(pl.col("kind") == "became_account")
        .select("company_id", "month")
        .join(frames["handoffs"].select("company_id").unique(), on="company_id", how="anti")
        .join(frames["companies"], on="company_id", how="left")
        .join(frames["first_orders"], on="company_id", how="left")
        .with_columns(pl.coalesce("first_seller_id", "owner_id").alias("from_user_id"))
        .join(
            users.select("user_id", pl.col("team_id").alias("seller_team_id")),
            left_on="from_user_id",
            right_on="user_id",
            how="left",
        )
        .with_columns(pl.coalesce("seller_team_id", "team_id").alias("assign_team_id"))
    )
    if candidates.is_empty():
        return empty
    ams = users.filter(pl.col("is_am") & pl.col("is_active") & pl.col("team_id").is_not_null())
    ams_by_team: dict[int, list[int]] = {}
    for team_id, user_id in ams.select("team_id", "user_id").iter_rows():
        ams_by_team.setdefault(team_id, []).append(user_id)
    teams_for_region = None
    if organization.handoff_rule == HandoffRule.TERRITORY:
        teams_for_region = _teams_for_region(organization)
    assignments = assign_least_loaded(
        (
            NewAccount(company, month, from_user, team, region)
            for company, month, from_user, team, region in candidates.select(
                "company_id", "month", "from_user_id", "assign_team_id", "region_id"
            ).iter_rows()
        ),
        ams_by_team=ams_by_team,
        loads=dict(loads.iter_rows()),
        teams_for_region=teams_for_region,
    )
    return pl.DataFrame(
        [(a.company_id, a.month, a.from_user_id, a.to_user_id) for a in assignments],
        schema=empty.schema,
        orient="row",
    )


def _teams_for_region(organization: Organization) -> dict[int, list[int]]:
    """Region id → teams whose territory is that region or one of its ancestors."""
    from patron.accounts.models import Team

    parents = dict(Region.objects.values_list("id", "parent_id"))
    territory: dict[int, list[int]] = {}
    for team_id, region_id in Team.objects.filter(
        organization=organization, region__isnull=False
    ).values_list("id", "region_id"):
        territory.setdefault(region_id, []).append(team_id)
    mapping: dict[int, list[int]] = {}
    for region_id in parents:
        node: int | None = region_id
        while node is not None:
            if node in territory:
                mapping[region_id] = territory[node]
                break
            node = parents.get(node)
    return mapping


def _owners(months: pl.DataFrame, frames: dict[str, pl.DataFrame], handoffs: pl.DataFrame):  # type: ignore[no-untyped-def]
    """Owner per company-month: the latest hand-off up to that month, else the first seller."""
    handed = handoffs.select("company_id", "month", "to_user_id").sort("company_id", "month")
    base = (
        months.join(
            frames["first_orders"].select("company_id", "first_seller_id"),
            on="company_id",
            how="left",
        )
        .join(frames["companies"].select("company_id", "owner_id"), on="company_id", how="left")
        .sort("company_id", "month")
    )
    joined = base.join_asof(
        handed, on="month", by="company_id", strategy="backward", check_sortedness=False
    )
    return joined.with_columns(
        pl.coalesce("to_user_id", "first_seller_id", "owner_id").alias("owner_id")
    ).drop("to_user_id", "first_seller_id")


@transaction.atomic
def lifecycle_recompute(
    *,
    organization: Organization,
    company_ids: Sequence[int] | None = None,
    through_month: int | None = None,
    force: bool = False,
) -> RecomputeResult:
    """Recompute stored lifecycle data; ``force`` rewrites every row even if unchanged."""
    started = time.perf_counter()
    organization.refresh_from_db()
    through = through_month if through_month is not None else current_month(organization.time_zone)
    ids = None if company_ids is None else sorted(set(company_ids))
    frames = _read(organization.id, ids)
    result = engine.compute(
        frames["family_revenue"],
        frames["service_periods"],
        through=through,
        lapse_months=organization.lapse_months,
        upsell_threshold=Fraction(organization.upsell_threshold),
    )
    users = queries.users(organization.id)
    months = result.months
    loads = _loads(organization, months, frames, users, ids, through)
    new_handoffs = _new_handoffs(organization, frames, result.events, users, loads)
    all_handoffs = pl.concat(
        [
            frames["handoffs"].select("company_id", "month", "to_user_id"),
            new_handoffs.select("company_id", "month", "to_user_id"),
        ]
    )
    team_of = users.select("user_id", pl.col("team_id").alias("owner_team_id"))
    months = _owners(months, frames, all_handoffs).join(
        team_of, left_on="owner_id", right_on="user_id", how="left"
    )
    events = result.events.join(
        months.select("company_id", "month", "owner_id", "owner_team_id"),
        on=["company_id", "month"],
        how="left",
    )
    signatures = _signatures(months, events)
    changed = _changed_companies(frames["companies"], signatures, force)
    rewrite_all = force or changed.len() > REWRITE_ALL_SHARE * max(1, frames["companies"].height)
    _write(organization, ids, months, events, new_handoffs, None if rewrite_all else changed)
    if rewrite_all and months.height > BULK_ROWS:
        analyze_tables(CompanyMonth._meta.db_table, LifecycleEvent._meta.db_table)
    _update_companies(frames, months, all_handoffs, team_of, signatures, through)
    return RecomputeResult(
        rewritten=changed.len(),
        companies=months.select("company_id").n_unique(),
        months=months.height,
        events=events.height,
        handoffs=new_handoffs.height,
        through_month=through,
        seconds=round(time.perf_counter() - started, 3),
    )


def _loads(
    organization: Organization,
    months: pl.DataFrame,
    frames: dict[str, pl.DataFrame],
    users: pl.DataFrame,
    ids: Sequence[int] | None,
    through: int,
) -> pl.DataFrame:
    """Accounts each user owns in the last month, before this run's new hand-offs."""
    if ids is not None:
        stored = queries.stored_account_loads(organization.id, through)
        return stored
    current = _owners(
        months.filter((pl.col("month") == through) & (pl.col("stage") == "account")),
        frames,
        frames["handoffs"],
    )
    return (
        current.group_by(pl.col("owner_id").alias("user_id"))
        .agg(pl.len().cast(ID).alias("accounts"))
        .drop_nulls()
    )


def _write(
    organization: Organization,
    ids: Sequence[int] | None,
    months: pl.DataFrame,
    events: pl.DataFrame,
    new_handoffs: pl.DataFrame,
    only: pl.Series | None,
) -> None:
    """Replace the stored rows: of every company in scope, or ``only`` of the changed ones."""
    month_table = CompanyMonth._meta.db_table
    event_table = LifecycleEvent._meta.db_table
    org = pl.lit(organization.id, dtype=ID)
    if only is not None:
        ids = only.sort().to_list()
        months = months.filter(pl.col("company_id").is_in(only))
        events = events.filter(pl.col("company_id").is_in(only))
    bulk = months.height > BULK_ROWS
    with deferred_indexes(month_table, include_unique=True) if bulk else nullcontext():
        _delete(organization, month_table, ids)
        _insert_months(month_table, org, months)
    with deferred_indexes(event_table, include_unique=True) if bulk else nullcontext():
        _delete(organization, event_table, ids)
        _insert_events(event_table, org, events)
    if new_handoffs.height:
        _insert_handoffs(organization, new_handoffs)


def _delete(organization: Organization, table: str, ids: Sequence[int] | None) -> None:
    if ids is not None:
        delete_where_in(table, "company_id", ids)
        return
    with connection.cursor() as cursor:
        if Organization.objects.exclude(pk=organization.pk).exists():
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [organization.id])
        elif is_postgres():  # the only organization: empty the table
            cursor.execute(f"TRUNCATE {table}")
        else:  # SQLite turns an unqualified DELETE into a truncate
            cursor.execute(f"DELETE FROM {table}")


def _insert_months(month_table: str, org: pl.Expr, months: pl.DataFrame) -> None:
    insert_frame(
        month_table,
        months.select(
            org.alias("organization_id"),
            "company_id",
            _month_text("month").alias("month"),
            "stage",
            "is_active",
            _money_text("cents").alias("revenue"),
            "families_owned",
            "owner_id",
            pl.col("owner_team_id").alias("team_id"),
        ),
    )


def _insert_events(event_table: str, org: pl.Expr, events: pl.DataFrame) -> None:
    insert_frame(
        event_table,
        events.select(
            org.alias("organization_id"),
            "company_id",
            _month_text("month").alias("month"),
            "kind",
            _money_text("cents").alias("amount"),
            "owner_id",
            pl.col("owner_team_id").alias("team_id"),
        ),
    )


def _insert_handoffs(organization: Organization, new_handoffs: pl.DataFrame) -> None:
    now = timezone.now()
    rule = organization.handoff_rule
    insert_rows(
        Handoff._meta.db_table,
        [
            "organization_id",
            "company_id",
            "from_user_id",
            "to_user_id",
            "month",
            "rule",
            "created_at",
        ],
        (
            (organization.id, company, from_user, to_user, month_start(month), rule, now)
            for company, month, from_user, to_user in new_handoffs.iter_rows()
        ),
    )
    audit_bulk(
        organization_id=organization.id,
        model=Company,
        action=AuditEvent.Action.HANDOFF,
        entries=(
            (
                company,
                "",
                {
                    "owner": [from_user, to_user],
                    "month": [None, month_start(month).isoformat()],
                },
            )
            for company, month, from_user, to_user in new_handoffs.iter_rows()
        ),
    )


def _update_companies(
    frames: dict[str, pl.DataFrame],
    months: pl.DataFrame,
    handoffs: pl.DataFrame,
    team_of: pl.DataFrame,
    signatures: pl.DataFrame,
    through: int,
) -> None:
    """Keep Company.stage (latest month), first_order_date and owner/team current."""
    latest = months.filter(pl.col("month") == through).select("company_id", "stage")
    last_handoff = (
        handoffs.sort("company_id", "month")
        .group_by("company_id", maintain_order=True)
        .last()
        .select("company_id", pl.col("to_user_id").alias("handed_to"))
        .join(team_of, left_on="handed_to", right_on="user_id", how="left")
    )
    first_orders = frames["first_orders"].select(
        "company_id", pl.col("first_order_date").alias("first_new")
    )
    wanted = (
        frames["companies"]
        .join(latest, on="company_id", how="left", suffix="_new")
        .join(first_orders, on="company_id", how="left")
        .join(last_handoff, on="company_id", how="left")
        .join(signatures, on="company_id", how="left")
        .with_columns(
            pl.col("stage_new").fill_null("prospect"),
            pl.coalesce("handed_to", "owner_id").alias("owner_new"),
            pl.when(pl.col("handed_to").is_not_null())
            .then(pl.col("owner_team_id"))
            .otherwise(pl.col("team_id"))
            .alias("team_new"),
        )
    )
    changed = wanted.filter(
        (pl.col("stage") != pl.col("stage_new"))
        | pl.col("first_order_date").ne_missing(pl.col("first_new"))
        | pl.col("owner_id").ne_missing(pl.col("owner_new"))
        | pl.col("team_id").ne_missing(pl.col("team_new"))
        | pl.col("lifecycle_signature").ne_missing(pl.col("signature"))
    )
    if changed.is_empty():
        return
    update_from_frame(
        Company._meta.db_table,
        "id",
        changed.select(
            pl.col("company_id").alias("id"),
            pl.col("stage_new").alias("stage"),
            pl.col("first_new").cast(pl.String).alias("first_order_date"),
            pl.col("owner_new").alias("owner_id"),
            pl.col("team_new").alias("team_id"),
            pl.col("signature").alias("lifecycle_signature"),
            pl.lit(timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")).alias("updated_at"),  # UTC
        ),
    )
