"""SPEC §2, line by line, on the pure rules and on the vectorised engine (which must agree)."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.lifecycle import engine
from patron.lifecycle.rules import classify_company

NC, A, V, L = "new_customer", "account", "visitor", "lapsed"


def run_rules(orders, services=(), through=6, lapse=3, threshold=Fraction(1, 5)):
    family_revenue: dict[int, dict[str, int]] = {}
    for month, family, cents in orders:
        family_revenue.setdefault(month, {}).setdefault(family, 0)
        family_revenue[month][family] += cents
    active = set()
    for start, end in services:
        active.update(range(start, end + 1))
    return classify_company(
        family_revenue=family_revenue,
        active_months=active,
        through=through,
        lapse_months=lapse,
        upsell_threshold=threshold,
    )


def run_engine(orders, services=(), through=6, lapse=3, threshold=Fraction(1, 5)):
    families = {name: index for index, name in enumerate(sorted({o[1] for o in orders}), 1)}
    revenue = (
        pl.DataFrame(
            [(1, month, families[family], cents) for month, family, cents in orders],
            schema=engine.empty_family_revenue().schema,
            orient="row",
        )
        .group_by("company_id", "month", "family_id")
        .agg(pl.col("cents").sum())
    )
    periods = pl.DataFrame(
        [(1, start, end) for start, end in services],
        schema=engine.empty_service_periods().schema,
        orient="row",
    )
    result = engine.compute(
        revenue, periods, through=through, lapse_months=lapse, upsell_threshold=threshold
    )
    stages = result.months.sort("month")["stage"].to_list()
    events = {(month, kind): cents for _, month, kind, cents in result.events.iter_rows()}
    return stages, events


def stages_and_events(orders, **kwargs):
    results = run_rules(orders, **kwargs)
    stages = [r.stage for r in results]
    events = {(r.month, kind): amount for r in results for kind, amount in r.events.items()}
    engine_stages, engine_events = run_engine(orders, **kwargs)
    assert (engine_stages, engine_events) == (stages, events), "engine disagrees with rules"
    return stages, events


CASES = [
    pytest.param(
        [(0, "ddns", 100)],
        {},
        [NC, V, V, V, V, V, V],
        {(0, "became_customer"): 0, (1, "became_visitor"): 0},
        id="one-time buyer is a visitor from F+1",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100)],
        {},
        [NC, A, A, A, L, L, L],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (4, "lapsed"): 0},
        id="repeat in F+1 becomes account; grace window of 3 then lapsed",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100), (6, "ddns", 100)],
        {},
        [NC, A, A, A, L, L, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (4, "lapsed"): 0, (6, "won_back"): 0},
        id="lapsed company active again is won back",
    ),
    pytest.param(
        [(0, "ddns", 100), (3, "ddns", 100)],
        {},
        [NC, V, V, A, A, A, L],
        {
            (0, "became_customer"): 0,
            (1, "became_visitor"): 0,
            (3, "became_account"): 0,
            (3, "returned"): 0,
            (3, "upsold"): 66,
            (6, "lapsed"): 0,
        },
        id="visitor active again returns and becomes an account",
    ),
    pytest.param(
        [(0, "ddns", 100)],
        {"services": [(0, 3)]},
        [NC, A, A, A, A, A, L],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (6, "lapsed"): 0},
        id="service period makes the months it overlaps active",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100)],
        {"lapse": 1},
        [NC, A, L, L, L, L, L],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (2, "lapsed"): 0},
        id="lapse_months=1 lapses after one inactive month",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100), (3, "ddns", 100)],
        {},
        [NC, A, A, A, A, A, L],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (3, "upsold"): 33, (6, "lapsed"): 0},
        id="activity inside the grace window resets the inactivity count",
    ),
    pytest.param(
        [(0, "ddns", 100), (2, "mail", 40)],
        {"through": 2},
        [NC, V, A],
        {
            (0, "became_customer"): 0,
            (1, "became_visitor"): 0,
            (2, "became_account"): 0,
            (2, "returned"): 0,
            (2, "cross_sold"): 40,
        },
        id="buying a new family after F is a cross-sell with its revenue",
    ),
    pytest.param(
        [(0, "ddns", 100), (0, "mail", 50)],
        {"through": 0},
        [NC],
        {(0, "became_customer"): 0},
        id="two families in F are not a cross-sell",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100), (2, "ddns", 100), (3, "ddns", 130)],
        {"through": 3},
        [NC, A, A, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (3, "upsold"): 30},
        id="upsold when above the 3-month average by more than 20%",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100), (2, "ddns", 100), (3, "ddns", 120)],
        {"through": 3},
        [NC, A, A, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0},
        id="exactly 20% above the average is not an upsell",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 121)],
        {"through": 1},
        [NC, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (1, "upsold"): 21},
        id="upsell window starts at F when fewer than 3 months",
    ),
    pytest.param(
        [(0, "ddns", 100), (2, "ddns", 70)],
        {"through": 2},
        [NC, V, A],
        {
            (0, "became_customer"): 0,
            (1, "became_visitor"): 0,
            (2, "became_account"): 0,
            (2, "returned"): 0,
            (2, "upsold"): 20,
        },
        id="inactive months count as zero in the average",
    ),
    pytest.param(
        [(0, "ddns", 0), (1, "ddns", 500)],
        {"through": 1},
        [NC, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0},
        id="no upsell when the average is zero",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "mail", 500)],
        {"through": 1},
        [NC, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (1, "cross_sold"): 500},
        id="new-family revenue is not an upsell of owned families",
    ),
    pytest.param(
        [(0, "ddns", 100), (1, "ddns", 100), (5, "ddns", 100)],
        {"threshold": Fraction(0)},
        [NC, A, A, A, L, A, A],
        {(0, "became_customer"): 0, (1, "became_account"): 0, (4, "lapsed"): 0, (5, "won_back"): 0},
        id="won back after lapse: trailing months all zero, so no upsell",
    ),
]


@pytest.mark.parametrize(("orders", "options", "stages", "events"), CASES)
def test_spec_rules(orders, options, stages, events):
    kwargs = dict(options)
    through = kwargs.pop("through", 6)
    services = kwargs.pop("services", ())
    assert stages_and_events(orders, through=through, services=services, **kwargs) == (
        stages,
        events,
    )


def test_prospect_months_are_not_returned():
    assert run_rules([]) == []


def test_families_owned_accumulate():
    results = run_rules([(0, "ddns", 1), (2, "mail", 1), (3, "ddns", 1)], through=3)
    assert [r.families_owned for r in results] == [1, 1, 2, 2]


order_strategy = st.lists(
    st.tuples(st.integers(0, 14), st.sampled_from(["a", "b", "c"]), st.integers(0, 500)),
    min_size=1,
    max_size=10,
)
service_strategy = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 6)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(
    orders=order_strategy,
    services=service_strategy,
    lapse=st.integers(1, 4),
    threshold=st.sampled_from([Fraction(0), Fraction(1, 5), Fraction(1, 2)]),
)
def test_engine_matches_rules(orders, services, lapse, threshold):
    first = min(month for month, _, _ in orders)
    services = [(max(start, first), end) for start, end in services if end >= first]
    stages_and_events(orders, services=services, through=16, lapse=lapse, threshold=threshold)


@settings(max_examples=60, deadline=None)
@given(
    companies=st.lists(st.tuples(order_strategy, service_strategy), min_size=2, max_size=6),
    lapse=st.integers(1, 4),
)
def test_engine_matches_rules_for_many_companies_at_once(companies, lapse):
    """Running values must restart at each company (the engine works on one sorted grid)."""
    revenue_rows, period_rows, expected = [], [], {}
    for company_id, (orders, services) in enumerate(companies, start=1):
        first = min(month for month, _, _ in orders)
        services = [(max(s, first), e) for s, e in services if e >= first]
        for month, family, cents in orders:
            revenue_rows.append((company_id, month, ord(family), cents))
        period_rows.extend((company_id, s, e) for s, e in services)
        expected[company_id] = [
            (r.month, r.stage, r.is_active, r.revenue, r.families_owned, r.events)
            for r in run_rules(orders, services=services, through=16, lapse=lapse)
        ]
    revenue = (
        pl.DataFrame(revenue_rows, schema=engine.empty_family_revenue().schema, orient="row")
        .group_by("company_id", "month", "family_id")
        .agg(pl.col("cents").sum())
    )
    periods = pl.DataFrame(period_rows, schema=engine.empty_service_periods().schema, orient="row")
    result = engine.compute(
        revenue, periods, through=16, lapse_months=lapse, upsell_threshold=Fraction(1, 5)
    )
    events: dict[tuple[int, int], dict[str, int]] = {}
    for company_id, month, kind, cents in result.events.iter_rows():
        events.setdefault((company_id, month), {})[kind] = cents
    actual: dict[int, list] = {}
    for company_id, month, stage, active, cents, owned in result.months.sort(
        "company_id", "month"
    ).iter_rows():
        actual.setdefault(company_id, []).append(
            (month, stage, active, cents, owned, events.get((company_id, month), {}))
        )
    assert actual == expected
