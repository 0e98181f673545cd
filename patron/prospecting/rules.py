"""The prospecting rules of SPEC §5 as plain Python (no Django).

This is the reference: ``scoring.py`` computes the same thing set-based in SQL, and the tests
check the two agree on random data. The SQL uses :func:`title_match` and
:func:`territory_match` directly to build its small lookup tables, so those two can only agree.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DIMENSIONS = ("industry", "title", "territory", "trigger")
MAX_TARGETS = {"industry": 3, "title": 3}
MAX_SCORE = 12
EPOCH = dt.date(1970, 1, 1)

# breakdown terms, in display order
TERMS = ("industry", "title", "territory", "trigger", "won_in_industry", "reference", "involved")

_DROP = re.compile(r"['’‘`.]")  # "C.I.O." reads as "cio", "manager's" as "managers"
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_CJK = "\u2e80-\u9fff\uf900-\ufaff"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def normalize_title(title: str) -> str:
    """Case, spaces, punctuation and full-width forms folded: "ＩＴ　Manager（华东）" and
    "it manager 华东" give the same key. Spaces next to Chinese characters are dropped."""
    text = unicodedata.normalize("NFKC", title or "").casefold()
    text = _DROP.sub("", text)
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BY_CJK.sub("", text)


def resolve_title(key: str, synonyms: Mapping[str, str]) -> str:
    """The canonical key of a normalised title: ``synonyms`` maps variant keys to canonical
    keys; a title that is no variant stands for itself."""
    return synonyms.get(key, key)


def title_key(title: str, synonyms: Mapping[str, str]) -> str:
    return resolve_title(normalize_title(title), synonyms)


@dataclass(frozen=True)
class Profile:
    """A seller's ICP profile: per dimension, target value → its own priority (or None)."""

    weights: Mapping[str, int]
    industries: Mapping[str, int | None] = field(default_factory=dict)
    # keys are canonical title keys (see title_key); values (display title, priority)
    titles: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    territories: Mapping[str, int | None] = field(default_factory=dict)  # region codes
    triggers: Mapping[str, int | None] = field(default_factory=dict)  # trigger types
    trigger_days: int = 90

    def priority(self, dimension: str, own: int | None) -> int:
        return self.weights[dimension] if own is None else own


@dataclass(frozen=True)
class LeadFacts:
    """What the score of one lead depends on."""

    lead_id: int
    created_at: dt.datetime
    industry: str = ""
    title_key: str = ""
    # the lead's region code followed by its ancestors' codes (nearest first)
    region_chain: Sequence[str] = ()
    # (type, occurred_on) of the trigger events of the lead and of its company
    triggers: Sequence[tuple[str, dt.date]] = ()
    seller_won_in_industry: bool = False
    reference_in_industry: bool = False
    involved: bool = False


@dataclass(frozen=True)
class ScoreResult:
    in_target: bool
    out_reasons: tuple[str, ...]
    industry_points: int = 0
    title_points: int = 0
    territory_points: int = 0
    trigger_points: int = 0
    won_points: int = 0
    reference_points: int = 0
    involved_points: int = 0
    industry: str = ""
    title_target: str = ""
    territory_target: str = ""
    trigger_type: str = ""
    trigger_on: dt.date | None = None
    last_trigger_on: dt.date | None = None
    starred: bool = False

    @property
    def score(self) -> int:
        return (
            self.industry_points
            + self.title_points
            + self.territory_points
            + self.trigger_points
            + self.won_points
            + self.reference_points
            + self.involved_points
        )


def title_match(profile: Profile, key: str) -> tuple[str, int] | None:
    """(display title, priority) of the target title ``key`` matches, or None."""
    target = profile.titles.get(key) if key else None
    if target is None:
        return None
    display, own = target
    return display, profile.priority("title", own)


def territory_match(profile: Profile, region_chain: Sequence[str]) -> tuple[str, int] | None:
    """The best target territory containing the lead's region: highest priority, once; among
    equals the nearest one (the region itself before its parent)."""
    best: tuple[str, int] | None = None
    for code in region_chain:
        if code in profile.territories:
            priority = profile.priority("territory", profile.territories[code])
            if best is None or priority > best[1]:
                best = (code, priority)
    return best


