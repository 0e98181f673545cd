"""Reads for the call list (SPEC §5): whose lists a user may work, and one page of a seller's
ranked list with its filters.

The list is read by keyset on the stored ranking — ``RANK_ORDER`` = ``(rank_key,
lead_created_at, lead_id)`` ascending, which is score desc, most recent trigger desc, oldest
lead first — walking the ranked index of ``LeadScore``: a page costs the same on the first and
the 40,000th page, and no filter counts the whole list (the total is capped at ``COUNT_CAP``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from patron.accounts.models import User
from patron.activities.models import Activity, ActivityKind
from patron.companies.selectors import region_descendant_ids
from patron.core.months import local_date
from patron.prospecting.models import RANK_ORDER, IcpProfile, LeadScore
from patron.prospecting.refine_rules import BANDS
from patron.prospecting.rules import MAX_SCORE, TRIGGER_BITS
from patron.prospecting.selectors import seller_get, visible_sellers

PAGE_SIZE = 25
COUNT_CAP = 1000
FILTERED_COUNT_CAP = 100  # a filter no index serves stops counting sooner
CALLS_SHOWN = 5  # previous calls shown per lead


# --- whose list ------------------------------------------------------------------------------


def call_list_sellers(viewer: User) -> QuerySet[User]:
    """The sellers to choose from: those ``viewer`` may see (their own list; a manager's team;
    everyone for an admin) who have a profile, and ``viewer``."""
    with_profile = IcpProfile.objects.filter(seller_id=OuterRef("pk"))
    return visible_sellers(viewer).filter(Exists(with_profile) | Q(pk=viewer.pk))


# --- one page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallFilter:
    starred: bool = False
    industry: str = ""
    region_id: int | None = None
    band: str = ""
    not_called: bool = False
    out_of_target: bool = False
    # the last row of the previous page: (rank_key, lead created, lead_id)
    after: tuple[int, dt.datetime, int] | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(self.starred or self.industry or self.region_id or self.band or self.not_called)


@dataclass
class CallRow:
    score: LeadScore
    calls: list[dict[str, Any]] = field(default_factory=list)  # CALL_FIELDS

    @property
    def lead(self) -> Any:
        return self.score.lead

    @property
    def cursor(self) -> str:
        return cursor_text(self.score.rank_key, self.score.lead_created_at, self.score.lead_id)


@dataclass
class CallPage:
    seller: User
    rows: list[CallRow]
    next_cursor: str | None
    total: int | None  # None: not counted (a follow-up page)
    total_capped: bool = False


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
BIGINT = 2**63


def cursor_text(rank_key: int, created_at: dt.datetime, lead_id: int) -> str:
    """The position of a row in ``RANK_ORDER``: ``"<rank_key>.<created µs>.<lead_id>"``."""
    return f"{rank_key}.{(created_at - EPOCH) // MICROSECOND}.{lead_id}"


def parse_cursor(text: str | None) -> tuple[int, dt.datetime, int] | None:
    """A cursor of :func:`cursor_text` → its parts; anything else → ``None`` (the top)."""
    parts = (text or "").split(".")
    if len(parts) != 3:
        return None
    try:
        rank_key, micros, lead_id = (int(part) for part in parts)
        created_at = EPOCH + micros * MICROSECOND
    except (ValueError, OverflowError):
        return None
    if not (-BIGINT <= rank_key < BIGINT and 0 <= lead_id < BIGINT):
        return None  # no database integer: not a cursor we gave
    return rank_key, created_at, lead_id


def _band_range(band: str) -> tuple[int, int] | None:
    for label, low, high in BANDS:
        if label == band:
            return low, high
    return None


def call_list_queryset(viewer: User, seller: User, filters: CallFilter) -> QuerySet[LeadScore]:
    """``seller``'s ranked list with the filters, in ``RANK_ORDER`` (not sliced); ``seller``
    must be visible to ``viewer`` (else NotFound).

    Booleans are matched with ``IN (…)``: Django writes ``in_target=True`` as a bare
    ``WHERE "in_target"``, which SQLite cannot match against the ranked index (it would sort
    the whole list); ``IN (1)`` is an equality it uses."""
    seller = seller_get(viewer, seller_id=seller.pk)
    queryset = LeadScore.objects.filter(
        seller_id=seller.pk, in_target__in=[not filters.out_of_target]
    )
    if filters.starred:
        queryset = queryset.filter(starred__in=[True])
    if filters.industry:
        queryset = queryset.filter(industry=filters.industry)
    if filters.region_id:
        queryset = queryset.filter(lead__region_id__in=region_descendant_ids(filters.region_id))
    band = _band_range(filters.band)
    if band is not None:
        # the score is the rank key's high part: a band is a range of the ranked index
        queryset = queryset.filter(
            rank_key__gte=(MAX_SCORE - band[1]) << TRIGGER_BITS,
            rank_key__lt=(MAX_SCORE - band[0] + 1) << TRIGGER_BITS,
        )
    if filters.not_called:
        calls = Activity.objects.filter(lead_id=OuterRef("lead_id"), kind=ActivityKind.CALL)
        queryset = queryset.filter(~Exists(calls))
    return queryset.select_related("lead", "lead__region").order_by(*RANK_ORDER)


def after_cursor(
    queryset: QuerySet[LeadScore], cursor: tuple[int, dt.datetime, int]
) -> QuerySet[LeadScore]:
    """The rows after ``cursor`` in RANK_ORDER, as one row-value comparison
    ``(rank_key, lead_created_at, lead_id) > (…)``: both databases seek the ranked index to it.
    (The same condition spelt with OR made PostgreSQL filter a 100,000-row tie of rank_key
    one row at a time: 220 ms instead of 1 ms.)"""
    rank_key, created_at, lead_id = cursor
    table = LeadScore._meta.db_table
    fields = [LeadScore._meta.get_field(name) for name in RANK_ORDER]
    columns = ", ".join(
        f'"{table}"."{field.column}"' for field in fields if isinstance(field, models.Field)
    )
    created = connection.ops.adapt_datetimefield_value(created_at)
    # no extra ``rank_key >= …``: SQLite would then seek on rank_key alone
    return queryset.extra(  # noqa: S610 (constant SQL, bound values)
        where=[f"({columns}) > (%s, %s, %s)"], params=[rank_key, created, lead_id]
    )


def call_list_page(
    viewer: User,
    seller: User,
    filters: CallFilter,
    *,
    size: int = PAGE_SIZE,
    count: bool = True,
) -> CallPage:
    """One page of ``seller``'s list after ``filters.after``, with each lead's latest calls."""
    queryset = call_list_queryset(viewer, seller, filters)
    total: int | None = None
    capped = False
    if count and filters.after is None:
        cap = FILTERED_COUNT_CAP if filters.is_filtered else COUNT_CAP
        total = queryset.order_by()[: cap + 1].count()
        capped = total > cap
        total = min(total, cap)
    if filters.after is not None:
        queryset = after_cursor(queryset, filters.after)
    scores = list(queryset[: size + 1])
    more = len(scores) > size
    scores = scores[:size]
    calls = recent_calls([score.lead_id for score in scores])
    rows = [CallRow(score=score, calls=calls.get(score.lead_id, [])) for score in scores]
    next_cursor = rows[-1].cursor if more and rows else None
    return CallPage(seller, rows, next_cursor, total, capped)


CALL_FIELDS = (
    "lead_id",
    "outcome",
    "occurred_at",
    "note",
    "next_step",
    "next_step_on",
    "user__username",
    "user__display_name",
    "user__first_name",
    "user__last_name",
)


def recent_calls(
    lead_ids: list[int], *, per_lead: int = CALLS_SHOWN
) -> dict[int, list[dict[str, Any]]]:
    """The latest ``per_lead`` calls of each lead, newest first (one query; plain values — a
    page shows up to 125 of them)."""
    if not lead_ids:
        return {}
    ranked = (
        Activity.objects.filter(lead_id__in=lead_ids, kind=ActivityKind.CALL)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("lead_id")],
                order_by=[F("occurred_at").desc(), F("id").desc()],
            )
        )
        .filter(position__lte=per_lead)
        .values(*CALL_FIELDS)
        .order_by("lead_id", "-occurred_at", "-id")
    )
    by_lead: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for call in ranked:
        by_lead[call["lead_id"]].append(call)
    return by_lead


TODAY_CAP = 999


def calls_today(user: User, *, now: dt.datetime | None = None) -> int:
    """The calls ``user`` logged since midnight in the organization's time zone (counted up
    to ``TODAY_CAP`` + 1: nobody makes more calls in a day)."""
    now = now or timezone.now()
    zone = user.organization.time_zone
    day = local_date(now, zone)

    start = dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(zone))
    calls = Activity.objects.filter(user_id=user.pk, kind=ActivityKind.CALL, occurred_at__gte=start)
    return calls.order_by()[: TODAY_CAP + 1].count()
