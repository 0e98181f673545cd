"""Set-based scoring (SPEC §5): every lead of a seller scored and ranked in SQL.

The pure reference is ``rules.score_lead``; tests check both agree on random data.
"""

from __future__ import annotations

import datetime as dt


def score_seller(*, seller_id: int, today: dt.date | None = None) -> int:
    raise NotImplementedError


def rescore(
    *,
    organization_id: int,
    lead_ids: list[int] | None = None,
    seller_ids: list[int] | None = None,
    today: dt.date | None = None,
) -> int:
    raise NotImplementedError