def trigger_match(
    profile: Profile, triggers: Iterable[tuple[str, dt.date]], today: dt.date
) -> tuple[str, dt.date, int, dt.date] | None:
    """(type, date, priority, latest date) of the targeted triggers within ``trigger_days``
    before ``today`` (inclusive at both ends): the highest priority counts once, shown with
    its most recent date; ``latest date`` is the most recent targeted trigger of any type."""
    window = [
        (kind, on)
        for kind, on in triggers
        if kind in profile.triggers and 0 <= (today - on).days <= profile.trigger_days
    ]
    if not window:
        return None
    ranked = [
        (profile.priority("trigger", profile.triggers[kind]), on, kind) for kind, on in window
    ]
    priority = max(item[0] for item in ranked)
    best_on = max(item[1] for item in ranked if item[0] == priority)
    best_kind = min(item[2] for item in ranked if item[0] == priority and item[1] == best_on)
    return best_kind, best_on, priority, max(on for _, on in window)


def score_lead(profile: Profile, lead: LeadFacts, today: dt.date) -> ScoreResult:
    """SPEC §5: filter, then priority(industry) + priority(title) + priority(territory)
    + priority(trigger) + 1 won in industry + 1 reference in industry + 2 involved."""
    out: list[str] = []
    industry_points = 0
    if profile.industries:
        if lead.industry in profile.industries:
            industry_points = profile.priority("industry", profile.industries[lead.industry])
        else:
            out.append("industry")
    title = title_match(profile, lead.title_key)
    if profile.titles and title is None:
        out.append("title")
    territory = territory_match(profile, lead.region_chain)
    if profile.territories and territory is None:
        out.append("territory")
    trigger = trigger_match(profile, lead.triggers, today)
    has_industry = bool(lead.industry)
    return ScoreResult(
        in_target=not out,
        out_reasons=tuple(out),
        industry_points=industry_points,
        title_points=title[1] if title else 0,
        territory_points=territory[1] if territory else 0,
        trigger_points=trigger[2] if trigger else 0,
        won_points=1 if has_industry and lead.seller_won_in_industry else 0,
        reference_points=1 if has_industry and lead.reference_in_industry else 0,
        involved_points=2 if lead.involved else 0,
        industry=lead.industry,
        title_target=title[0] if title else "",
        territory_target=territory[0] if territory else "",
        trigger_type=trigger[0] if trigger else "",
        trigger_on=trigger[1] if trigger else None,
        last_trigger_on=trigger[3] if trigger else None,
        starred=trigger is not None,
    )


# rank_key layout (ascending = list order): (12 - score) << 18 | trigger part, where the
# trigger part is 2**18 - 1 - the day number (since 1970) of the latest trigger, or 2**18 - 1
# without one. The list orders by (rank_key, lead created at, lead id).
TRIGGER_BITS = 18
NO_TRIGGER = (1 << TRIGGER_BITS) - 1


def rank_key(score: int, last_trigger_on: dt.date | None) -> int:
    """Highest score first, then the most recent trigger (none last)."""
    trigger_part = NO_TRIGGER
    if last_trigger_on is not None:
        trigger_part = NO_TRIGGER - min(max((last_trigger_on - EPOCH).days, 0), NO_TRIGGER - 1)
    return ((MAX_SCORE - score) << TRIGGER_BITS) | trigger_part


def rank_order(
    score: int, last_trigger_on: dt.date | None, created_at: dt.datetime, lead_id: int
) -> tuple[int, dt.datetime, int]:
    """The full sort key of a lead on its list (ties by most recent trigger, then oldest lead)."""
    return rank_key(score, last_trigger_on), created_at, lead_id


def breakdown_terms(row: Any) -> list[dict[str, Any]]:
    """The non-zero terms of a score (a ScoreResult or a stored LeadScore) in display order:
    ``[{"term": "industry", "value": "manufacturing", "points": 2}, …]``."""
    values = {
        "industry": (row.industry_points, row.industry),
        "title": (row.title_points, row.title_target),
        "territory": (row.territory_points, row.territory_target),
        "trigger": (
            row.trigger_points,
            f"{row.trigger_type} {row.trigger_on.isoformat()}" if row.trigger_on else "",
        ),
        "won_in_industry": (row.won_points, row.industry),
        "reference": (row.reference_points, row.industry),
        "involved": (row.involved_points, ""),
    }
    return [
        {"term": term, "value": values[term][1], "points": int(values[term][0])}
        for term in TERMS
        if values[term][0]
    ]


def check_target_counts(counts: Mapping[str, int]) -> list[str]:
    """The dimensions over their limit (a fourth industry or title is refused)."""
    return [name for name, limit in MAX_TARGETS.items() if counts.get(name, 0) > limit]
