"""Writes to accounts: API tokens. Creating and revoking a token is audited; marking a token
as used is bookkeeping (at most one write a minute per token) and is not."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import ApiToken, User, hash_token
from patron.core.audit import audit_record, jsonable
from patron.core.errors import Conflict, NotFound
from patron.core.models import AuditEvent
from patron.core.validation import validate_instance

TOKEN_PREFIX = "ptn_"  # noqa: S105 - the public marker of every token, not a secret
PREFIX_LENGTH = 8
MAX_TOKEN_LENGTH = 200
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def token_prefix(raw: str) -> str:
    """The short public part of a token used to name it (``ptn_AbCd1234…`` → ``AbCd1234``)."""
    return raw.strip().removeprefix(TOKEN_PREFIX)[:PREFIX_LENGTH]


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the raw value, which is never stored."""
    raw = ApiToken.generate()
    token = ApiToken(
        organization_id=user.organization_id,
        user=user,
        name=name,
        prefix=token_prefix(raw),
        key_hash=hash_token(raw),
    )
    validate_instance(token)
    token.save()
    audit_record(
        token,
        AuditEvent.Action.CREATE,
        {"user": [None, user.pk], "name": [None, name], "prefix": [None, token.prefix]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, prefix: str) -> ApiToken:
    """Revoke the active token whose prefix is ``prefix`` (the raw token is accepted too)."""
    wanted = token_prefix(prefix)
    matches = list(
        ApiToken.objects.select_for_update()
        .filter(prefix=wanted, revoked_at__isnull=True)
        .order_by("id")[:2]
    )
    if not matches:
        raise NotFound(
            _("No active token with prefix %(prefix)s.") % {"prefix": wanted},
            {"prefix": _("no active token with this prefix")},
        )
    if len(matches) > 1:
        raise Conflict(
            _("Several active tokens share prefix %(prefix)s.") % {"prefix": wanted},
            {"prefix": _("ambiguous prefix")},
        )
    token = matches[0]
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        token, AuditEvent.Action.UPDATE, {"revoked_at": [None, jsonable(token.revoked_at)]}
    )
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user owning the active token ``raw``, or None. Records the use once a minute."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
