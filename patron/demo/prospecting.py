"""Prospecting in the demo world (``prospecting_generate``, called by ``world_generate`` after
the funnel, inside its transaction): an ICP profile for every BDM and SDR, outbound leads
(``P-``) on their lists, trigger events on a third of the target companies, months of calls
with outcomes, and then every seller's list scored.

The history carries a real signal for the refine page: a lead converts — its company places its
first paid order some weeks after the lead was created — far more often when its company had a
recent trigger event (about 18% against 4%), and more often in the seller's first target
industry. Converting leads name companies whose first paid order is recent; the others name
companies that never ordered, so the conversion the refine page counts is exactly the plan's.
The SDRs' inbound leads of the funnel (``M-``) are on their lists too.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db.models import Min

from patron.accounts.models import Role, User
from patron.activities.models import Activity
from patron.companies.models import Company, Contact, Region
from patron.core.bulk import is_postgres
from patron.core.models import Organization
from patron.demo.funnel import _audit, _next_id, write
from patron.demo.funnel_simulate import OUTCOMES, utc
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, LeadInvolvement, LeadScore, TriggerEvent
from patron.prospecting.services import profile_save, score_seller, synonyms_seed
from patron.sales.models import Order, OrderStatus

LEAD_PREFIX = "P-"
DAY = 86_400
LEADS_PER_SELLER = {"tiny": 40, "small": 120, "medium": 200, "large": 250, "bench": 60}
INDUSTRIES = ["manufacturing", "software", "retail", "logistics", "healthcare", "education"]
TITLES = {
    "CIO": ["CIO", "Chief Information Officer", "首席信息官", "信息总监"],
    "IT manager": ["IT manager", "IT经理", "信息技术经理", "IT主管"],
    "IT director": ["IT director", "IT总监", "Head of IT"],
    "Purchasing manager": ["Purchasing manager", "采购经理", "Procurement Manager"],
}
OTHER_TITLES = ["HR director", "人力资源总监", "销售总监", "Marketing manager", "行政主管"]
PROVINCES = ["CN-SH", "CN-JS", "CN-ZJ", "CN-BJ", "CN-GD", "CN-SC", "CN-SD", "CN-HB"]
TRIGGERS = ["merger", "expansion", "funding"]
TRIGGER_NOTES = {
    "merger": "并购公告",
    "expansion": "新工厂 / 新分支机构",
    "funding": "完成新一轮融资",
}
TRIGGER_SHARE = 1 / 3
RECENT_DAYS = 80  # converting companies placed their first paid order in these last days
OUT_OF_TARGET = 0.12
# conversion chance of a lead: base, + recent trigger, + the seller's first target industry
CONVERT_BASE, CONVERT_TRIGGER, CONVERT_TOP = 0.012, 0.15, 0.06
SHOWCASE = {"bdm": 3, "sdr": 2}  # the demo logins get longer lists (a clearer refine page)
CALLED_SHARE = 0.85
INVOLVED_SHARE = 0.04  # of the leads that do not convert


@dataclass(frozen=True)
class Pools:
    """Companies to name on leads: ``converting`` placed their first paid order recently
    (with its date), ``never`` have no order; each split into trigger and calm companies."""

    converting: pl.DataFrame
    never: pl.DataFrame


def _companies(organization: Organization, end: dt.date) -> Pools:
    first_paid = dict(
        Order.objects.filter(organization=organization, status=OrderStatus.PAID)
        .values("company_id")
        .annotate(first=Min("order_date"))
        .values_list("company_id", "first")
    )
    ordered = set(
        Order.objects.filter(organization=organization).values_list("company_id", flat=True)
    )
    contacts = {
        company_id: (name, email, phone)
        for company_id, name, email, phone in Contact.objects.filter(organization=organization)
        .order_by("-id")
        .values_list("company_id", "name", "email", "phone")
    }
    rows = []
    for company_id, name, industry in Company.objects.filter(
        organization=organization, industry__in=INDUSTRIES
    ).values_list("id", "name", "industry"):
        first = first_paid.get(company_id)
        recent = first is not None and end - dt.timedelta(days=RECENT_DAYS) <= first <= end
        if company_id in ordered and not recent:
            continue  # a customer already (or an order that never got paid)
        contact = contacts.get(company_id, ("", "", ""))
        rows.append((company_id, name, industry, first, *contact))
    frame = pl.DataFrame(
        rows,
        schema={
            "company_id": pl.Int64,
            "name": pl.String,
            "industry": pl.String,
            "first_paid": pl.Date,
            "contact_name": pl.String,
            "email": pl.String,
            "phone": pl.String,
        },
        orient="row",
    )
    # a third of the companies had a trigger event (fixed per company, so that every lead of
    # a trigger company is starred, whoever's list it is on)
    frame = frame.with_columns(((pl.col("company_id") * 2654435761) % 3 == 0).alias("has_trigger"))
    return Pools(
        converting=frame.filter(pl.col("first_paid").is_not_null()),
        never=frame.filter(pl.col("first_paid").is_null()),
    )


def _sellers(organization: Organization) -> list[User]:
    return list(
        User.objects.filter(
            organization=organization, is_active=True, roles__role__in=[Role.BDM, Role.SDR]
        )
        .distinct()
        .order_by("id")
    )


def _profiles(rng: np.random.Generator, sellers: list[User]) -> dict[int, dict[str, list[str]]]:
    """A profile per seller: 3 industries (the first converts best), 2 titles, 2 provinces,
    the three trigger types. Saved through ``profile_save`` (audited, version 1)."""
    plans: dict[int, dict[str, list[str]]] = {}
    for seller in sellers:
        industries = [INDUSTRIES[i] for i in rng.choice(len(INDUSTRIES), 3, replace=False)]
        titles = [list(TITLES)[i] for i in rng.choice(len(TITLES), 2, replace=False)]
        provinces = [PROVINCES[i] for i in rng.choice(len(PROVINCES), 2, replace=False)]
        plans[seller.pk] = {"industry": industries, "title": titles, "territory": provinces}
        profile_save(
            seller=seller,
            weights={"industry": 2, "title": 1, "territory": 1, "trigger": 2},
            targets={
                "industry": list(zip(industries, (None, 1, 1), strict=True)),
                "title": [(value, None) for value in titles],
                "territory": [(value, None) for value in provinces],
                "trigger": [("merger", 2), ("expansion", 1), ("funding", None)],
            },
            note="demo",
            actor=None,
            rescore=False,
        )
    return plans


def _cities() -> dict[str, list[int]]:
    """Province code → ids of its cities."""
    cities: dict[str, list[int]] = {}
    for region_id, parent_code in Region.objects.filter(level=2).values_list("id", "parent__code"):
        cities.setdefault(parent_code, []).append(region_id)
    return cities


def _pick(
    rng: np.random.Generator, pool: pl.DataFrame, industries: np.ndarray, triggered: np.ndarray
) -> np.ndarray:
    """For each lead, a row of ``pool`` of that industry and trigger state (-1: none)."""
    picks = np.full(len(industries), -1, dtype=np.int64)
    keys = pool.select("industry", "has_trigger").rows()
    groups: dict[tuple[str, bool], list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    for i, (industry, trigger) in enumerate(zip(industries, triggered, strict=True)):
        choices = groups.get((str(industry), bool(trigger)))
        if choices:
            picks[i] = choices[int(rng.integers(0, len(choices)))]
    return picks


def _leads(
    rng: np.random.Generator,
    pools: Pools,
    sellers: list[User],
    plans: dict[int, dict[str, list[str]]],
    per_seller: int,
    end: np.datetime64,
    offset_s: int,
    first_id: int,
) -> pl.DataFrame:
    cities = _cities()
    frames = []
    for seller in sellers:
        plan = plans[seller.pk]
        n = per_seller * SHOWCASE.get(seller.username, 1)
        out = rng.random(n) < OUT_OF_TARGET
        out_kind = rng.integers(0, 3, n)  # industry, title, territory
        industry_index = rng.choice(3, n, p=[0.4, 0.3, 0.3])
        industry = np.array(plan["industry"])[industry_index]
        others = [i for i in INDUSTRIES if i not in plan["industry"]]
        industry = np.where(out & (out_kind == 0), rng.choice(others, n), industry)
        triggered = rng.random(n) < TRIGGER_SHARE
        chance = CONVERT_BASE + CONVERT_TRIGGER * triggered + CONVERT_TOP * (industry_index == 0)
        converts = ~out & (rng.random(n) < chance)
        pick_converting = _pick(rng, pools.converting, industry, triggered)
        pick_never = _pick(rng, pools.never, industry, triggered)
        converts &= pick_converting >= 0
        company = np.where(converts, pick_converting, pick_never)
        keep = company >= 0
        converts, out, out_kind = converts[keep], out[keep], out_kind[keep]
        company = company[keep]
        m = int(keep.sum())
        rows = pl.concat(
            [
                pools.converting[company[converts]].with_columns(pl.lit(True).alias("converts")),
                pools.never[company[~converts]].with_columns(pl.lit(False).alias("converts")),
            ]
        )
        title_pool = [v for t in plan["title"] for v in TITLES[t]]
        titles = np.array(title_pool)[rng.integers(0, len(title_pool), m)]
        out_c = out[np.concatenate([np.flatnonzero(converts), np.flatnonzero(~converts)])]
        kind_c = out_kind[np.concatenate([np.flatnonzero(converts), np.flatnonzero(~converts)])]
        titles = np.where(out_c & (kind_c == 1), rng.choice(OTHER_TITLES, m), titles)
        home = [c for p in plan["territory"] for c in cities.get(p, [])]
        away = [c for p, ids in cities.items() if p not in plan["territory"] for c in ids]
        region = np.array(home)[rng.integers(0, len(home), m)] if home else np.zeros(m, np.int64)
        if away:
            region = np.where(
                out_c & (kind_c == 2), np.array(away)[rng.integers(0, len(away), m)], region
            )
        frames.append(
            rows.with_columns(
                pl.Series("title", titles),
                pl.Series("region_id", region),
                pl.lit(seller.pk).alias("owner_id"),
                pl.lit(seller.team_id).alias("team_id"),
            )
        )
    leads = pl.concat(frames, how="diagonal_relaxed")
    n = leads.height
    # converting leads are created 1–8 weeks before the company's first paid order; the
    # others some day in the last five months
    end_day = end.astype("datetime64[D]")
    first_paid = leads["first_paid"].to_numpy().astype("datetime64[D]")
    lead_day = np.where(
        leads["converts"].to_numpy(),
        first_paid - rng.integers(7, 56, n).astype("timedelta64[D]"),
        end_day - rng.integers(10, 150, n).astype("timedelta64[D]"),
    )
    seconds_in_day = rng.integers(9 * 3600, 18 * 3600, n).astype("timedelta64[s]")
    created = np.minimum(
        lead_day.astype("datetime64[s]") + seconds_in_day - np.timedelta64(offset_s, "s"),
        end - np.timedelta64(DAY, "s"),
    )
    return leads.with_columns(
        pl.Series("id", np.arange(n, dtype=np.int64) + first_id),
        pl.Series("external_id", [f"{LEAD_PREFIX}{k:07d}" for k in range(1, n + 1)]),
        pl.Series("created_at", utc(created)),
    )


def _triggers(
    rng: np.random.Generator, leads: pl.DataFrame, end: dt.date, first_id: int
) -> pl.DataFrame:
    """One event on each trigger company named by a lead, in the last 85 days (so it counts
    in the default 90-day window); before the first paid order of a converting company."""
    companies = (
        leads.filter(pl.col("has_trigger"))
        .group_by("company_id")
        .agg(pl.col("first_paid").first(), pl.col("created_at").min())
        .sort("company_id")
    )
    n = companies.height
    kind = np.array(TRIGGERS)[rng.integers(0, len(TRIGGERS), n)]
    end_day = np.datetime64(end, "D")
    first_paid = companies["first_paid"].to_numpy().astype("datetime64[D]")
    latest = np.where(np.isnat(first_paid), end_day, first_paid - np.timedelta64(1, "D"))
    earliest = end_day - np.timedelta64(85, "D")
    span = np.maximum((latest - earliest).astype(np.int64), 1)
    day = earliest + (rng.random(n) * span).astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64) + first_id,
            "company_id": companies["company_id"],
            "type": kind,
            "occurred_on": pl.Series(day.astype("datetime64[D]")).cast(pl.Date),
            "note": [TRIGGER_NOTES[k] for k in kind],
            "source_url": "",
        }
    )


def _calls(
    rng: np.random.Generator, leads: pl.DataFrame, end: np.datetime64, offset_s: int
) -> pl.DataFrame:
    """1–3 calls on every converting lead (the last one sets the meeting) and on most others."""
    n = leads.height
    converts = leads["converts"].to_numpy()
    called = converts | (rng.random(n) < CALLED_SHARE)
    count = np.where(called, rng.integers(1, 4, n), 0)
    index = np.repeat(np.arange(n), count)
    created = leads["created_at"].dt.replace_time_zone(None).to_numpy().astype("datetime64[s]")
    first_paid = leads["first_paid"].to_numpy().astype("datetime64[D]").astype("datetime64[s]")
    until = np.where(converts, np.minimum(first_paid, end), end)
    span = np.maximum((until - created).astype(np.int64), 3600)
    at = created[index] + (rng.random(len(index)) * span[index]).astype("timedelta64[s]")
    last = np.r_[index[1:] != index[:-1], True] if len(index) else np.array([], dtype=bool)
    outcome = OUTCOMES[rng.choice(5, len(index), p=[0.25, 0.4, 0.0, 0.25, 0.1])]
    outcome = np.where(last & converts[index], "meeting_set", outcome)
    return pl.DataFrame(
        {
            "user_id": leads["owner_id"].to_numpy()[index],
            "lead_id": leads["id"].to_numpy()[index],
            "company_id": leads["company_id"].to_numpy()[index],
            "occurred_at": utc(at),
            "duration_seconds": rng.integers(20, 600, len(index)),
            "outcome": outcome,
        }
    ).with_columns(
        pl.col("occurred_at").alias("created_at"), pl.col("occurred_at").alias("updated_at")
    )


def prospecting_data_delete(organization: Organization) -> None:
    """Delete the prospecting demo data (``--reset``): outbound leads and their calls, trigger
    events and scores; profiles go with their sellers."""
    using = Lead.objects.db
    leads = Lead.objects.filter(organization=organization, external_id__startswith=LEAD_PREFIX)
    Activity.objects.filter(lead_id__in=leads.values("id"))._raw_delete(using)  # type: ignore[attr-defined]
    LeadScore.objects.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]
    TriggerEvent.objects.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]
    LeadInvolvement.objects.filter(organization=organization)._raw_delete(using)  # type: ignore[attr-defined]
    leads._raw_delete(using)  # type: ignore[attr-defined]
    IcpProfile.objects.filter(organization=organization).delete()


def prospecting_generate(
    *,
    organization: Organization,
    seed: int,
    size: str,
    end_date: dt.date,
    log: Callable[[str], None] = lambda _message: None,
) -> dict[str, int]:
    rng = np.random.default_rng([seed, 303])
    zone_offset = 8 * 3600  # the demo organization is in Asia/Shanghai
    end = np.datetime64(
        dt.datetime.combine(end_date, dt.time(18, 0)) - dt.timedelta(seconds=zone_offset), "s"
    )
    synonyms_seed(organization=organization)
    sellers = _sellers(organization)
    plans = _profiles(rng, sellers)
    pools = _companies(organization, end_date)
    leads = _leads(
        rng, pools, sellers, plans, LEADS_PER_SELLER.get(size, 60), end, zone_offset, _next_id(Lead)
    )
    triggers = _triggers(rng, leads, end_date, _next_id(TriggerEvent))
    calls = _calls(rng, leads, end, zone_offset)
    org = {"organization_id": organization.pk}
    lead_rows = leads.select(
        "id",
        "external_id",
        pl.col("name").alias("company_name"),
        "contact_name",
        "title",
        "email",
        "phone",
        "industry",
        "region_id",
        "owner_id",
        "team_id",
        "company_id",
        "created_at",
        pl.col("created_at").alias("updated_at"),
    )
    counts = {"leads": write(Lead, lead_rows, source="outbound list", status="working", **org)}
    _audit(Lead, leads["id"], leads["external_id"])
    stamp = pl.lit(dt.datetime.now(dt.UTC)).dt.replace_time_zone("UTC")
    counts["trigger_events"] = write(
        TriggerEvent,
        triggers.with_columns(stamp.alias("created_at"), stamp.alias("updated_at")),
        **org,
    )
    _audit(TriggerEvent, triggers["id"], triggers["type"])
    involved = leads.filter(pl.Series(rng.random(leads.height) < INVOLVED_SHARE))
    counts["involvements"] = write(
        LeadInvolvement,
        involved.select(pl.col("owner_id").alias("seller_id"), pl.col("id").alias("lead_id")),
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        + ("+00:00" if is_postgres() else ""),
        **org,
    )
    counts["calls"] = write(Activity, calls, kind="call", subject="", note="", next_step="", **org)
    started = time.perf_counter()
    counts["scored"] = sum(score_seller(seller=seller, today=end_date) for seller in sellers)
    log(f"    scored {counts['scored']:,} leads in {time.perf_counter() - started:.2f}s")
    counts["profiles"] = len(sellers)
    log(
        f"    prospecting: {len(sellers)} profiles, {counts['leads']:,} leads, "
        f"{counts['trigger_events']:,} trigger events, {counts['calls']:,} calls"
    )
    return counts


__all__ = ["prospecting_data_delete", "prospecting_generate"]
