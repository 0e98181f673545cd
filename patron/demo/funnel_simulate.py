"""A year of inbound funnel, simulated set-at-a-time with numpy and polars.

Inbound leads (``M-``) arrive from web forms, webinars, content downloads, events and chat;
the marketing rules make some MQLs on arrival, some come as MQLs from an event list import,
a few are marked by hand. SDRs touch MQLs — most within the 4-business-hour SLA, some late,
a few never — and create opportunities from the best, handed to AEs who accept or reject
(with a reason) within their 8 business hours or late. Accepted opportunities walk the stages
to won or lost; AEs also open expansion opportunities with existing customers. Every moment
is drawn on the organization's business calendar, so SLA breaches come out of the clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from patron.demo.funnel_setup import RULES, SOURCE_PLAY, FunnelPeople, Seller
from patron.funnel.choices import LossReason, RejectionReason
from patron.funnel.clock import BusinessCalendar, add_business_seconds_many

UTC = pl.Datetime("us", "UTC")
HOUR = 3600
DAY = 86_400
SOURCES = ["demo_request", "free_trial", "webinar", "content_download", "event", "web_form", "chat"]
SOURCE_WEIGHTS = [0.1, 0.08, 0.2, 0.3, 0.12, 0.14, 0.06]
OPPORTUNITY_APPETITE = {
    "demo_request": 1.6,
    "free_trial": 1.4,
    "webinar": 0.9,
    "content_download": 0.6,
    "event": 1.0,
    "web_form": 1.0,
    "chat": 0.8,
}
REJECTIONS = [r.value for r in RejectionReason if r != RejectionReason.OTHER]
LOSSES = [
    "price",
    "competitor",
    "no_budget",
    "no_decision",
    "product_fit",
    "timing",
    "unresponsive",
]
LOSS_WEIGHTS = [0.24, 0.22, 0.14, 0.16, 0.08, 0.08, 0.08]
OUTCOMES = np.array(["connected", "no_answer", "meeting_set", "not_interested", "wrong_person"])


@dataclass(frozen=True)
class FunnelSize:
    leads: int
    opportunity_rate: float  # SDR-sourced opportunities per touched MQL
    ae_sourced_share: float  # AE-sourced opportunities per SDR-sourced one
    touches_per_mql: float  # mean activities on an MQL by its SDR
    calls_per_lead: float  # mean activities on other leads
    activities_per_opportunity: float  # mean AE activities on an opportunity
    sdrs: int = 0  # SDRs and AEs the size needs (0: the world's own)
    aes: int = 0
    opportunities: int | None = None  # exact number (bench)
    activities: int | None = None  # exact size of the activity table (bench)


FUNNEL_SIZES = {
    "tiny": FunnelSize(500, 0.3, 0.3, 3.0, 1.0, 4.0),
    "small": FunnelSize(4_000, 0.28, 0.3, 3.0, 1.0, 4.0),
    "medium": FunnelSize(16_000, 0.28, 0.3, 3.0, 1.0, 4.0),
    "large": FunnelSize(40_000, 0.28, 0.3, 2.5, 0.8, 3.0),
    # bench_funnel: 1,000,000 leads, 200,000 opportunities, 5,000,000 activities
    "bench": FunnelSize(
        1_000_000,
        0.45,
        1 / 3,
        3.0,
        2.4,
        9.0,
        sdrs=100,
        aes=40,
        opportunities=200_000,
        activities=5_000_000,
    ),
}


def utc(values: np.ndarray) -> pl.Series:
    """datetime64[s] (UTC) → a polars UTC series."""
    return pl.Series(values.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def seconds(series: pl.Series) -> np.ndarray:
    """A UTC series → datetime64[s]."""
    return series.dt.replace_time_zone(None).to_numpy().astype("datetime64[s]")


def pick_seller(rng: np.random.Generator, sellers: list[Seller], days: np.ndarray) -> np.ndarray:
    """For each day (datetime64[D]), a seller who held the role by then (index into sellers)."""
    order = sorted(range(len(sellers)), key=lambda i: sellers[i].joined)
    joined = np.array([sellers[i].joined for i in order], dtype="datetime64[D]")
    eligible = np.maximum(np.searchsorted(joined, days, side="right"), 1)
    return np.array(order)[(rng.random(len(days)) * eligible).astype(np.int64)]


def business_moments(
    rng: np.random.Generator, start: np.datetime64, end: np.datetime64, n: int, offset_s: int
) -> np.ndarray:
    """``n`` moments in [start, end): weekdays mostly, working hours mostly (UTC seconds)."""
    days = int((end - start) // np.timedelta64(1, "D"))
    day = rng.integers(0, days, n)
    local_day = (start + np.timedelta64(offset_s, "s")).astype("datetime64[D]") + day
    weekend = np.isin((local_day.astype(np.int64) + 3) % 7, [5, 6])
    shift = np.where(weekend & (rng.random(n) < 0.7), np.where(rng.random(n) < 0.5, -2, 2), 0)
    local_day = local_day + shift
    in_hours = rng.random(n) < 0.78
    second = np.where(
        in_hours, rng.integers(9 * HOUR, 18 * HOUR, n), rng.integers(7 * HOUR, 23 * HOUR, n)
    )
    moments = local_day.astype("datetime64[s]") + second - offset_s
    return np.clip(moments, start, end - np.timedelta64(60, "s"))


def predicted_rule_mql(leads: pl.DataFrame) -> pl.Series:
    """The leads the demo's marketing rules qualify (what ``mql_rules_apply`` will mark)."""
    match = pl.lit(False)
    for _name, sources, keywords, needs_email in RULES:
        rule = pl.col("source").is_in(sources)
        if keywords:
            title = pl.col("title").str.to_lowercase()
            rule &= pl.any_horizontal(title.str.contains(k.lower(), literal=True) for k in keywords)
        if needs_email:
            rule &= pl.col("email") != ""
        match |= rule
    return leads.select(match.alias("rule"))["rule"]


