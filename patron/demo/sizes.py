"""World sizes: how many companies, teams and activities each size generates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorldSize:
    name: str
    companies: int
    teams: int
    bdms_per_team: tuple[int, int]  # inclusive range
    ams_per_team: tuple[int, int]
    sdrs: int
    aes: int
    activities_per_company: float


SIZES: dict[str, WorldSize] = {
    # For tests: a few hundred companies, still every role and stage.
    "tiny": WorldSize("tiny", 300, 4, (2, 3), (1, 2), 2, 2, 2.0),
    "small": WorldSize("small", 2_000, 12, (4, 6), (2, 4), 3, 3, 2.0),
    "medium": WorldSize("medium", 20_000, 12, (4, 6), (2, 4), 4, 4, 1.5),
    "large": WorldSize("large", 135_000, 12, (4, 6), (2, 4), 6, 6, 0.3),
}
