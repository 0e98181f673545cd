from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from patron.core.errors import ValidationFailed


def validate_instance(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's field and constraint checks; raise ValidationFailed naming each field."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as error:
        field_errors = {
            field: " ".join(str(message) for message in messages)
            for field, messages in error.message_dict.items()
        }
        first = next(iter(field_errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", field_errors) from None
