"""Forms that parse page input (filters, month pickers). They validate shape only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from patron.accounts.models import Team, User
from patron.accounts.selectors import team_list, user_list
from patron.companies.choices import Industry, Stage
from patron.companies.models import Region
from patron.companies.selectors import CompanyFilter
from patron.core.months import month_label, parse_month

MAX_REGION_LEVEL = 2  # country → province → city


def region_choices() -> list[tuple[str, str]]:
    """Regions as indented options (a province is followed by its cities)."""
    regions = Region.objects.filter(level__lte=MAX_REGION_LEVEL).order_by("code")
    return [
        (str(region.id), "\u2003" * region.level + region.local_name)
        for region in regions.only("id", "name", "name_en", "level", "code")
    ]


def team_choices(teams: list[Team]) -> list[tuple[str, str]]:
    return [(str(team.id), team.name) for team in teams]


def user_choices(users: list[User]) -> list[tuple[str, str]]:
    return [(str(user.id), str(user)) for user in users]


class FastSelect(forms.Select):
    """A select rendered in Python: Django's per-option templates cost ~1 ms per 20 options,
    and the filter form has hundreds (regions, owners)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    value_,
                    mark_safe(" selected") if str(value_) in selected else "",
                    label,
                )
                for value_, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
    field.widget = FastSelect(attrs=field.widget.attrs, choices=field.choices)


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        set_choices(self, "stage", any_choice + list(Stage.choices))
        set_choices(self, "industry", any_choice + list(Industry.choices))
        set_choices(self, "owner", any_choice + user_choices(user_list(user)))
        set_choices(self, "team", any_choice + team_choices(team_list(user)))
        set_choices(self, "region", any_choice + region_choices())
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Name or external id"), "type": "search"}
        )

    def company_filter(self) -> CompanyFilter:
        """The selector's filter; an invalid form filters on its valid fields only."""
        self.is_valid()  # an invalid field is dropped; the valid ones still apply
        data = getattr(self, "cleaned_data", {})
        return CompanyFilter(
            stage=data.get("stage") or None,
            owner_id=data.get("owner"),
            team_id=data.get("team"),
            industry=data.get("industry") or None,
            region_id=data.get("region"),
            search=(data.get("q") or "").strip() or None,
        )


class MonthField(forms.CharField):
    """A calendar month as ``YYYY-MM`` (an ``<input type="month">``); cleans to a month index."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None

    def prepare_value(self, value: Any) -> Any:
        return month_label(value) if isinstance(value, int) else value


class DashboardForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, teams: list[Team], all_teams_label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "team", [("", all_teams_label), *team_choices(teams)])
