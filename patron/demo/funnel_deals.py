"""The opportunities of the demo funnel: SDR-sourced ones from touched MQLs (handed to AEs who
accept, reject or have not answered yet) and AE-sourced expansions with customers; each walks
the stages to won or lost, and a won one produces its order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from patron.demo.funnel_setup import FunnelPeople
from patron.demo.funnel_simulate import (
    DAY,
    HOUR,
    OPPORTUNITY_APPETITE,
    FunnelSize,
    activities_frame,
    business_moments,
    loss_reasons,
    pick_seller,
    plays_for,
    rejection_reasons,
    seconds,
    utc,
)
from patron.funnel.clock import BusinessCalendar, add_business_seconds_many

NAT = np.datetime64("NaT")


@dataclass
class Deals:
    opportunities: pl.DataFrame
    lines: pl.DataFrame
    handoffs: pl.DataFrame
    changes: pl.DataFrame
    orders: pl.DataFrame
    order_lines: pl.DataFrame
    activities: pl.DataFrame
    converted: pl.DataFrame  # lead id, converted_at


@dataclass
class Context:
    rng: np.random.Generator
    size: FunnelSize
    people: FunnelPeople
    touch_calendar: BusinessCalendar
    handoff_calendar: BusinessCalendar
    end: np.datetime64
    offset_s: int  # the organization's UTC offset (the demo's zone has no daylight saving)


def _after(
    ctx: Context, calendar: BusinessCalendar, start: np.ndarray, low: int, high: int
) -> np.ndarray:
    if len(start) == 0:
        return start
    delay = ctx.rng.integers(low, high, len(start))
    return seconds(add_business_seconds_many(calendar, utc(start), delay))


def _response_delay(ctx: Context, n: int) -> np.ndarray:
    draw = ctx.rng.random(n)
    return np.select(
        [draw < 0.7, draw < 0.84],
        [ctx.rng.integers(600, 6 * HOUR, n), ctx.rng.integers(6 * HOUR, 8 * HOUR, n)],
        ctx.rng.integers(8 * HOUR + 60, 30 * HOUR, n),
    )


def sdr_sourced(
    ctx: Context,
    leads: pl.DataFrame,
    first_touch: np.ndarray,
    *,
    force_pending_for: int | None,
) -> dict[str, np.ndarray]:
    rng, end = ctx.rng, ctx.end
    ready = np.flatnonzero(~np.isnat(first_touch) & (first_touch < end - np.timedelta64(2, "D")))
    appetite = np.array([OPPORTUNITY_APPETITE[s] for s in leads["source"].to_numpy()[ready]])
    wanted = ctx.size.opportunities
    if wanted is not None:
        wanted = round(wanted / (1 + ctx.size.ae_sourced_share))
    else:
        touched = int((~np.isnat(first_touch)).sum())
        wanted = round(ctx.size.opportunity_rate * touched)
    wanted = min(wanted, len(ready))
    # weighted sampling without replacement (Efraimidis–Spirakis): the largest u^(1/w) win
    keys = rng.random(len(ready)) ** (1 / appetite)
    chosen = np.sort(ready[np.argpartition(-keys, wanted - 1)[:wanted]]) if wanted else ready[:0]
    created = _after(ctx, ctx.touch_calendar, first_touch[chosen], HOUR, 40 * HOUR)
    created = np.minimum(created, end - np.timedelta64(900, "s"))
    n = len(chosen)
    aes = ctx.people.aes
    ae = pick_seller(rng, aes, (created + ctx.offset_s).astype("datetime64[D]"))
    handed = np.minimum(created + rng.integers(120, 5400, n), end - np.timedelta64(600, "s"))
    responded = (
        seconds(
            add_business_seconds_many(ctx.handoff_calendar, utc(handed), _response_delay(ctx, n))
        )
        if n
        else handed
    )
    pending = responded >= end
    if force_pending_for is not None:
        mine = np.flatnonzero(np.array([aes[i].user_id for i in ae]) == force_pending_for)
        pending[mine[np.argsort(handed[mine])][-2:]] = True
    rejected = ~pending & (rng.random(n) < 0.14)
    rehand = rejected & (rng.random(n) < 0.45) & (len(aes) > 1)
    handed2 = responded + rng.integers(HOUR, DAY, n)
    rehand &= handed2 < end
    ae2 = (ae + 1 + rng.integers(0, max(len(aes) - 1, 1), n)) % len(aes)
    responded2 = np.full(n, NAT, dtype="datetime64[s]")
    where = np.flatnonzero(rehand)
    responded2[where] = _after(ctx, ctx.handoff_calendar, handed2[where], 600, 6 * HOUR)
    pending2 = rehand & (responded2 >= end)
    give_up = rejected & ~rehand
    lost_at = responded + rng.integers(2 * HOUR, 3 * DAY, n)
    lost_rejected = give_up & (lost_at < end)
    accepted_at = np.where(
        ~rejected & ~pending, responded, np.where(rehand & ~pending2, responded2, NAT)
    ).astype("datetime64[s]")
    owner_index = np.where(rehand, ae2, ae)
    owner = np.array([aes[i].user_id for i in owner_index])
    team = np.array([aes[i].team_id for i in owner_index])
    with_sdr = give_up  # rejected and back with the SDR (closed lost or still open)
    status_handoff = np.select([pending | pending2, with_sdr], ["pending", "rejected"], "accepted")
    lead_rows = leads[chosen]
    return {
        "lead_index": chosen,
        "lead_id": lead_rows["id"].to_numpy(),
        "company_id": lead_rows["company_id"].to_numpy(),
        "contact_id": lead_rows["contact_id"].to_numpy(),
        "source": lead_rows["source"].to_numpy(),
        "source_sdr_id": lead_rows["owner_id"].to_numpy(),
        "source_team_id": lead_rows["team_id"].to_numpy(),
        "created": created,
        "accepted_at": accepted_at,
        "owner_id": np.where(with_sdr, -1, owner),
        "team_id": np.where(with_sdr, lead_rows["team_id"].to_numpy(), team),
        "handoff_status": status_handoff,
        "lost_rejected": lost_rejected,
        "lost_at": lost_at,
        # hand-off rows
        "first_to": np.array([aes[i].user_id for i in ae]),
        "first_team": np.array([aes[i].team_id for i in ae]),
        "handed": handed,
        "responded": responded,
        "pending": pending,
        "rejected": rejected,
        "rehand": rehand,
        "second_to": np.array([aes[i].user_id for i in ae2]),
        "second_team": np.array([aes[i].team_id for i in ae2]),
        "handed2": handed2,
        "responded2": responded2,
        "pending2": pending2,
        "reason": rejection_reasons(rng, n),
    }


def ae_sourced(
    ctx: Context, customers: pl.DataFrame, start: np.datetime64, count: int
) -> dict[str, np.ndarray]:
    rng = ctx.rng
    created = np.sort(
        business_moments(rng, start, ctx.end - np.timedelta64(1, "D"), count, ctx.offset_s)
    )
    ae = pick_seller(rng, ctx.people.aes, (created + ctx.offset_s).astype("datetime64[D]"))
    picked = customers[rng.integers(0, customers.height, count)]
    return {
        "company_id": picked["company_id"].to_numpy(),
        "contact_id": picked["contact_id"].to_numpy(),
        "created": created,
        "accepted_at": created,
        "owner_id": np.array([ctx.people.aes[i].user_id for i in ae]),
        "team_id": np.array([ctx.people.aes[i].team_id for i in ae]),
    }


def walk(ctx: Context, accepted: np.ndarray, win_chance: np.ndarray) -> dict[str, np.ndarray]:
    """Stage paths from acceptance: the highest stage, the outcome, when it closed."""
    rng, end = ctx.rng, ctx.end
    n = len(accepted)
    walking = ~np.isnat(accepted)
    duration = rng.integers(7 * DAY, 150 * DAY, n)
    close = accepted + duration
    closed = walking & (close < end)
    won = closed & (rng.random(n) < win_chance)
    lost = closed & ~won
    reached_won = np.where(rng.random(n) < 0.8, 5, 4)
    reached_lost = rng.choice(np.array([1, 2, 3, 4]), n, p=[0.35, 0.3, 0.2, 0.15])
    elapsed = np.clip((end - accepted).astype(np.int64) / np.maximum(duration, 1), 0, 1)
    reached_open = 1 + np.floor(4 * elapsed).astype(np.int64)
    top = np.select([won, lost, walking], [reached_won, reached_lost, reached_open], 1)
    return {
        "walking": walking,
        "closed_at": np.where(closed, close, NAT).astype("datetime64[s]"),
        "won": won,
        "lost": lost,
        "top": np.minimum(top, 5),
        "span_end": np.where(closed, close, end).astype("datetime64[s]"),
    }


def _stage_changes(
    ctx: Context,
    ids: np.ndarray,
    created: np.ndarray,
    accepted: np.ndarray,
    path: dict[str, np.ndarray],
    closed_status: np.ndarray,
    closed_at: np.ndarray,
    users: np.ndarray,
) -> pl.DataFrame:
    moves = np.where(path["walking"], path["top"] - 1, 0)
    which = np.repeat(np.arange(len(ids)), moves)
    step = np.arange(len(which)) - np.repeat(np.cumsum(moves) - moves, moves) + 1
    span = (path["span_end"] - accepted).astype(np.int64)
    at = accepted[which] + (span[which] * step / (moves[which] + 1)).astype(np.int64)
    closing = np.flatnonzero(closed_status != "")
    frames = [
        pl.DataFrame(
            {
                "opportunity_id": ids,
                "at": utc(created),
                "from_stage_number": pl.Series([None] * len(ids), dtype=pl.Int64),
                "to_stage_number": np.ones(len(ids), dtype=np.int64),
                "from_status": "",
                "to_status": "open",
                "user_id": users,
            },
        ),
        pl.DataFrame(
            {
                "opportunity_id": ids[which],
                "at": utc(at.astype("datetime64[s]")),
                "from_stage_number": step,
                "to_stage_number": step + 1,
                "from_status": "open",
                "to_status": "open",
                "user_id": users[which],
            }
        ),
        pl.DataFrame(
            {
                "opportunity_id": ids[closing],
                "at": utc(closed_at[closing]),
                "from_stage_number": path["top"][closing],
                "to_stage_number": path["top"][closing],
                "from_status": "open",
                "to_status": closed_status[closing],
                "user_id": users[closing],
            }
        ),
    ]
    return pl.concat([f.with_columns(pl.col("user_id").cast(pl.Int64)) for f in frames])


def _lines(
    ctx: Context, ids: np.ndarray, sizes: np.ndarray, products: pl.DataFrame
) -> pl.DataFrame:
    rng = ctx.rng
    n = len(ids)
    count = 1 + (rng.random(n) < 0.45) + (rng.random(n) < 0.15)
    owner = np.repeat(np.arange(n), count)
    line_no = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count) + 1
    product = rng.integers(0, products.height, len(owner))
    quantity = 1 + rng.poisson(1 + sizes[owner] * 2)
    discount = rng.choice(np.array([0, 0, 5, 10, 15, 20]), len(owner))
    price = products["price_cents"].to_numpy()[product]
    amount = np.round(price * quantity * (100 - discount) / 100).astype(np.int64)
    return pl.DataFrame(
        {
            "opportunity_index": owner,
            "opportunity_id": ids[owner],
            "line_no": line_no,
            "product_id": products["id"].to_numpy()[product],
            "product_index": product,
            "quantity": quantity,
            "unit_price_cents": price,
            "discount_pct": discount,
            "amount_cents": amount,
        }
    )


def deals_make(
    ctx: Context,
    *,
    leads: pl.DataFrame,
    first_touch: np.ndarray,
    companies: pl.DataFrame,
    products: pl.DataFrame,
    play_ids: dict[str, int],
    start: np.datetime64,
    first_id: int,
    first_order_id: int,
    force_pending_for: int | None,
) -> Deals:
    rng = ctx.rng
    sdr = sdr_sourced(ctx, leads, first_touch, force_pending_for=force_pending_for)
    customers = companies.filter(pl.col("is_customer"))
    if customers.is_empty():
        customers = companies
    wanted = len(sdr["created"]) * ctx.size.ae_sourced_share
    if ctx.size.opportunities is not None:
        wanted = ctx.size.opportunities - len(sdr["created"])
    ae = ae_sourced(ctx, customers, start, round(wanted))
    n_sdr, n_ae = len(sdr["created"]), len(ae["created"])
    n = n_sdr + n_ae
    ids = np.arange(n, dtype=np.int64) + first_id
    created = np.concatenate([sdr["created"], ae["created"]])
    accepted = np.concatenate([sdr["accepted_at"], ae["accepted_at"]]).astype("datetime64[s]")
    win_chance = np.concatenate([np.full(n_sdr, 0.3), np.full(n_ae, 0.45)])
    path = walk(ctx, accepted, win_chance)
    lost_rejected = np.concatenate([sdr["lost_rejected"], np.zeros(n_ae, dtype=bool)])
    lost_at = np.concatenate([sdr["lost_at"], np.full(n_ae, NAT, dtype="datetime64[s]")])
    status = np.select([path["won"], path["lost"] | lost_rejected], ["won", "lost"], "open")
    closed_at = np.where(lost_rejected, lost_at, path["closed_at"]).astype("datetime64[s]")
    top = np.where(lost_rejected, 1, path["top"])
    path["top"] = top
    loss = np.where(lost_rejected, "rejected", np.where(status == "lost", loss_reasons(rng, n), ""))
    owner = np.concatenate([sdr["owner_id"], ae["owner_id"]])
    source_sdr = np.concatenate([sdr["source_sdr_id"], np.full(n_ae, -1)])
    company_id = np.concatenate([sdr["company_id"], ae["company_id"]])
    size_of = dict(zip(companies["company_id"].to_list(), companies["size"].to_list(), strict=True))
    sizes = np.array([size_of[c] for c in company_id.tolist()])
    lines = _lines(ctx, ids, sizes, products)
    amounts = np.bincount(
        lines["opportunity_index"].to_numpy(), lines["amount_cents"].to_numpy(), n
    )
    amounts = amounts.astype(np.int64)
    plays = np.concatenate(
        [plays_for(sdr["source"], play_ids), np.full(n_ae, play_ids.get("expansion", -1))]
    )
    won = np.flatnonzero(status == "won")
    order_id = np.full(n, -1, dtype=np.int64)
    order_id[won] = np.arange(len(won)) + first_order_id
    external = [f"OPP-{k:07d}" for k in range(1, n + 1)]
    first_lines = lines.filter(pl.col("line_no") == 1).sort("opportunity_index")
    names = [
        f"{products['name'][int(product)]} ×{int(quantity)}"
        for product, quantity in zip(
            first_lines["product_index"].to_list(), first_lines["quantity"].to_list(), strict=True
        )
    ]
    closer = np.where(owner > 0, owner, source_sdr)
    none = np.full(n_ae, -1, dtype=np.int64)
    opportunities = pl.DataFrame(
        {
            "id": ids,
            "external_id": external,
            "name": names,
            "company_id": company_id,
            "contact_id": np.concatenate([sdr["contact_id"], ae["contact_id"]]),
            "lead_id": np.concatenate([sdr["lead_id"], none]),
            "amount_cents": amounts,
            "stage_number": top,
            "max_stage_number": top,
            "status": status,
            "owner_id": owner,
            "team_id": np.concatenate([sdr["team_id"], ae["team_id"]]),
            "source_sdr_id": source_sdr,
            "source_team_id": np.concatenate([sdr["source_team_id"], none]),
            "play_id": plays,
            "created_at": utc(created),
            "handoff_status": np.concatenate([sdr["handoff_status"], np.full(n_ae, "")]),
            "closed_at": utc(closed_at),
            "loss_reason": loss,
            "order_id": order_id,
        }
    ).with_columns(
        pl.when(pl.col(name) > 0).then(pl.col(name)).alias(name)
        for name in (
            "lead_id",
            "owner_id",
            "source_sdr_id",
            "source_team_id",
            "play_id",
            "order_id",
        )
    )
    changes = _stage_changes(
        ctx,
        ids,
        created,
        np.where(np.isnat(accepted), created, accepted).astype("datetime64[s]"),
        path,
        np.where(status == "open", "", status),
        closed_at,
        closer,
    )
    return Deals(
        opportunities=opportunities,
        lines=lines,
        handoffs=_handoffs(sdr, ids[:n_sdr]),
        changes=changes,
        orders=pl.DataFrame(),
        order_lines=pl.DataFrame(),
        activities=_deal_activities(ctx, ids, owner, company_id, opportunities, accepted, path),
        converted=pl.DataFrame({"id": sdr["lead_id"], "converted_at": utc(sdr["created"])}),
    )


def _handoffs(sdr: dict[str, np.ndarray], ids: np.ndarray) -> pl.DataFrame:
    first_status = np.select([sdr["pending"], sdr["rejected"]], ["pending", "rejected"], "accepted")
    first = pl.DataFrame(
        {
            "opportunity_id": ids,
            "from_user_id": sdr["source_sdr_id"],
            "to_user_id": sdr["first_to"],
            "to_team_id": sdr["first_team"],
            "handed_at": utc(sdr["handed"]),
            "status": first_status,
            "responded_at": utc(
                np.where(sdr["pending"], NAT, sdr["responded"]).astype("datetime64[s]")
            ),
            "rejected": sdr["rejected"],
            "reason": np.where(sdr["rejected"], sdr["reason"], ""),
        }
    )
    again = np.flatnonzero(sdr["rehand"])
    second = pl.DataFrame(
        {
            "opportunity_id": ids[again],
            "from_user_id": sdr["source_sdr_id"][again],
            "to_user_id": sdr["second_to"][again],
            "to_team_id": sdr["second_team"][again],
            "handed_at": utc(sdr["handed2"][again]),
            "status": np.where(sdr["pending2"][again], "pending", "accepted"),
            "responded_at": utc(
                np.where(sdr["pending2"][again], NAT, sdr["responded2"][again]).astype(
                    "datetime64[s]"
                )
            ),
            "rejected": np.zeros(len(again), dtype=bool),
            "reason": np.full(len(again), ""),
        }
    )
    return pl.concat([first, second])


def _deal_activities(
    ctx: Context,
    ids: np.ndarray,
    owner: np.ndarray,
    company_id: np.ndarray,
    opportunities: pl.DataFrame,
    accepted: np.ndarray,
    path: dict[str, np.ndarray],
) -> pl.DataFrame:
    rng = ctx.rng
    worked = path["walking"] & (owner > 0)
    count = np.where(worked, rng.poisson(ctx.size.activities_per_opportunity, len(ids)), 0)
    which = np.repeat(np.arange(len(ids)), count)
    span = (path["span_end"] - accepted).astype("timedelta64[s]").astype(np.int64)
    span = np.where(worked, np.maximum(span, 60), 0)
    at = accepted[which] + (rng.random(len(which)) * span[which]).astype(np.int64)
    return activities_frame(
        rng,
        user_id=owner[which],
        occurred=at.astype("datetime64[s]"),
        company_id=company_id[which],
        contact_id=opportunities["contact_id"].to_numpy()[which],
        opportunity_id=ids[which],
        kinds=(["meeting", "call", "email"], [0.35, 0.4, 0.25]),
    )


def orders_make(
    ctx: Context, deals: Deals, products: pl.DataFrame, first_order_id: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One order per won opportunity, sold by its owner on the day it closed, with its lines."""
    rng = ctx.rng
    won = deals.opportunities.filter(pl.col("status") == "won")
    closed = seconds(won["closed_at"])
    order_date = (closed + ctx.offset_s).astype("datetime64[D]")
    paid = closed < ctx.end - np.timedelta64(40, "D")
    due = order_date + 30
    paid_on = np.where(paid, order_date + rng.integers(5, 40, won.height), NAT)
    orders = pl.DataFrame(
        {
            "id": won["order_id"],
            "external_id": ("SO-" + won["external_id"]),
            "company_id": won["company_id"],
            "order_date": order_date,
            "seller_id": won["owner_id"],
            "status": np.where(paid, "paid", "open"),
            "total_cents": won["amount_cents"],
            "due_date": due,
            "paid_date": paid_on.astype("datetime64[D]"),
            "created_at": won["closed_at"],
        }
    )
    lines = deals.lines.join(
        won.select(pl.col("id").alias("opportunity_id"), pl.col("order_id"), pl.col("closed_at")),
        on="opportunity_id",
        how="inner",
    ).with_columns(
        pl.col("closed_at")
        .dt.convert_time_zone(ctx.touch_calendar.time_zone)
        .dt.date()
        .alias("day")
    )
    kind = products["kind"].to_numpy()[lines["product_index"].to_numpy()]
    day = lines["day"].to_numpy().astype("datetime64[D]")
    period = np.where(kind == "annual", 364, 29)
    is_subscription = kind != "one_time"
    unit_cost = products["cost_cents"].to_numpy()[lines["product_index"].to_numpy()]
    order_lines = lines.select(
        "order_id", "line_no", "product_id", "quantity", "discount_pct", "amount_cents", "closed_at"
    ).with_columns(
        pl.Series("cost_cents", unit_cost * lines["quantity"].to_numpy()),
        pl.Series("service_start", np.where(is_subscription, day, NAT).astype("datetime64[D]")),
        pl.Series(
            "service_end", np.where(is_subscription, day + period, NAT).astype("datetime64[D]")
        ),
    )
    return orders, order_lines
