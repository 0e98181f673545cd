"""Forms of the funnel pages. They parse shape only; the services decide and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.accounts.models import Role, Team, User
from patron.funnel.choices import LossReason, RejectionReason
from patron.funnel.models import OpportunityStage, Play
from patron.funnel.periods import MONTH, WEEK
from patron.web.forms import set_choices, team_choices, user_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """This quarter so far… to its last day."""
    first_month = (today.month - 1) // 3 * 3 + 1
    start = dt.date(today.year, first_month, 1)
    end_month = first_month + 2
    next_month = dt.date(today.year + (end_month == 12), end_month % 12 + 1, 1)
    return start, next_month - dt.timedelta(days=1)


class FunnelFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    user = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    bucket = forms.ChoiceField(
        label=_("Trend by"), required=False, choices=[(WEEK, _("Week")), (MONTH, _("Month"))]
    )

    def __init__(
        self, *args: Any, teams: list[Team], users: list[User], all_label: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "team", [("", all_label), *team_choices(teams)])
        set_choices(self, "user", [("", _("Everyone")), *user_choices(users)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The period ends before it starts."))
        return data


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company = forms.CharField(
        label=_("Company id"), max_length=64, required=False, help_text=_("external id")
    )
    lead = forms.CharField(
        label=_("Lead id"), max_length=64, required=False, help_text=_("the lead it came from")
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False
    )
    play = forms.TypedChoiceField(label=_("Play"), required=False, coerce=int, empty_value=None)
    hand_off_to = forms.TypedChoiceField(
        label=_("Hand off to (AE)"), required=False, coerce=int, empty_value=None
    )
    expected_close_on = forms.DateField(label=_("Expected close"), required=False, widget=DATE)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def __init__(self, *args: Any, plays: list[Play], aes: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "play", [("", "—"), *[(str(p.pk), p.name) for p in plays]])
        set_choices(self, "hand_off_to", [("", "—"), *user_choices(aes)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("company") and not data.get("lead"):
            self.add_error("company", _("Give a company or a lead."))
        return data


class MoveForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Stage"), coerce=int)

    def __init__(self, *args: Any, stages: list[OpportunityStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "stage", [(str(s.pk), str(s)) for s in stages])


class HandOffForm(forms.Form):
    to = forms.TypedChoiceField(label=_("AE"), coerce=int)

    def __init__(self, *args: Any, aes: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to", user_choices(aes))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *RejectionReason.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class LostForm(forms.Form):
    loss_reason = forms.ChoiceField(
        label=_("Loss reason"), choices=[("", "—"), *LossReason.choices], required=False
    )
    loss_note = forms.CharField(label=_("Note"), max_length=500, required=False)


class HeadcountForm(forms.Form):
    target = forms.DecimalField(
        label=_("Revenue target"), max_digits=16, decimal_places=2, min_value=Decimal("1")
    )
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=60, initial=12)
    date_from = forms.DateField(label=_("Measure from"), widget=DATE)
    date_to = forms.DateField(label=_("Measure to"), widget=DATE)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, teams: list[Team], all_label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "team", [("", all_label), *team_choices(teams)])


class PolicyForm(forms.Form):
    target_hours = forms.DecimalField(
        label=_("Target (business hours)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("999"),
    )
    warn_minutes = forms.IntegerField(label=_("Warn (minutes left)"), min_value=0, max_value=1440)
    day_start = forms.TimeField(
        label=_("Day starts"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    day_end = forms.TimeField(label=_("Day ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    break_start = forms.TimeField(
        label=_("Break starts"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    break_end = forms.TimeField(
        label=_("Break ends"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WeekendForm(forms.Form):
    days = forms.TypedMultipleChoiceField(
        label=_("Weekend days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    is_working = forms.TypedChoiceField(
        label=_("Kind"),
        coerce=lambda value: value == "1",
        choices=[("0", _("Holiday")), ("1", _("Adjusted working day"))],
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


def sellers(organization_id: int, role: str) -> list[User]:
    return list(
        User.objects.filter(organization_id=organization_id, is_active=True, roles__role=role)
        .select_related("team")
        .order_by("username")
    )


def aes_of(organization_id: int) -> list[User]:
    return sellers(organization_id, Role.AE.value)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    probability = forms.IntegerField(label=_("Win probability %"), min_value=0, max_value=100)


class PlayForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False)


def _words(value: str) -> list[str]:
    return [item.strip() for item in value.replace("，", ",").split(",") if item.strip()]


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    sources = forms.CharField(
        label=_("Sources"), required=False, help_text=_("comma separated; empty: any source")
    )
    title_keywords = forms.CharField(
        label=_("Title keywords"), required=False, help_text=_("comma separated; empty: any title")
    )
    require_email = forms.BooleanField(label=_("Needs an email"), required=False)
    require_phone = forms.BooleanField(label=_("Needs a phone"), required=False)

    def rule_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sources": _words(data.get("sources") or ""),
            "title_keywords": _words(data.get("title_keywords") or ""),
            "require_email": data.get("require_email", False),
            "require_phone": data.get("require_phone", False),
        }
