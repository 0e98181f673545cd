"""The rejects file: ``<input stem>.rejects.csv`` next to the input, UTF-8 with BOM (Excel)."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def rejects_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(path: Path, rejects: pl.DataFrame) -> Path | None:
    """Write the rejects next to ``path``; with no rejects, remove a stale file from a past run."""
    target = rejects_path_for(path)
    if rejects.height == 0:
        target.unlink(missing_ok=True)
        return None
    rejects.write_csv(target, include_bom=True, null_value="")
    return target
