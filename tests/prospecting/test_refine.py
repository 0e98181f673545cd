"""Conversion per seller, team and band, lift and proposals on the hand-built history of
``calls_world`` (exact numbers), and accepting a proposal."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from patron.core.errors import Conflict, ValidationFailed
from patron.core.models import AuditEvent
from patron.prospecting.models import IcpProfile, IcpProfileVersion, IcpTarget, LeadScore
from patron.prospecting.refine import (
    conversion_report,
    refine_accept,
    seller_lifts,
    seller_proposals,
)
from patron.prospecting.refine_rules import Split
from tests.prospecting.calls_world import CallsWorld, calls_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def counts(line: Any) -> tuple[int, int, int, Fraction | None]:
    return (line.listed, line.called, line.converted, line.conversion)


def test_conversion_per_seller_team_and_band(calls_world: CallsWorld) -> None:
    world = calls_world
    report = conversion_report(organization=world.org, sellers=[world.li, world.wu])
    li, wu = report.sellers
    assert counts(li.total) == (38, 36, 3, Fraction(1, 12))
    assert li.total.below_goal is True
    assert [(b.key, *counts(b)) for b in li.bands] == [
        ("0-3", 2, 0, 0, None),  # nothing called: no conversion
        ("4-6", 30, 30, 1, Fraction(1, 30)),
        ("7-9", 1, 1, 0, Fraction(0)),
        ("10-12", 5, 5, 2, Fraction(2, 5)),
    ]
    assert counts(wu.total) == (3, 0, 0, None)
    assert wu.total.below_goal is False
    assert [(t.key, *counts(t)) for t in report.teams] == [
        ("East 1", 38, 36, 3, Fraction(1, 12)),
        ("West", 3, 0, 0, None),
    ]
    assert counts(report.total) == (41, 36, 3, Fraction(1, 12))
    assert [(b.key, b.listed) for b in report.bands] == [
        ("0-3", 2),
        ("4-6", 33),
        ("7-9", 1),
        ("10-12", 5),
    ]


def test_conversion_as_dict(calls_world: CallsWorld) -> None:
    report = conversion_report(organization=calls_world.org, sellers=[calls_world.wu])
    data = report.as_dict()
    assert data["goal"] == 0.1
    assert data["sellers"][0]["username"] == "wu"
    assert data["sellers"][0]["conversion"] is None
    assert data["sellers"][0]["bands"][1] == {
        "key": "4-6",
        "label": "4-6",
        "listed": 3,
        "called": 0,
        "converted": 0,
        "conversion": None,
        "below_goal": False,
    }


def test_a_seller_with_no_scores_counts_zero(calls_world: CallsWorld) -> None:
    report = conversion_report(organization=calls_world.org, sellers=[calls_world.manager])
    assert counts(report.sellers[0].total) == (0, 0, 0, None)
    assert [counts(b) for b in report.sellers[0].bands] == [(0, 0, 0, None)] * 4


def test_lift_of_each_value(calls_world: CallsWorld) -> None:
    lifts = {
        (lift.dimension, lift.value): lift.split for lift in seller_lifts(seller=calls_world.li)
    }
    assert lifts == {
        ("industry", "manufacturing"): Split(6, 2, 30, 1),
        ("industry", "retail"): Split(30, 1, 6, 2),
        ("trigger", "merger"): Split(5, 2, 31, 1),
    }
    assert lifts[("industry", "manufacturing")].lift == Fraction(10)
    assert lifts[("industry", "retail")].lift == Fraction(1, 10)
    assert lifts[("trigger", "merger")].lift == Fraction(62, 5)


def test_lift_of_fixed_terms(calls_world: CallsWorld) -> None:
    from patron.prospecting.models import LeadScore

    LeadScore.objects.filter(lead__external_id__in=["A1", "B2", "B3"]).update(reference_points=1)
    lifts = {
        (lift.dimension, lift.value): lift.split for lift in seller_lifts(seller=calls_world.li)
    }
    assert lifts[("reference", "")] == Split(3, 1, 33, 2)
    assert ("involved", "") not in lifts


def test_a_seller_without_calls_has_no_lift(calls_world: CallsWorld) -> None:
    assert seller_lifts(seller=calls_world.wu) == []
    proposals = seller_proposals(seller=calls_world.wu)
    assert [(p.dimension, p.value, p.current, p.proposed) for p in proposals] == [
        ("industry", "manufacturing", 1, 1),
        ("industry", "retail", 1, 1),
        ("trigger", "merger", 2, 2),
    ]


def test_proposals(calls_world: CallsWorld) -> None:
    proposals = seller_proposals(seller=calls_world.li)
    assert [(p.dimension, p.value, p.current, p.proposed, p.is_change) for p in proposals] == [
        ("industry", "manufacturing", 1, 2, True),
        ("industry", "retail", 1, 0, True),
        ("trigger", "merger", 2, 2, False),
    ]


def test_accept_saves_a_new_version_and_rescores(
    calls_world: CallsWorld, django_capture_on_commit_callbacks: Any
) -> None:
    world = calls_world
    with django_capture_on_commit_callbacks(execute=True):
        profile = refine_accept(seller=world.li, by=world.li, version=1)
    assert profile.version == 2
    targets = IcpTarget.objects.filter(profile=profile).order_by("dimension", "value")
    assert [(t.dimension, t.value, t.priority) for t in targets] == [
        ("industry", "manufacturing", 2),
        ("industry", "retail", 0),
        ("trigger", "merger", 2),
    ]
    version = IcpProfileVersion.objects.get(profile=profile, number=2)
    assert version.created_by == world.li
    assert version.note == "Accepted refinement: industry manufacturing: 1→2; industry retail: 1→0"
    # the list is re-scored with the new priorities; a changed score names the version it used
    scores = LeadScore.objects.filter(seller=world.li)
    changed = scores.filter(industry="manufacturing", in_target=True)
    assert changed.exists()
    assert set(changed.values_list("profile_version", flat=True)) == {2}
    points = set(scores.values_list("industry", "industry_points"))
    assert ("manufacturing", 2) in points
    assert ("manufacturing", 1) not in points
    assert {p for industry, p in points if industry == "retail"} <= {0}
    audit = AuditEvent.objects.filter(object_id=str(profile.pk)).latest("id")
    assert audit.changes["version"] == [1, 2]


def test_accept_on_a_stale_version_changes_nothing(calls_world: CallsWorld) -> None:
    world = calls_world
    with pytest.raises(Conflict, match="version: the profile changed"):
        refine_accept(seller=world.li, by=world.li, version=0)
    assert IcpProfile.objects.get(seller=world.li).version == 1
    assert IcpProfileVersion.objects.filter(profile__seller=world.li).count() == 1


def test_accept_without_a_change_changes_nothing(calls_world: CallsWorld) -> None:
    world = calls_world
    with pytest.raises(ValidationFailed, match="proposal: the proposal changes no priority"):
        refine_accept(seller=world.wu, by=world.wu, version=1)
    assert IcpProfile.objects.get(seller=world.wu).version == 1
