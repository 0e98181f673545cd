"""English and Simplified Chinese ship complete: every message of the catalog is translated."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.utils import translation

from patron.companies.choices import Stage
from patron.lifecycle.models import EventKind

CATALOG = Path(__file__).resolve().parent.parent / "patron/locale/zh_Hans/LC_MESSAGES/django.po"


def test_chinese_catalog_has_no_untranslated_or_fuzzy_messages():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    )
    statistics = result.stderr.strip()
    assert "untranslated" not in statistics, statistics
    assert "fuzzy" not in statistics, statistics
    assert int(statistics.split()[0]) > 300, statistics


def test_stage_and_event_names_in_chinese():
    with translation.override("zh-hans"):
        stages = {stage.value: str(stage.label) for stage in Stage}
        events = {kind.value: str(kind.label) for kind in EventKind}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in stages.values()), stages
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in events.values()), events
