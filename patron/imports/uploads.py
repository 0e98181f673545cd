"""Files uploaded to a web import, kept between the wizard's steps (upload, mapping and dry
run, import, rejects download) in ``DATA_DIR/uploads/<kind>/<token>/`` with the rejects file
written beside them.

Each upload is kept for ``UPLOAD_KEEP`` after it was written; every new upload first removes
the folders older than that, so the data folder does not fill up with marketing lists.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

UPLOAD_KEEP = dt.timedelta(days=2)


def uploads_root(kind: str) -> Path:
    return Path(settings.DATA_DIR) / "uploads" / kind


def upload_save(kind: str, chunks: Iterable[bytes], suffix: str) -> tuple[str, str]:
    """Write an uploaded file; returns its token and file name. Older uploads are pruned."""
    uploads_prune(kind)
    token = uuid.uuid4().hex
    name = kind + suffix.lower()
    folder = uploads_root(kind) / token
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("wb") as target:
        for chunk in chunks:
            target.write(chunk)
    return token, name


def upload_path(kind: str, token: str, name: str) -> Path | None:
    """The stored file of ``token`` (a token this session was given), or None when it has gone."""
    path = uploads_root(kind) / token / name
    return path if path.is_file() else None


def uploads_prune(kind: str, *, keep: dt.timedelta = UPLOAD_KEEP) -> int:
    """Remove the upload folders of ``kind`` last written more than ``keep`` ago; returns how
    many were removed."""
    root = uploads_root(kind)
    if not root.is_dir():
        return 0
    oldest = time.time() - keep.total_seconds()
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < oldest:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
