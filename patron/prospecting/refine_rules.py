"""The refinement rules of SPEC §5 as plain Python (no Django): score bands, conversion against
the goal, lift of a criterion value, and the priority it suggests.

- **conversion** = converted ÷ called (``None`` when nothing was called); the goal is at least
  1 in 10.
- **lift** of a value = conversion of the called leads with the value ÷ conversion of the called
  leads without it ("leads with a merger trigger converted 18% vs 4% without": lift 4.5).
  ``None`` when either side has no called lead, or when the leads without it never converted
  (nothing to divide by).
- **proposed priority**: lift ≥ 1.5 → 2, lift ≤ 0.67 → 0, otherwise 1. A value is only judged
  when both sides have at least ``MIN_CALLED`` called leads and the lift is defined; otherwise
  its current priority stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

GOAL = Fraction(1, 10)
# (label, lowest score, highest score), inclusive
BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-3", 0, 3),
    ("4-6", 4, 6),
    ("7-9", 7, 9),
    ("10-12", 10, 12),
)
HIGH_LIFT = Fraction(3, 2)
LOW_LIFT = Fraction(67, 100)
MIN_CALLED = 5


def band_of(score: int) -> str:
    for label, low, high in BANDS:
        if low <= score <= high:
            return label
    raise ValueError(f"score {score} is outside 0-12")


def conversion(converted: int, called: int) -> Fraction | None:
    """Converted ÷ called, ``None`` when nothing was called."""
    if called <= 0:
        return None
    return Fraction(converted, called)


def below_goal(rate: Fraction | None) -> bool:
    """Below 1 in 10. A seller who called nobody is not judged."""
    return rate is not None and rate < GOAL


@dataclass(frozen=True)
class Split:
    """Called and converted leads with a value and without it."""

    called_with: int
    converted_with: int
    called_without: int
    converted_without: int

    @property
    def rate_with(self) -> Fraction | None:
        return conversion(self.converted_with, self.called_with)

    @property
    def rate_without(self) -> Fraction | None:
        return conversion(self.converted_without, self.called_without)

    @property
    def lift(self) -> Fraction | None:
        with_, without = self.rate_with, self.rate_without
        if with_ is None or without is None or without == 0:
            return None
        return with_ / without

    @property
    def is_judged(self) -> bool:
        return (
            self.called_with >= MIN_CALLED
            and self.called_without >= MIN_CALLED
            and self.lift is not None
        )


def split_of(
    *, called_with: int, converted_with: int, called_total: int, converted_total: int
) -> Split:
    """A split from the counts with the value and the totals (without = total − with)."""
    return Split(
        called_with=called_with,
        converted_with=converted_with,
        called_without=called_total - called_with,
        converted_without=converted_total - converted_with,
    )


def proposed_priority(split: Split, current: int) -> int:
    """The priority the history suggests for a value whose priority is ``current`` now."""
    if not split.is_judged:
        return current
    lift = split.lift
    assert lift is not None
    if lift >= HIGH_LIFT:
        return 2
    if lift <= LOW_LIFT:
        return 0
    return 1


def as_float(value: Fraction | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)
