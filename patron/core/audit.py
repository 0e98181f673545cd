"""The audit trail: every write path records who changed what.

Services call :func:`audit_record` in the same transaction as the change. The actor comes
from the caller explicitly, or from :func:`acting_as` (set by the web middleware, the API
auth and the CLI), so a change can never be written without a "who".
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from patron.core.bulk import insert_rows
from patron.core.frames import insert_frame
from patron.core.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    source: str


SYSTEM = Actor(user_id=None, label="system", source="system")
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("patron_actor", default=SYSTEM)


def actor_for(user: Any, source: str) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(user_id=None, label="anonymous", source=source)
    return Actor(user_id=user.pk, label=user.get_username(), source=source)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def current_actor() -> Actor:
    return _current.get()


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def field_changes(instance: models.Model, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``instance`` and return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            setattr(instance, name, new)
    return changes


def audit_record(
    instance: models.Model,
    action: str,
    changes: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
) -> AuditEvent:
    who = actor or current_actor()
    return AuditEvent.objects.create(
        organization_id=instance.organization_id,  # type: ignore[attr-defined]
        at=timezone.now(),
        actor_id=who.user_id,
        actor_label=who.label,
        source=who.source,
        action=action,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        changes=dict(changes or {}),
    )


def audit_bulk(
    *,
    organization_id: int,
    model: type[models.Model],
    action: str,
    entries: Iterable[tuple[int, str, dict[str, Any] | str]],
    actor: Actor | None = None,
) -> int:
    """Write many audit rows at once: ``entries`` yields (object_id, repr, changes).

    ``changes`` is a dict, or a string that already holds its JSON (bulk imports build it in
    polars). Rows go through :func:`patron.core.bulk.insert_rows` (COPY / executemany).
    """
    who = actor or current_actor()
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    content_type_id = ContentType.objects.get_for_model(model).pk
    columns = [
        "organization_id",
        "at",
        "actor_id",
        "actor_label",
        "source",
        "action",
        "content_type_id",
        "object_id",
        "object_repr",
        "changes",
    ]
    rows = (
        (
            organization_id,
            at,
            who.user_id,
            who.label,
            who.source,
            action,
            content_type_id,
            object_id,
            label[:200],
            changes if isinstance(changes, str) else json.dumps(changes, cls=DjangoJSONEncoder),
        )
        for object_id, label, changes in entries
    )
    return insert_rows(AuditEvent._meta.db_table, columns, rows)


def audit_frame_bulk(
    *,
    organization_id: int,
    model: type[models.Model],
    action: str,
    frame: pl.DataFrame,
    actor: Actor | None = None,
) -> int:
    """Like :func:`audit_bulk` for a polars frame of ``object_id, object_repr, changes``.

    ``changes`` holds the JSON text of each row's changes (built with polars expressions);
    the frame goes to the database in one COPY / executemany without per-row Python work.
    """
    if frame.is_empty():
        return 0
    who = actor or current_actor()
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    constants = {
        "organization_id": organization_id,
        "at": at,
        "actor_id": who.user_id,
        "actor_label": who.label,
        "source": who.source,
        "action": str(action),
        "content_type_id": ContentType.objects.get_for_model(model).pk,
    }
    rows = frame.select(
        pl.col("object_id").cast(pl.Int64),
        pl.col("object_repr").cast(pl.String).fill_null("").str.slice(0, 200),
        pl.col("changes").cast(pl.String),
    )
    return insert_frame(AuditEvent._meta.db_table, rows, constants)


def audit_trail(instance: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")
