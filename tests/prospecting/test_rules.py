"""SPEC §5 as a table: every term and every boundary of the pure score (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from patron.prospecting.rules import (
    LeadFacts,
    Profile,
    breakdown_terms,
    check_target_counts,
    normalize_title,
    rank_key,
    score_lead,
    title_key,
)

TODAY = dt.date(2026, 11, 20)
CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SYNONYMS = {
    "chief information officer": "cio",
    "首席信息官": "cio",
    "it经理": "it manager",
    "信息技术经理": "it manager",
}
WEIGHTS = {"industry": 2, "title": 1, "territory": 1, "trigger": 2}


def profile(**overrides: object) -> Profile:
    values: dict[str, object] = {
        "weights": WEIGHTS,
        "industries": {"manufacturing": None, "logistics": 1},
        "titles": {"cio": ("CIO", None), "it manager": ("IT manager", 2)},
        "territories": {"JS": None, "SH": 2},
        "triggers": {"merger": None, "funding": 1},
        "trigger_days": 90,
    }
    values.update(overrides)
    return Profile(**values)  # type: ignore[arg-type]


def lead(**overrides: object) -> LeadFacts:
    values: dict[str, object] = {
        "lead_id": 1,
        "created_at": CREATED,
        "industry": "manufacturing",
        "title_key": "cio",
        "region_chain": ("JS-SZ", "JS", "CN"),
    }
    values.update(overrides)
    return LeadFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("CIO", "cio"),
        ("  c.i.o. ", "cio"),
        ("Chief  Information\tOfficer", "chief information officer"),
        ("ＩＴ　Manager", "it manager"),
        ("IT-Manager", "it manager"),
        ("IT 经理", "it经理"),
        ("IT经理（华东）", "it经理华东"),
        ("首席 信息官", "首席信息官"),
        ("", ""),
    ],
)
def test_normalize_title_folds_case_spaces_punctuation_and_full_width(title, key):
    assert normalize_title(title) == key


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Chief Information Officer", "cio"),
        ("首席信息官", "cio"),
        ("IT 经理", "it manager"),
        ("信息技术经理", "it manager"),
        ("Sales rep", "sales rep"),
    ],
)
def test_synonyms_resolve_english_and_chinese_titles(title, key):
    assert title_key(title, SYNONYMS) == key


# (case, profile overrides, lead overrides, expected score, in_target, out reasons)
CASES = [
    ("all base terms: industry 2 + title 1 + territory 1", {}, {}, 4, True, ()),
    ("per-value priority beats the weight", {}, {"industry": "logistics"}, 3, True, ()),
    ("title with its own priority 2", {}, {"title_key": "it manager"}, 5, True, ()),
    ("sub-region 苏州 matches 江苏", {}, {"region_chain": ("JS-SZ", "JS", "CN")}, 4, True, ()),
    ("region itself matches", {}, {"region_chain": ("SH",)}, 5, True, ()),
    ("several territories: highest once", {"territories": {"JS": 1, "CN": 2}}, {}, 5, True, ()),
    ("industry outside", {}, {"industry": "retail"}, 2, False, ("industry",)),
    ("blank industry is outside", {}, {"industry": ""}, 2, False, ("industry",)),
    ("title outside", {}, {"title_key": "sales rep"}, 3, False, ("title",)),
    ("territory outside", {}, {"region_chain": ("GD", "CN")}, 3, False, ("territory",)),
    ("no region is outside", {}, {"region_chain": ()}, 3, False, ("territory",)),
    (
        "all three outside",
        {},
        {"industry": "retail", "title_key": "x", "region_chain": ()},
        0,
        False,
        ("industry", "title", "territory"),
    ),
    ("no industry targets: no filter, 0", {"industries": {}}, {"industry": "retail"}, 2, True, ()),
    ("no title targets: no filter", {"titles": {}}, {"title_key": "x"}, 3, True, ()),
    ("no territories: no filter", {"territories": {}}, {"region_chain": ()}, 3, True, ()),
    (
        "0 weights give 0 points but still filter",
        {"weights": {"industry": 0, "title": 0, "territory": 0, "trigger": 0}},
        {},
        0,
        True,
        (),
    ),
    (
        "0 weight dimension still refuses outsiders",
        {"weights": {**WEIGHTS, "industry": 0}},
        {"industry": "retail"},
        2,
        False,
        ("industry",),
    ),
    ("priority 0 on a value", {"industries": {"manufacturing": 0}}, {}, 2, True, ()),
    ("won in industry +1", {}, {"seller_won_in_industry": True}, 5, True, ()),
    ("reference in industry +1", {}, {"reference_in_industry": True}, 5, True, ()),
    ("personally involved +2", {}, {"involved": True}, 6, True, ()),
    (
        "won/reference need an industry",
        {"industries": {}},
        {"industry": "", "seller_won_in_industry": True, "reference_in_industry": True},
        2,
        True,
        (),
    ),
    (
        "maximum is 12",
        {"weights": {"industry": 2, "title": 2, "territory": 2, "trigger": 2}},
        {
            "triggers": [("merger", TODAY)],
            "seller_won_in_industry": True,
            "reference_in_industry": True,
            "involved": True,
        },
        12,
        True,
        (),
    ),
]


@pytest.mark.parametrize(
    ("case", "profile_overrides", "lead_overrides", "score", "in_target", "reasons"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_score_terms(case, profile_overrides, lead_overrides, score, in_target, reasons):
    result = score_lead(profile(**profile_overrides), lead(**lead_overrides), TODAY)

    assert (result.score, result.in_target, result.out_reasons) == (score, in_target, reasons)


@pytest.mark.parametrize(
    ("age_days", "points", "starred"),
    [(0, 2, True), (89, 2, True), (90, 2, True), (91, 0, False), (-1, 0, False)],
)
def test_trigger_window_is_inclusive_at_trigger_days(age_days, points, starred):
    on = TODAY - dt.timedelta(days=age_days)
    result = score_lead(profile(), lead(triggers=[("merger", on)]), TODAY)

    assert (result.trigger_points, result.starred) == (points, starred)
    assert result.last_trigger_on == (on if starred else None)


def test_untargeted_trigger_type_neither_scores_nor_stars():
    result = score_lead(profile(), lead(triggers=[("tender", TODAY)]), TODAY)

    assert (result.trigger_points, result.starred, result.trigger_type) == (0, False, "")


def test_several_triggers_count_the_highest_priority_once():
    triggers = [
        ("funding", TODAY - dt.timedelta(days=1)),
        ("merger", TODAY - dt.timedelta(days=30)),
        ("merger", TODAY - dt.timedelta(days=10)),
    ]
    result = score_lead(profile(), lead(triggers=triggers), TODAY)

    assert result.trigger_points == 2
    assert (result.trigger_type, result.trigger_on) == ("merger", TODAY - dt.timedelta(days=10))
    # the tie-break date is the most recent targeted trigger of any type
    assert result.last_trigger_on == TODAY - dt.timedelta(days=1)


def test_trigger_priority_zero_still_stars():
    result = score_lead(profile(triggers={"merger": 0}), lead(triggers=[("merger", TODAY)]), TODAY)

    assert (result.trigger_points, result.starred) == (0, True)


def test_breakdown_lists_each_term_with_its_value():
    facts = lead(
        title_key="it manager",
        triggers=[("merger", dt.date(2026, 10, 2))],
        reference_in_industry=True,
    )
    result = score_lead(profile(), facts, TODAY)

    assert breakdown_terms(result) == [
        {"term": "industry", "value": "manufacturing", "points": 2},
        {"term": "title", "value": "IT manager", "points": 2},
        {"term": "territory", "value": "JS", "points": 1},
        {"term": "trigger", "value": "merger 2026-10-02", "points": 2},
        {"term": "reference", "value": "manufacturing", "points": 1},
    ]


def test_rank_key_orders_score_then_latest_trigger_then_none():
    high = rank_key(9, None)
    recent = rank_key(5, dt.date(2026, 11, 1))
    older = rank_key(5, dt.date(2026, 10, 1))
    without = rank_key(5, None)
    low = rank_key(4, dt.date(2026, 11, 19))

    assert sorted([low, without, older, recent, high]) == [high, recent, older, without, low]


@pytest.mark.parametrize(
    ("counts", "over"),
    [
        ({"industry": 3, "title": 3, "territory": 9}, []),
        ({"industry": 4, "title": 3}, ["industry"]),
        ({"industry": 1, "title": 4}, ["title"]),
    ],
)
def test_at_most_three_industries_and_titles(counts, over):
    assert check_target_counts(counts) == over
