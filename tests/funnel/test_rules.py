"""Funnel ratios, SLA verdicts and headcount planning: pure, table-driven, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.funnel.rules import (
    MeasuredRates,
    SlaState,
    compliance,
    headcount_plan,
    money_ratio,
    rate,
    sla_state,
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 4, 0.25), (2, 3, 0.6667), (1, 3, 0.3333), (0, 5, 0.0), (5, 0, None), (0, 0, None)],
)
def test_rate(numerator: int, denominator: int, expected: float | None) -> None:
    assert rate(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (Decimal("100.00"), 3, Decimal("33.33")),
        (Decimal("200.00"), 3, Decimal("66.67")),
        (Decimal("0"), 2, Decimal("0.00")),
        (Decimal("10"), 0, None),
    ],
)
def test_money_ratio(numerator: Decimal, denominator: int, expected: Decimal | None) -> None:
    assert money_ratio(numerator, denominator) == expected


HOUR = 3600


@pytest.mark.parametrize(
    ("elapsed", "is_open", "expected"),
    [
        (3 * HOUR, False, SlaState.MET),
        (4 * HOUR, False, SlaState.MET),  # exactly on the target is on time
        (4 * HOUR + 1, False, SlaState.BREACHED),
        (4 * HOUR + 1, True, SlaState.BREACHED),  # still open and already late
        (3 * HOUR + 1, True, SlaState.AT_RISK),  # less than an hour left
        (3 * HOUR, True, SlaState.AT_RISK),  # exactly the warning time left
        (2 * HOUR, True, SlaState.OPEN),
    ],
)
def test_sla_state(elapsed: int, is_open: bool, expected: SlaState) -> None:
    assert sla_state(elapsed=elapsed, target=4 * HOUR, is_open=is_open, warn=HOUR) == expected


def test_compliance_counts_decided_items_only() -> None:
    assert compliance(met=9, breached=1) == 0.9
    assert compliance(met=0, breached=0) is None


RATES = MeasuredRates(
    months=Decimal(12),
    asp=Decimal("50000"),
    win_rate=0.25,
    mql_per_lead=0.2,
    opps_per_mql=0.25,
    sdr_share=0.8,
    opportunities_created=480,  # 40 a month by 1 SDR… over 12 months: see below
    new_deals=120,
    sdr_headcount=4,
    ae_headcount=5,
)


def test_headcount_plan_from_target_and_rates() -> None:
    plan = headcount_plan(target=Decimal("12000000"), months=12, rates=RATES)
    # 12 M ÷ 50 k = 240 deals; ÷ 25% win rate = 960 opportunities; 80% from SDRs = 768
    assert plan.deals_needed == Decimal("240")
    assert plan.opportunities_needed == Decimal("960")
    assert plan.sdr_opportunities_needed == Decimal("768.0")
    assert plan.mqls_needed == Decimal("3072")
    assert plan.leads_needed == Decimal("15360")
    # an SDR creates 480 / (4 × 12) = 10 a month → 768 / 120 = 6.4 → 7 SDRs
    assert plan.sdrs_needed == 7
    # an AE closes 120 / (5 × 12) = 2 a month → 240 / 24 = 10 AEs
    assert plan.aes_needed == 10
    assert plan.aes_per_sdr == 1.4286
    assert plan.benchmark_aes_per_sdr == 2.5
    assert plan.benchmark_aes_for_sdrs == 18  # 7 × 20 / 8 = 17.5 → 18
    assert plan.missing == ()


def test_headcount_plan_names_what_could_not_be_measured() -> None:
    rates = MeasuredRates(
        months=Decimal(3),
        asp=None,
        win_rate=None,
        mql_per_lead=0.5,
        opps_per_mql=0.1,
        sdr_share=None,
        opportunities_created=0,
        new_deals=0,
        sdr_headcount=2,
        ae_headcount=0,
    )
    plan = headcount_plan(target=Decimal("1000"), months=3, rates=rates)
    assert plan.missing == (
        "asp",
        "win_rate",
        "sdr_share",
        "opportunities_per_sdr_month",
        "deals_per_ae_month",
    )
    assert (plan.deals_needed, plan.sdrs_needed, plan.aes_needed, plan.aes_per_sdr) == (
        None,
        None,
        None,
        None,
    )


def test_headcount_plan_refuses_a_non_positive_target() -> None:
    with pytest.raises(ValueError):
        headcount_plan(target=Decimal("0"), months=12, rates=RATES)
