from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from patron.core.errors import ValidationFailed


def _field_of(error: ValidationError) -> str:
    """The field a model-wide error is about: a unique constraint names its distinguishing
    field (``(organization, external_id)`` → ``external_id``); anything else stays ``__all__``."""
    fields = (getattr(error, "params", None) or {}).get("unique_check") or ()
    named = [name for name in fields if name != "organization"]
    return named[-1] if named else NON_FIELD_ERRORS


def validate_instance(
    instance: models.Model, *, exclude: list[str] | None = None, unique_field: str | None = None
) -> None:
    """Run the model's field and constraint checks; raise ValidationFailed naming each field.

    ``unique_field`` is the natural key checked first so a clash names that field.
    """
    if unique_field is not None:
        ensure_unique(instance, unique_field)
    try:
        instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as error:
        field_errors: dict[str, list[str]] = {}
        for field, errors in error.error_dict.items():
            for item in errors:
                name = _field_of(item) if field == NON_FIELD_ERRORS else field
                field_errors.setdefault(name, []).extend(str(message) for message in item)
        joined = {field: " ".join(messages) for field, messages in field_errors.items()}
        first = next(iter(joined.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", joined) from None


def ensure_unique(instance: models.Model, field: str) -> None:
    """Refuse a second record with the same natural key in the organization, naming the field."""
    from django.utils.translation import gettext as _

    value = getattr(instance, field)
    clash = (
        type(instance)
        ._default_manager.filter(organization_id=instance.organization_id, **{field: value})  # type: ignore[attr-defined]
        .exclude(pk=instance.pk)
        .exists()
    )
    if clash:
        reason = _("%(value)s is already used by another record") % {"value": value}
        raise ValidationFailed(f"{field}: {reason}", {field: reason})
