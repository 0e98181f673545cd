"""Formatting helpers for Patron's templates (formatting only; no sums or lookups)."""

from __future__ import annotations

from django import template

from patron.companies.models import Region
from patron.web import presenters

register = template.Library()


@register.filter
def region_name(region: Region | None) -> str:
    return presenters.region_name(region)
