"""Vectorised simulation of 24 months of buying behaviour.

Every company is drawn an archetype — a one-time buyer (visitor), an annual subscriber, a
monthly subscriber or a repeat buyer of one-time products — and then the months are walked
once, each step acting on all companies at once with numpy: first orders, renewals, monthly
charges, churn, win-backs, returns, cross-sell into new product families and upsells. The
result is a set of flat arrays (orders and order lines) that the writer turns into rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from patron.demo.catalog_data import ANNUAL, FAMILIES, MONTHLY, ONE_TIME, PRODUCTS

# Archetypes
VISITOR, ANNUAL_SUB, MONTHLY_SUB, REPEAT = 0, 1, 2, 3
# Line modes
MODE_ONE_TIME, MODE_ANNUAL, MODE_MONTHLY = 0, 1, 2
# Order kinds (why the order exists; kept for tests and export notes)
FIRST, RENEW, CHARGE, REPEAT_BUY, ADDON, WIN_BACK, RETURN = range(7)
# Order statuses
PAID, OPEN, CANCELLED, REFUNDED = "paid", "open", "cancelled", "refunded"
STATUSES = (PAID, OPEN, CANCELLED, REFUNDED)

FAMILY_CODES = [f.code for f in FAMILIES]
N_FAMILIES = len(FAMILY_CODES)
DDNS = FAMILY_CODES.index("ddns")
MODE_KIND = {MODE_ONE_TIME: ONE_TIME, MODE_ANNUAL: ANNUAL, MODE_MONTHLY: MONTHLY}


def _has_mode(family: int, mode: int) -> bool:
    code = FAMILY_CODES[family]
    return any(p.family == code and p.kind == MODE_KIND[mode] for p in PRODUCTS)


MONTHLY_FAMILIES = np.array([f for f in range(N_FAMILIES) if _has_mode(f, MODE_MONTHLY)])
ONE_TIME_FAMILIES = np.array([f for f in range(N_FAMILIES) if _has_mode(f, MODE_ONE_TIME)])
# How likely each family is to be the next one cross-sold (DNS first, then e-mail, monitoring…)
CROSS_WEIGHTS = np.array([0.0, 0.26, 0.14, 0.2, 0.14, 0.08, 0.12, 0.06])


def sku_table() -> np.ndarray:
    """table[family, mode, tier] → index into PRODUCTS (falling back to the nearest mode/tier)."""
    fallback = {
        MODE_ONE_TIME: [ONE_TIME, ANNUAL, MONTHLY],
        MODE_ANNUAL: [ANNUAL, MONTHLY, ONE_TIME],
        MODE_MONTHLY: [MONTHLY, ANNUAL, ONE_TIME],
    }
    table = np.zeros((N_FAMILIES, 3, 3), dtype=np.int64)
    for f, code in enumerate(FAMILY_CODES):
        for mode, kinds in fallback.items():
            for kind in kinds:
                options = [
                    (p.tier, i)
                    for i, p in enumerate(PRODUCTS)
                    if p.family == code and p.kind == kind
                ]
                if options:
                    break
            options.sort()
            for tier in range(3):
                below = [i for t, i in options if t <= tier]
                table[f, mode, tier] = below[-1] if below else options[0][1]
    return table


@dataclass
class Simulation:
    # orders
    order_company: np.ndarray
    order_date: np.ndarray  # datetime64[D]
    order_kind: np.ndarray
    order_seller: np.ndarray  # user id
    order_status: np.ndarray  # object array of status strings
    order_due: np.ndarray  # datetime64[D]
    order_paid: np.ndarray  # datetime64[D], NaT when unpaid
    order_total: np.ndarray  # cents
    # lines
    line_order: np.ndarray
    line_no: np.ndarray
    line_product: np.ndarray  # index into PRODUCTS
    line_quantity: np.ndarray
    line_amount: np.ndarray  # cents
    line_cost: np.ndarray  # cents
    line_discount: np.ndarray  # percent
    line_start: np.ndarray  # datetime64[D], NaT for one-time products
    line_end: np.ndarray
    # per company
    first_order: np.ndarray  # datetime64[D], NaT for prospects


def simulate(
    rng: np.random.Generator,
    *,
    company_size: np.ndarray,  # 0 micro … 4 enterprise
    company_bdm: np.ndarray,
    company_am: np.ndarray,
    first_month: dt.date,
    months: int,
    end_date: dt.date,
) -> Simulation:
    n = len(company_size)
    sizes = company_size.astype(np.int64)

    # Who buys, when first, and how.
    is_customer = rng.random(n) < 0.82
    early = rng.random(n) < 0.2  # the installed base already buying when the window opens
    first = np.where(early, rng.integers(0, 6, n), rng.integers(0, months, n))
    first = np.where(is_customer, first, months + 1000)
    archetype = rng.choice(4, size=n, p=[0.24, 0.24, 0.32, 0.20])
    others = rng.choice(np.arange(1, N_FAMILIES), size=n, p=CROSS_WEIGHTS[1:] / CROSS_WEIGHTS.sum())
    base = np.where(rng.random(n) < 0.78, DDNS, others)
    base = np.where((archetype == MONTHLY_SUB) & ~np.isin(base, MONTHLY_FAMILIES), DDNS, base)
    base = np.where(
        np.isin(archetype, [VISITOR, REPEAT]) & ~np.isin(base, ONE_TIME_FAMILIES), DDNS, base
    )
    tier = np.clip(sizes // 2 + rng.integers(-1, 2, n), 0, 2)
    qty_factor = rng.uniform(0.6, 1.6, n)

    alive = np.zeros(n, dtype=bool)
    anchor = first.copy()
    dead_at = np.full(n, -1000)
    owned = np.zeros(n, dtype=np.int64)
    subs = np.zeros(n, dtype=np.int64)
    growth = np.ones(n)
    bit = np.int64(1) << base

    ev_company: list[np.ndarray] = []
    ev_month: list[np.ndarray] = []
    ev_kind: list[np.ndarray] = []
    ev_mask: list[np.ndarray] = []
    ev_mode: list[np.ndarray] = []
    ev_extra: list[np.ndarray] = []
    ev_extra_mode: list[np.ndarray] = []
    ev_growth: list[np.ndarray] = []

    def emit(
        idx: np.ndarray,
        m: int,
        kind: int,
        mask: np.ndarray,
        mode: np.ndarray,
        extra: np.ndarray | None = None,
        extra_mode: np.ndarray | None = None,
    ) -> None:
        if len(idx) == 0:
            return
        ev_company.append(idx)
        ev_month.append(np.full(len(idx), m))
        ev_kind.append(np.full(len(idx), kind))
        ev_mask.append(mask)
        ev_mode.append(mode)
        ev_extra.append(extra if extra is not None else np.full(len(idx), -1))
        ev_extra_mode.append(extra_mode if extra_mode is not None else np.zeros(len(idx), int))
        ev_growth.append(growth[idx].copy())

    recurring_mode = np.select(
        [archetype == ANNUAL_SUB, archetype == MONTHLY_SUB],
        [MODE_ANNUAL, MODE_MONTHLY],
        MODE_ONE_TIME,
    )

    def cross_sell(idx: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """A family each company in ``idx`` does not own yet (-1 when none is left)."""
        weights = np.tile(CROSS_WEIGHTS, (len(idx), 1))
        owned_bits = (owned[idx, None] >> np.arange(N_FAMILIES)) & 1
        weights[owned_bits == 1] = 0
        if allowed is not None:
            mask = np.zeros(N_FAMILIES, dtype=bool)
            mask[allowed] = True
            weights[:, ~mask] = 0
        totals = weights.sum(axis=1)
        cumulative = np.cumsum(weights, axis=1)
        draw = rng.random(len(idx)) * totals
        choice = (cumulative < draw[:, None]).sum(axis=1)
        return np.where(totals > 0, np.minimum(choice, N_FAMILIES - 1), -1)

    for m in range(months):
        tenure = m - first
        # 1. First orders; some subscribers start with a bundle (DNS + a second family).
        idx = np.flatnonzero(first == m)
        alive[idx] = True
        owned[idx] |= bit[idx]
        recurring = idx[archetype[idx] != VISITOR]
        recurring = recurring[archetype[recurring] != REPEAT]
        subs[recurring] |= bit[recurring]
        bundle = np.full(len(idx), -1)
        bundled = (rng.random(len(idx)) < 0.4) & (archetype[idx] != VISITOR)
        if bundled.any():
            picks = cross_sell(idx[bundled])
            monthly = archetype[idx[bundled]] == MONTHLY_SUB
            picks = np.where(~monthly | np.isin(picks, MONTHLY_FAMILIES), picks, -1)
            bundle[bundled] = picks
            has = bundle >= 0
            owned[idx[has]] |= np.int64(1) << bundle[has]
            as_sub = has & (archetype[idx] != REPEAT)
            subs[idx[as_sub]] |= np.int64(1) << bundle[as_sub]
            bundle[as_sub] = -1  # subscription bundles ride in the mask; one-time ones as extra
        emit(
            idx,
            m,
            FIRST,
            subs[idx] | bit[idx],
            recurring_mode[idx],
            bundle,
            np.full(len(idx), MODE_ONE_TIME),
        )

        # 2. Annual subscribers: renew on the anniversary, or stop; add-ons in between.
        annual = np.flatnonzero(alive & (archetype == ANNUAL_SUB) & (m > anchor))
        due = annual[(m - anchor[annual]) % 12 == 0]
        renew = rng.random(len(due)) < 0.80
        growth[due[renew]] *= np.where(rng.random(renew.sum()) < 0.2, 1.4, 1.0)
        emit(due[renew], m, RENEW, subs[due[renew]], np.full(renew.sum(), MODE_ANNUAL))
        alive[due[~renew]] = False
        dead_at[due[~renew]] = m
        between = annual[(m - anchor[annual]) % 12 != 0]
        addon = between[rng.random(len(between)) < 0.10]
        if len(addon):
            new_family = cross_sell(addon)
            is_cross = (rng.random(len(addon)) < 0.7) & (new_family >= 0)
            cross = addon[is_cross]
            owned[cross] |= np.int64(1) << new_family[is_cross]
            subs[cross] |= np.int64(1) << new_family[is_cross]
            emit(
                cross,
                m,
                ADDON,
                np.zeros(len(cross), np.int64),
                np.full(len(cross), MODE_ANNUAL),
                new_family[is_cross],
                np.full(len(cross), MODE_ANNUAL),
            )
            ups = addon[~is_cross]
            growth[ups] *= 1.5
            emit(ups, m, ADDON, bit[ups], np.full(len(ups), MODE_ANNUAL))

        # 3. Monthly subscribers: a charge every month until they churn.
        monthly = np.flatnonzero(alive & (archetype == MONTHLY_SUB) & (m > first))
        churn = rng.random(len(monthly)) < 0.025
        alive[monthly[churn]] = False
        dead_at[monthly[churn]] = m - 1
        charged = monthly[~churn]
        growth[charged] *= np.where(rng.random(len(charged)) < 0.04, 1.5, 1.0)
        extra = np.full(len(charged), -1)
        extra_mode = np.zeros(len(charged), np.int64)
        crossing = rng.random(len(charged)) < 0.06 + 0.004 * np.minimum(tenure[charged], 12)
        if crossing.any():
            picks = cross_sell(charged[crossing])
            as_sub = np.isin(picks, MONTHLY_FAMILIES)
            who = charged[crossing]
            owned[who[picks >= 0]] |= np.int64(1) << picks[picks >= 0]
            subs[who[as_sub]] |= np.int64(1) << picks[as_sub]
            extra[crossing] = np.where(as_sub, -1, picks)
            extra_mode[crossing] = MODE_ANNUAL
        emit(
            charged,
            m,
            CHARGE,
            subs[charged],
            np.full(len(charged), MODE_MONTHLY),
            extra,
            extra_mode,
        )

        # 4. Repeat buyers of one-time products.
        repeat = np.flatnonzero(alive & (archetype == REPEAT) & (m > first))
        churn = rng.random(len(repeat)) < 0.04
        alive[repeat[churn]] = False
        dead_at[repeat[churn]] = m - 1
        repeat = repeat[~churn]
        buying = repeat[rng.random(len(repeat)) < 0.6]
        extra = np.full(len(buying), -1)
        crossing = rng.random(len(buying)) < 0.12
        if crossing.any():
            picks = cross_sell(buying[crossing])
            owned[buying[crossing][picks >= 0]] |= np.int64(1) << picks[picks >= 0]
            extra[crossing] = picks
        # a second one-time product family in the same order (a box plus a plug, …)
        second = rng.choice(ONE_TIME_FAMILIES, size=len(buying))
        second_bit = np.where(rng.random(len(buying)) < 0.45, np.int64(1) << second, 0)
        owned[buying] |= second_bit
        emit(
            buying,
            m,
            REPEAT_BUY,
            bit[buying] | second_bit,
            np.full(len(buying), MODE_ONE_TIME),
            extra,
            np.full(len(buying), MODE_ANNUAL),
        )

        # 5. Visitors who come back (they become accounts and keep buying).
        visitors = np.flatnonzero((archetype == VISITOR) & (m >= first + 2))
        back = visitors[rng.random(len(visitors)) < 0.012]
        archetype[back] = REPEAT
        recurring_mode[back] = MODE_ONE_TIME
        alive[back] = True
        emit(back, m, RETURN, bit[back], np.full(len(back), MODE_ONE_TIME))

        # 6. Win-backs: stopped companies, quiet for a while, buy again.
        stopped = np.flatnonzero(
            ~alive & (archetype != VISITOR) & (dead_at >= 0) & (m - dead_at > 3)
        )
        won = stopped[rng.random(len(stopped)) < 0.035]
        alive[won] = True
        anchor[won] = m
        dead_at[won] = -1000
        subs[won] = np.where(archetype[won] == REPEAT, 0, bit[won])
        emit(won, m, WIN_BACK, bit[won], recurring_mode[won])

    company = np.concatenate(ev_company)
    month = np.concatenate(ev_month)
    kind = np.concatenate(ev_kind)
    mask = np.concatenate(ev_mask)
    mode = np.concatenate(ev_mode)
    extra = np.concatenate(ev_extra)
    extra_mode = np.concatenate(ev_extra_mode)
    grown = np.concatenate(ev_growth)
    # Stable order: by month, then company (deterministic order numbers).
    order = np.lexsort((company, month))
    company, month, kind, mask, mode = (
        company[order],
        month[order],
        kind[order],
        mask[order],
        mode[order],
    )
    extra, extra_mode, grown = extra[order], extra_mode[order], grown[order]
    n_orders = len(company)

    # Order dates: a random day of the month, never after the end date.
    month_starts = np.datetime64(first_month.strftime("%Y-%m"), "M") + np.arange(months + 1)
    starts = month_starts.astype("datetime64[D]")
    lengths = (starts[1:] - starts[:-1]).astype(np.int64)
    end = np.datetime64(end_date.isoformat(), "D")
    lengths[-1] = min(lengths[-1], int((end - starts[-2]).astype(np.int64)) + 1)
    day = np.floor(rng.random(n_orders) * lengths[month]).astype(np.int64)
    order_date = starts[month] + day

    # Lines: one per family in the mask, plus the extra (cross-sold) family.
    bits = ((mask[:, None] >> np.arange(N_FAMILIES)) & 1).astype(bool)
    line_order, line_family = np.nonzero(bits)
    line_mode = mode[line_order]
    has_extra = np.flatnonzero(extra >= 0)
    line_order = np.concatenate([line_order, has_extra])
    line_family = np.concatenate([line_family, extra[has_extra]])
    line_mode = np.concatenate([line_mode, extra_mode[has_extra]])
    sort = np.lexsort((line_family, line_order))
    line_order, line_family, line_mode = line_order[sort], line_family[sort], line_mode[sort]
    # orders with an empty mask (cannot happen by construction, but guard): give them DNS
    missing = np.flatnonzero(np.bincount(line_order, minlength=n_orders) == 0)
    if len(missing):
        line_order = np.concatenate([line_order, missing])
        line_family = np.concatenate([line_family, np.full(len(missing), DDNS)])
        line_mode = np.concatenate([line_mode, mode[missing]])
        sort = np.lexsort((line_family, line_order))
        line_order, line_family, line_mode = line_order[sort], line_family[sort], line_mode[sort]
    n_lines = len(line_order)
    starts_of_order = np.searchsorted(line_order, np.arange(n_orders))
    line_no = np.arange(n_lines) - starts_of_order[line_order] + 1

    line_company = company[line_order]
    table = sku_table()
    line_product = table[line_family, line_mode, tier[line_company]]
    seats = np.array([f.seats for f in FAMILIES])  # [family, size]
    base_qty = seats[line_family, sizes[line_company]] * qty_factor[line_company]
    recurring_line = line_mode != MODE_ONE_TIME
    quantity = np.where(
        recurring_line,
        np.maximum(1, np.round(base_qty * grown[line_order])),
        1 + rng.poisson(0.4 + sizes[line_company] * 0.6, n_lines),
    ).astype(np.int64)
    upsell_only = (kind[line_order] == ADDON) & (extra[line_order] < 0)
    quantity = np.where(upsell_only, np.maximum(1, quantity // 3), quantity)

    price = np.array([int(p.list_price * 100) for p in PRODUCTS])[line_product]
    unit_cost = np.array([int(p.unit_cost * 100) for p in PRODUCTS])[line_product]
    discount = rng.choice(np.array([0, 0, 0, 0, 5, 10, 15, 20]), size=n_lines) + np.where(
        sizes[line_company] >= 3, 5, 0
    )
    amount = np.round(price * quantity * (100 - discount) / 100).astype(np.int64)
    cost = unit_cost * quantity
    product_kind = np.array([p.kind for p in PRODUCTS])[line_product]
    line_date = order_date[line_order]
    line_start = np.where(product_kind != ONE_TIME, line_date, np.datetime64("NaT"))
    period = np.where(product_kind == ANNUAL, 364, 29)
    line_end = np.where(product_kind != ONE_TIME, line_date + period, np.datetime64("NaT")).astype(
        "datetime64[D]"
    )
    line_start = line_start.astype("datetime64[D]")

    total = np.bincount(line_order, weights=amount, minlength=n_orders).astype(np.int64)

    # Status, due and paid dates.
    terms = rng.choice(np.array([15, 30, 30, 30, 45]), size=n_orders)
    due = order_date + terms
    delay_class = rng.random(n_orders)
    delay = np.where(
        delay_class < 0.62,
        rng.integers(0, 8, n_orders),
        np.where(delay_class < 0.92, rng.integers(8, 31, n_orders), rng.integers(31, 80, n_orders)),
    )
    paid = order_date + delay
    age = (end - order_date).astype(np.int64)
    status_code = np.zeros(n_orders, dtype=np.int64)  # index into STATUSES
    unpaid = paid > end
    recent_open = (age <= 40) & (rng.random(n_orders) < 0.45)
    overdue_open = (age > 40) & (age <= 150) & (rng.random(n_orders) < 0.015)
    status_code[unpaid | recent_open | overdue_open] = 1
    void = rng.random(n_orders)
    status_code[void < 0.02] = 2
    status_code[(void >= 0.02) & (void < 0.03)] = 3
    status = np.array(STATUSES, dtype=object)[status_code]
    paid = np.where((status_code == 0) | (status_code == 3), paid, np.datetime64("NaT"))
    paid = np.where(paid > end, end, paid).astype("datetime64[D]")

    # Sellers: the BDM wins the first order (and win-backs half the time); the AM sells after.
    by_am = rng.random(n_orders) < 0.7
    by_am &= ~np.isin(kind, [FIRST, RETURN])
    by_am &= ~((kind == WIN_BACK) & (rng.random(n_orders) < 0.5))
    seller = np.where(by_am, company_am[company], company_bdm[company])

    first_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    counted_idx = np.flatnonzero(status_code <= 1)
    by_company = counted_idx[np.lexsort((order_date[counted_idx], company[counted_idx]))]
    sorted_company = company[by_company]
    starts_at = np.flatnonzero(np.r_[True, sorted_company[1:] != sorted_company[:-1]])
    first_date[sorted_company[starts_at]] = order_date[by_company[starts_at]]

    return Simulation(
        order_company=company,
        order_date=order_date,
        order_kind=kind,
        order_seller=seller,
        order_status=status,
        order_due=due.astype("datetime64[D]"),
        order_paid=paid,
        order_total=total,
        line_order=line_order,
        line_no=line_no,
        line_product=line_product,
        line_quantity=quantity,
        line_amount=amount,
        line_cost=cost,
        line_discount=discount,
        line_start=line_start,
        line_end=line_end,
        first_order=first_date,
    )
