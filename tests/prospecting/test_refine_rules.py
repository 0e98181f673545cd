"""The refinement rules without a database: bands, conversion, lift and the proposal rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from patron.prospecting.refine_rules import (
    MIN_CALLED,
    Split,
    band_of,
    below_goal,
    conversion,
    proposed_priority,
    split_of,
)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "0-3"),
        (3, "0-3"),
        (4, "4-6"),
        (6, "4-6"),
        (7, "7-9"),
        (9, "7-9"),
        (10, "10-12"),
        (12, "10-12"),
    ],
)
def test_bands(score: int, band: str) -> None:
    assert band_of(score) == band


@pytest.mark.parametrize("score", [-1, 13])
def test_a_score_outside_0_12_has_no_band(score: int) -> None:
    with pytest.raises(ValueError, match="outside 0-12"):
        band_of(score)


@pytest.mark.parametrize(
    ("converted", "called", "rate", "below"),
    [
        (0, 0, None, False),  # nothing called: no conversion, not judged
        (0, 5, Fraction(0), True),
        (1, 10, Fraction(1, 10), False),  # exactly the goal is not below it
        (1, 11, Fraction(1, 11), True),
        (3, 12, Fraction(1, 4), False),
    ],
)
def test_conversion_against_the_goal(
    converted: int, called: int, rate: Fraction | None, below: bool
) -> None:
    assert conversion(converted, called) == rate
    assert below_goal(conversion(converted, called)) is below


def test_split_from_totals() -> None:
    split = split_of(called_with=5, converted_with=2, called_total=36, converted_total=3)
    assert split == Split(5, 2, 31, 1)
    assert split.rate_with == Fraction(2, 5)
    assert split.rate_without == Fraction(1, 31)
    assert split.lift == Fraction(62, 5)


@pytest.mark.parametrize(
    ("split", "lift"),
    [
        (Split(0, 0, 10, 1), None),  # nobody called with the value
        (Split(10, 1, 0, 0), None),  # nobody called without it
        (Split(10, 2, 10, 0), None),  # the others never converted: nothing to divide by
        (Split(10, 0, 10, 2), Fraction(0)),
        (Split(20, 2, 10, 1), Fraction(1)),
    ],
)
def test_lift_edges(split: Split, lift: Fraction | None) -> None:
    assert split.lift == lift


@pytest.mark.parametrize(
    ("split", "current", "proposed"),
    [
        (Split(10, 3, 10, 2), 1, 2),  # lift 1.5 exactly → 2
        (Split(10, 149, 10, 100), 1, 1),  # just under 1.5 (counts need not be real here)
        (Split(100, 67, 100, 100), 2, 0),  # lift 0.67 exactly → 0
        (Split(100, 68, 100, 100), 2, 1),  # just over 0.67 → 1
        (Split(10, 1, 10, 1), 0, 1),  # no difference → 1
        (Split(MIN_CALLED - 1, 4, 10, 1), 1, 1),  # too few with the value: unchanged
        (Split(10, 4, MIN_CALLED - 1, 1), 0, 0),  # too few without it: unchanged
        (Split(10, 4, 10, 0), 1, 1),  # lift undefined: unchanged
        (Split(MIN_CALLED, 5, MIN_CALLED, 1), 0, 2),  # the minimum sample is enough
    ],
)
def test_proposal_rule(split: Split, current: int, proposed: int) -> None:
    assert proposed_priority(split, current) == proposed
