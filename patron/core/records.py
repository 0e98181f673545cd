"""The write path shared by the simple record services: check the fields, validate, save and
audit in the caller's transaction. Services add their own rules around it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.db import models

from patron.core.audit import audit_record, field_changes, jsonable
from patron.core.models import AuditEvent
from patron.core.validation import validate_instance

M = TypeVar("M", bound=models.Model)


def _check_fields(model: type[models.Model], values: Mapping[str, Any], allowed: Collection[str]):  # type: ignore[no-untyped-def]
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {model._meta.model_name} fields: {sorted(unknown)}")


def record_create(
    instance: M,
    values: Mapping[str, Any],
    *,
    allowed: Collection[str],
    unique_field: str | None = None,
) -> M:
    """Validate and save a new record built with ``values``; audit every given field."""
    _check_fields(type(instance), values, allowed)
    validate_instance(instance, unique_field=unique_field)
    instance.save()
    audit_record(
        instance,
        AuditEvent.Action.CREATE,
        {name: [None, jsonable(getattr(instance, name))] for name in values},
    )
    return instance


def record_update(
    instance: M,
    values: Mapping[str, Any],
    *,
    allowed: Collection[str],
    unique_field: str,
    before_save: Callable[[M], None] | None = None,
) -> M:
    """Apply ``values`` to a locked fresh copy; save and audit only what changed."""
    _check_fields(type(instance), values, allowed)
    original = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    changes = field_changes(original, values)
    if not changes:
        return original
    if before_save is not None:
        before_save(original)
    validate_instance(original, unique_field=unique_field)
    original.save()
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    return original