def leads_make(
    rng: np.random.Generator,
    size: FunnelSize,
    companies: pl.DataFrame,
    people: FunnelPeople,
    start: np.datetime64,
    end: np.datetime64,
    offset_s: int,
    first_id: int,
) -> pl.DataFrame:
    n = size.leads
    created = np.sort(business_moments(rng, start, end, n, offset_s))
    company = rng.integers(0, companies.height, n)
    picked = companies[company]
    source = rng.choice(np.array(SOURCES), n, p=SOURCE_WEIGHTS)
    email = np.where(rng.random(n) < 0.08, "", picked["email"].to_numpy())
    owner_index = pick_seller(rng, people.sdrs, (created + offset_s).astype("datetime64[D]"))
    owners = np.array([s.user_id for s in people.sdrs])[owner_index]
    teams = np.array([s.team_id for s in people.sdrs])[owner_index]
    leads = pl.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64) + first_id,
            "external_id": [f"M-{k:07d}" for k in range(1, n + 1)],
            "company_name": picked["name"],
            "contact_name": picked["contact_name"],
            "title": picked["title"],
            "email": email,
            "phone": picked["phone"],
            "industry": picked["industry"],
            "region_id": picked["region_id"],
            "source": source,
            "owner_id": owners,
            "team_id": teams,
            "company_id": picked["company_id"],
            "contact_id": picked["contact_id"],
            "created_at": utc(created),
        }
    )
    rule = predicted_rule_mql(leads)
    imported = ~rule.to_numpy() & (source == "event") & (rng.random(n) < 0.35)
    manual = ~rule.to_numpy() & ~imported & (rng.random(n) < 0.05)
    later = np.where(
        imported, rng.integers(DAY, 3 * DAY, n), rng.integers(HOUR, 5 * DAY, n)
    ).astype("timedelta64[s]")
    mql_at = np.where(imported | manual, created + later, np.datetime64("NaT"))
    too_late = mql_at >= end
    imported &= ~too_late
    manual &= ~too_late
    return leads.with_columns(
        rule.alias("is_rule_mql"),
        pl.Series(
            "mql_at",
            np.where(imported | manual, mql_at, np.datetime64("NaT")).astype("datetime64[us]"),
        ).dt.replace_time_zone("UTC"),
        pl.Series("mql_source", np.select([imported, manual], ["import", "manual"], "")),
        pl.Series("fate", rng.random(n)),
    )


