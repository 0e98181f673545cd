"""``writers.classify``: the change JSON of stored rows, whatever the chunks of the file."""

from __future__ import annotations

import polars as pl

from patron.imports import writers


def test_classify_a_frame_of_several_chunks() -> None:
    """A file's new rows in one chunk and its stored rows in the next (polars 2.1 panicked
    building the change JSON of rows filtered out of such a frame)."""
    first = pl.DataFrame({"k": [f"K{n}" for n in range(10)], "t": [f"v{n}" for n in range(10)]})
    stored = pl.DataFrame({"k": ["S1", "S2"], "t": ["Changed", "Stored two"]})
    new = pl.concat([first, stored], rechunk=False)
    assert new.n_chunks() == 2
    old = pl.DataFrame({"k": ["S1", "S2"], "id": [1, 2], "t": ["Stored one", "Stored two"]})
    result = writers.classify(new, old, key="k", fields=["t"])
    assert result.select("k", "id", writers.STATUS, writers.CHANGES).tail(3).rows() == [
        ("K9", None, writers.CREATED, None),
        ("S1", 1, writers.UPDATED, '{"t":["Stored one","Changed"]}'),
        ("S2", 2, writers.UNCHANGED, "{}"),
    ]
    assert result.height == 12
