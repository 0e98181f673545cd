"""Forms of the call list and the refine page. They validate shape only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.accounts.models import User
from patron.activities.models import CallOutcome
from patron.companies.choices import Industry
from patron.companies.models import Region
from patron.prospecting.call_list import CallFilter, parse_cursor
from patron.prospecting.refine_rules import BANDS
from patron.web.forms import set_choices, user_choices


def province_choices() -> list[tuple[str, str]]:
    """The country and its provinces (a province includes its cities): territories are
    provinces, and a short list renders fast on a page loaded hundreds of times a day."""
    regions = Region.objects.filter(level__lte=1).order_by("level", "code")
    return [
        (str(region.id), region.local_name)
        for region in regions.only("id", "name", "name_en", "level", "code")
    ]


class CallFilterForm(forms.Form):
    seller = forms.TypedChoiceField(label=_("Seller"), required=False, coerce=int, empty_value=None)
    starred = forms.BooleanField(label=_("Starred only"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    band = forms.ChoiceField(label=_("Score"), required=False)
    not_called = forms.BooleanField(label=_("Not called yet"), required=False)
    out = forms.BooleanField(label=_("Out of target"), required=False)
    after = forms.CharField(required=False, max_length=50)

    def __init__(self, *args: Any, sellers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        set_choices(self, "seller", user_choices(sellers))
        set_choices(self, "industry", any_choice + list(Industry.choices))
        set_choices(self, "region", any_choice + province_choices())
        set_choices(self, "band", any_choice + [(label, label) for label, _low, _high in BANDS])

    def call_filter(self) -> tuple[int | None, CallFilter]:
        """(chosen seller id, the selector's filter); invalid fields are dropped."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("seller"), CallFilter(
            starred=bool(data.get("starred")),
            industry=data.get("industry") or "",
            region_id=data.get("region"),
            band=data.get("band") or "",
            not_called=bool(data.get("not_called")),
            out_of_target=bool(data.get("out")),
            after=parse_cursor(data.get("after")),
        )


class CallLogForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    next_step_on = forms.DateField(label=_("Next step on"), required=False)


class RefineForm(forms.Form):
    seller = forms.TypedChoiceField(label=_("Seller"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, sellers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "seller", user_choices(sellers))


class AcceptProposalForm(forms.Form):
    version = forms.IntegerField(min_value=0)
