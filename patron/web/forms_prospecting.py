"""Forms of the prospecting pages. They parse shape only; the services check the limits (a
fourth industry or title) and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.companies.choices import Industry
from patron.prospecting.choices import TriggerType
from patron.prospecting.models import WEIGHT_CHOICES, IcpProfile
from patron.web.forms import set_choices

TITLE_ROWS = 3
TERRITORY_ROWS = 5
PRIORITY_CHOICES = [("", _("dimension weight")), *[(str(v), label) for v, label in WEIGHT_CHOICES]]
WEIGHTS = (
    ("industry", _("Industry")),
    ("title", _("Title")),
    ("territory", _("Territory")),
    ("trigger", _("Trigger event")),
)


def _priority(label: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label or _("Priority"),
        choices=PRIORITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )


class ProfileForm(forms.Form):
    """The whole ICP profile on one page: weights, then the targets of each dimension."""

    trigger_days = forms.IntegerField(label=_("Trigger window (days)"), min_value=1, max_value=3650)
    note = forms.CharField(label=_("Note for this version"), max_length=300, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in WEIGHTS:
            self.fields[f"{name}_weight"] = forms.TypedChoiceField(
                label=label, choices=[(str(v), text) for v, text in WEIGHT_CHOICES], coerce=int
            )
        for value, label in Industry.choices:
            self.fields[f"industry__{value}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"industry__{value}__priority"] = _priority()
        for row in range(1, TITLE_ROWS + 1):
            self.fields[f"title__{row}"] = forms.CharField(
                label=_("Title %(n)d") % {"n": row}, max_length=150, required=False
            )
            self.fields[f"title__{row}__priority"] = _priority()
        for row in range(1, TERRITORY_ROWS + 1):
            self.fields[f"territory__{row}"] = forms.ChoiceField(
                label=_("Territory %(n)d") % {"n": row}, required=False
            )
            set_choices(self, f"territory__{row}", [("", "—"), *regions])
            self.fields[f"territory__{row}__priority"] = _priority()
        for value, label in TriggerType.choices:
            self.fields[f"trigger__{value}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"trigger__{value}__priority"] = _priority()

    @staticmethod
    def initial_for(profile: IcpProfile | None) -> dict[str, Any]:
        profile = profile or IcpProfile()
        initial: dict[str, Any] = {"trigger_days": profile.trigger_days}
        for name, _label in WEIGHTS:
            initial[f"{name}_weight"] = str(profile.weight_of(name))
        if profile.pk is None:
            return initial
        rows = {"title": 0, "territory": 0}
        for target in profile.targets.all():
            priority = "" if target.priority is None else str(target.priority)
            if target.dimension in rows:
                rows[target.dimension] += 1
                key = f"{target.dimension}__{rows[target.dimension]}"
            else:
                key = f"{target.dimension}__{target.value}"
            initial[key] = True if target.dimension in ("industry", "trigger") else target.value
            initial[f"{key}__priority"] = priority
        return initial

    def targets(self) -> dict[str, list[tuple[str, int | None]]]:
        data = self.cleaned_data
        chosen: dict[str, list[tuple[str, int | None]]] = {
            "industry": [
                (value, data.get(f"industry__{value}__priority"))
                for value in Industry.values
                if data.get(f"industry__{value}")
            ],
            "title": [],
            "territory": [],
            "trigger": [
                (value, data.get(f"trigger__{value}__priority"))
                for value in TriggerType.values
                if data.get(f"trigger__{value}")
            ],
        }
        for dimension, rows in (("title", TITLE_ROWS), ("territory", TERRITORY_ROWS)):
            for row in range(1, rows + 1):
                value = (data.get(f"{dimension}__{row}") or "").strip()
                if value:
                    chosen[dimension].append((value, data.get(f"{dimension}__{row}__priority")))
        return chosen

    def weights(self) -> dict[str, int]:
        return {name: self.cleaned_data[f"{name}_weight"] for name, _label in WEIGHTS}

    def rows(self, prefix: str, values: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        """(checkbox or value field, priority field) pairs for the template."""
        return [
            {"field": self[f"{prefix}__{value}"], "priority": self[f"{prefix}__{value}__priority"]}
            for value, _label in values
        ]


class SynonymForm(forms.Form):
    canonical = forms.CharField(label=_("Canonical title"), max_length=150)
    variant = forms.CharField(label=_("Variant"), max_length=150)


class TriggerEventForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=TriggerType.choices)
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source_url = forms.URLField(
        label=_("Source link"), max_length=500, required=False, assume_scheme="https"
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_occurred_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["occurred_on"]
        if not dt.date(1900, 1, 1) <= value <= dt.date(2199, 12, 31):
            raise forms.ValidationError(_("Give a date between 1900 and 2199."))
        return value
