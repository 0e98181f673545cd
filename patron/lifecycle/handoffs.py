"""Choosing the AM who takes over a new account (SPEC §2 ownership rule).

Pure Python over small inputs: candidates per team and their current account loads.
Assignments are deterministic: least loaded first, ties by the lowest user id.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NewAccount:
    company_id: int
    month: int
    from_user_id: int | None
    team_id: int | None
    region_id: int | None


@dataclass(frozen=True)
class Assignment:
    company_id: int
    month: int
    from_user_id: int | None
    to_user_id: int


def assign_least_loaded(
    accounts: Iterable[NewAccount],
    *,
    ams_by_team: Mapping[int, Sequence[int]],
    loads: Mapping[int, int],
    teams_for_region: Mapping[int, Sequence[int]] | None = None,
) -> list[Assignment]:
    """Hand each new account to the AM with the fewest accounts among the candidates.

    Candidates are the AMs of the account's team; with ``teams_for_region`` (territory rule)
    they are the AMs of the teams mapped to the company's region, falling back to the team.
    Accounts with no candidate AM stay with their owner (no assignment).
    """
    current = dict(loads)
    heaps: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    result: list[Assignment] = []
    for account in sorted(accounts, key=lambda a: (a.month, a.company_id)):
        teams: Sequence[int] = ()
        if teams_for_region is not None and account.region_id is not None:
            teams = teams_for_region.get(account.region_id, ())
        if not teams and account.team_id is not None:
            teams = (account.team_id,)
        candidates = tuple(sorted({am for team in teams for am in ams_by_team.get(team, ())}))
        if not candidates:
            continue
        heap = heaps.get(candidates)
        if heap is None:
            heap = [(current.get(am, 0), am) for am in candidates]
            heapq.heapify(heap)
            heaps[candidates] = heap
        # loads may have moved through another candidate set: refresh stale tops
        while heap[0][0] != current.get(heap[0][1], 0):
            _, am = heapq.heappop(heap)
            heapq.heappush(heap, (current.get(am, 0), am))
        load, am = heapq.heappop(heap)
        current[am] = load + 1
        heapq.heappush(heap, (load + 1, am))
        result.append(Assignment(account.company_id, account.month, account.from_user_id, am))
    return result
