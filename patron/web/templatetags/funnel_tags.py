"""Formatting filters of the funnel pages (formatting only; no sums or lookups)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from patron.web import presenters

register = template.Library()


@register.filter
def money(value: Decimal | float | int | None) -> str:
    return presenters.format_money(value)


@register.filter
def percent(value: float | Decimal | None) -> str:
    return presenters.format_percent(value)
