"""Pure funnel rules: the SPEC §9 ratios, SLA verdicts and headcount planning. No Django.

Ratios whose denominator is zero are ``None`` (never an error). Rates are floats rounded to
four places (0.25 = 25%); money ratios are Decimals to the cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
RATE_PLACES = 4
# seed 004: a well-funded 100-person company runs about 20 AEs with 8 SDRs
BENCHMARK_AES = 20
BENCHMARK_SDRS = 8


def rate(numerator: int | Decimal, denominator: int | Decimal) -> float | None:
    """``numerator ÷ denominator`` rounded to four places; None when the denominator is 0."""
    if not denominator:
        return None
    value = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP
    )
    return float(value)


def money_ratio(numerator: Decimal | int, denominator: int | Decimal) -> Decimal | None:
    """A money amount per unit, to the cent; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- SLA verdicts ----------------------------------------------------------------------------


class SlaState(StrEnum):
    MET = "met"  # answered within the target
    BREACHED = "breached"  # answered late, or still open past the target
    AT_RISK = "at_risk"  # still open, less than the warning time left
    OPEN = "open"  # still open, on time


def sla_state(*, elapsed: int, target: int, is_open: bool, warn: int) -> SlaState:
    """The verdict on one item from business seconds ``elapsed`` against ``target``."""
    if elapsed > target:
        return SlaState.BREACHED
    if not is_open:
        return SlaState.MET
    if target - elapsed <= warn:
        return SlaState.AT_RISK
    return SlaState.OPEN


def compliance(met: int, breached: int) -> float | None:
    """Share of decided items (met or breached) that were met; open items on time wait."""
    return rate(met, met + breached)


# ---- headcount planning ----------------------------------------------------------------------


@dataclass(frozen=True)
class MeasuredRates:
    """What the team achieved over the look-back period (SPEC §9 metrics and headcounts)."""

    months: Decimal  # length of the look-back period in months
    asp: Decimal | None
    win_rate: float | None
    mql_per_lead: float | None
    opps_per_mql: float | None
    sdr_share: float | None  # opportunities created with a source SDR ÷ all created
    opportunities_created: int  # with a source SDR
    new_deals: int
    sdr_headcount: int
    ae_headcount: int

    @property
    def opportunities_per_sdr_month(self) -> Decimal | None:
        if not self.sdr_headcount or not self.months:
            return None
        return Decimal(self.opportunities_created) / (self.sdr_headcount * self.months)

    @property
    def deals_per_ae_month(self) -> Decimal | None:
        if not self.ae_headcount or not self.months:
            return None
        return Decimal(self.new_deals) / (self.ae_headcount * self.months)


@dataclass(frozen=True)
class HeadcountPlan:
    target: Decimal
    months: int
    deals_needed: Decimal | None
    opportunities_needed: Decimal | None
    sdr_opportunities_needed: Decimal | None
    mqls_needed: Decimal | None
    leads_needed: Decimal | None
    sdrs_needed: int | None
    aes_needed: int | None
    missing: tuple[str, ...]  # the measured rates that were zero or unknown

    @property
    def aes_per_sdr(self) -> float | None:
        if self.sdrs_needed is None or self.aes_needed is None:
            return None
        return rate(self.aes_needed, self.sdrs_needed)

    @property
    def benchmark_aes_per_sdr(self) -> float:
        return float(Decimal(BENCHMARK_AES) / Decimal(BENCHMARK_SDRS))

    @property
    def benchmark_aes_for_sdrs(self) -> int | None:
        """AEs the seed's 20:8 ratio would pair with the SDRs needed."""
        if self.sdrs_needed is None:
            return None
        return math.ceil(Decimal(self.sdrs_needed) * BENCHMARK_AES / BENCHMARK_SDRS)


def _divide(numerator: Decimal | None, denominator: Decimal | float | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return numerator / Decimal(str(denominator))


def _people(value: Decimal | None) -> int | None:
    return None if value is None else math.ceil(value.quantize(Decimal("0.0001")))


def headcount_plan(*, target: Decimal, months: int, rates: MeasuredRates) -> HeadcountPlan:
    """How many SDRs and AEs reach ``target`` revenue in ``months`` at the measured rates.

    deals = target ÷ ASP; opportunities to close = deals ÷ win rate; of those, the SDRs source
    their measured share; MQLs and leads follow from opps per MQL and MQL per lead. SDRs =
    SDR opportunities ÷ (opportunities one SDR creates a month × months); AEs = deals ÷ (deals
    one AE closes a month × months), each rounded up to whole people.
    """
    if target <= 0 or months <= 0:
        raise ValueError("target and months must be positive")
    missing = tuple(
        name
        for name, value in (
            ("asp", rates.asp),
            ("win_rate", rates.win_rate),
            ("sdr_share", rates.sdr_share),
            ("opps_per_mql", rates.opps_per_mql),
            ("mql_per_lead", rates.mql_per_lead),
            ("opportunities_per_sdr_month", rates.opportunities_per_sdr_month),
            ("deals_per_ae_month", rates.deals_per_ae_month),
        )
        if not value
    )
    deals = _divide(target, rates.asp)
    opportunities = _divide(deals, rates.win_rate)
    sdr_opportunities = (
        None
        if opportunities is None or rates.sdr_share is None
        else opportunities * Decimal(str(rates.sdr_share))
    )
    mqls = _divide(sdr_opportunities, rates.opps_per_mql)
    leads = _divide(mqls, rates.mql_per_lead)
    per_sdr = rates.opportunities_per_sdr_month
    per_ae = rates.deals_per_ae_month
    sdrs = _divide(sdr_opportunities, per_sdr * months if per_sdr else None)
    aes = _divide(deals, per_ae * months if per_ae else None)
    return HeadcountPlan(
        target=target,
        months=months,
        deals_needed=deals,
        opportunities_needed=opportunities,
        sdr_opportunities_needed=sdr_opportunities,
        mqls_needed=mqls,
        leads_needed=leads,
        sdrs_needed=_people(sdrs),
        aes_needed=_people(aes),
        missing=missing,
    )