def activities_frame(
    rng: np.random.Generator,
    *,
    user_id: np.ndarray,
    occurred: np.ndarray,
    lead_id: np.ndarray | None = None,
    company_id: np.ndarray,
    contact_id: np.ndarray,
    opportunity_id: np.ndarray | None = None,
    kinds: tuple[list[str], list[float]],
) -> pl.DataFrame:
    n = len(user_id)
    kind = rng.choice(np.array(kinds[0]), n, p=kinds[1])
    is_call = kind == "call"
    outcome = np.where(is_call, rng.choice(OUTCOMES, n, p=[0.42, 0.33, 0.1, 0.1, 0.05]), "")
    duration = np.select(
        [is_call & (outcome != "no_answer"), kind == "meeting"],
        [rng.integers(40, 900, n), rng.integers(1800, 4800, n)],
        0,
    )
    empty = np.full(n, -1, dtype=np.int64)
    frame = pl.DataFrame(
        {
            "kind": kind,
            "user_id": user_id,
            "company_id": company_id,
            "contact_id": contact_id,
            "lead_id": lead_id if lead_id is not None else empty,
            "opportunity_id": opportunity_id if opportunity_id is not None else empty,
            "occurred_at": utc(occurred),
            "duration_seconds": duration,
            "outcome": outcome,
        }
    )
    return frame.with_columns(
        pl.when(pl.col(name) > 0).then(pl.col(name)).alias(name)
        for name in ("lead_id", "opportunity_id")
    )


@dataclass
class Touches:
    first: np.ndarray  # datetime64[s] per MQL, NaT when not (yet) touched
    activities: pl.DataFrame


def touches_make(
    rng: np.random.Generator,
    size: FunnelSize,
    leads: pl.DataFrame,
    mql_at: np.ndarray,
    calendar: BusinessCalendar,
    end: np.datetime64,
    *,
    keep_open_for: int | None = None,
) -> Touches:
    """The SDRs' touches on MQLs (first within the SLA mostly) and calls on other leads.
    The two newest MQLs of ``keep_open_for`` stay untouched (the demo SDR's home page)."""
    n = leads.height
    is_mql = ~np.isnat(mql_at)
    owner = leads["owner_id"].to_numpy()
    draw = rng.random(n)
    delay = np.select(
        [draw < 0.78, draw < 0.88, draw < 0.97],
        [
            rng.integers(300, int(3.5 * HOUR), n),
            rng.integers(int(3.5 * HOUR), 4 * HOUR, n),
            rng.integers(4 * HOUR + 60, 20 * HOUR, n),
        ],
        -1,
    )
    if keep_open_for is not None:
        mine = np.flatnonzero(is_mql & (owner == keep_open_for))
        delay[mine[np.argsort(mql_at[mine])][-2:]] = -1
    touched = is_mql & (delay > 0)
    first = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    where = np.flatnonzero(touched)
    if len(where):
        due = add_business_seconds_many(calendar, utc(mql_at[where]), delay[where])
        first[where] = seconds(due)
    first = np.where(first < end, first, np.datetime64("NaT"))
    touched = ~np.isnat(first)
    extra = np.where(touched, rng.poisson(max(size.touches_per_mql - 1, 0), n), 0)
    calls = np.where(~is_mql, rng.poisson(size.calls_per_lead, n), 0)
    created = seconds(leads["created_at"])
    index = np.concatenate(
        [np.flatnonzero(touched), np.repeat(np.arange(n), extra), np.repeat(np.arange(n), calls)]
    )
    base = np.concatenate(
        [
            first[touched],
            np.repeat(first, extra) + rng.integers(HOUR, 21 * DAY, int(extra.sum())),
            np.repeat(created, calls) + rng.integers(HOUR // 2, 14 * DAY, int(calls.sum())),
        ]
    ).astype("datetime64[s]")
    keep = base < end
    index, base = index[keep], base[keep]
    frame = activities_frame(
        rng,
        user_id=owner[index],
        occurred=base,
        lead_id=leads["id"].to_numpy()[index],
        company_id=leads["company_id"].to_numpy()[index],
        contact_id=leads["contact_id"].to_numpy()[index],
        kinds=(["call", "email", "meeting"], [0.65, 0.3, 0.05]),
    )
    # the first touch of each MQL is a call or an email (a note would not stop the clock)
    first_rows = np.zeros(len(index), dtype=bool)
    first_rows[: int(touched.sum())] = True
    frame = frame.with_columns(
        pl.when(pl.Series(first_rows[: frame.height]) & (pl.col("kind") == "meeting"))
        .then(pl.lit("call"))
        .otherwise(pl.col("kind"))
        .alias("kind")
    )
    return Touches(first=first, activities=frame)


def loss_reasons(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array(LOSSES), n, p=LOSS_WEIGHTS)


def rejection_reasons(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array(REJECTIONS), n)


def plays_for(sources: np.ndarray, play_ids: dict[str, int]) -> np.ndarray:
    lookup = {source: play_ids.get(code, -1) for source, code in SOURCE_PLAY.items()}
    return np.array([lookup.get(source, -1) for source in sources.tolist()], dtype=np.int64)


__all__ = ["FUNNEL_SIZES", "FunnelSize", "LossReason"]
