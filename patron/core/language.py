"""The active language, as the pages and the domain's explanations need it."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese() -> bool:
    """True when Chinese (any variant) is the active language."""
    return (get_language() or "en").lower().startswith("zh")
