"""Forms of the lead pages: the list filters, the import upload and its column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.accounts.models import User
from patron.accounts.selectors import user_list
from patron.companies.choices import Industry
from patron.imports.kinds.leads import OPTIONAL, REQUIRED
from patron.leads.choices import LeadStatus
from patron.leads.selectors import LeadFilter
from patron.web.forms import region_choices, set_choices, user_choices

# the web runs an import in the request: larger files go through `patron import leads`
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xlsm")
LEAD_FIELDS = (*REQUIRED, *OPTIONAL)


class LeadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    mql = forms.ChoiceField(label=_("MQL"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        set_choices(self, "status", any_choice + list(LeadStatus.choices))
        set_choices(self, "mql", [*any_choice, ("yes", _("MQL")), ("no", _("Not MQL"))])
        set_choices(self, "industry", any_choice + list(Industry.choices))
        set_choices(self, "owner", any_choice + user_choices(user_list(user)))
        set_choices(self, "region", any_choice + region_choices())
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Lead id, email, phone or company name"), "type": "search"}
        )

    def lead_filter(self) -> LeadFilter:
        self.is_valid()  # an invalid field is dropped; the valid ones still apply
        data = getattr(self, "cleaned_data", {})
        mql = {"yes": True, "no": False}.get(data.get("mql") or "")
        return LeadFilter(
            status=data.get("status") or None,
            owner_id=data.get("owner"),
            industry=data.get("industry") or None,
            region_id=data.get("region"),
            mql=mql,
            search=(data.get("q") or "").strip() or None,
        )


class LeadUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or Excel (.xlsx), at most 20 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 20 MB: import it with `patron import leads`.")
            )
        return upload


def mapping_choices() -> list[tuple[str, str]]:
    return [("", str(_("— ignore this column —"))), *[(name, name) for name in LEAD_FIELDS]]


def guess_field(column: str) -> str:
    """The expected field a file column most likely is (its own name, or a common alias)."""
    aliases = {
        "id": "lead_id",
        "external_id": "lead_id",
        "company": "company_name",
        "公司": "company_name",
        "公司名称": "company_name",
        "contact": "contact_name",
        "name": "contact_name",
        "联系人": "contact_name",
        "姓名": "contact_name",
        "职位": "title",
        "邮箱": "email",
        "电子邮件": "email",
        "mobile": "phone",
        "tel": "phone",
        "电话": "phone",
        "手机": "phone",
        "行业": "industry",
        "地区": "region",
        "city": "region",
        "城市": "region",
        "来源": "source",
        "负责人": "owner",
    }
    if column in LEAD_FIELDS:
        return column
    return aliases.get(column, "")


class MappingForm(forms.Form):
    """One select per file column: which expected field it holds."""

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        for index, column in enumerate(columns):
            field = forms.ChoiceField(
                label=column, required=False, choices=mapping_choices(), initial=guess_field(column)
            )
            self.fields[f"col_{index}"] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get(f"col_{index}") for index in range(len(self.columns))]
        repeated = sorted({name for name in chosen if name and chosen.count(name) > 1})
        if repeated:
            self.add_error(
                None,
                _("Each field can be mapped once; repeated: %(fields)s")
                % {"fields": ", ".join(repeated)},
            )
        if "lead_id" not in chosen:
            self.add_error(None, _("Map one column to lead_id."))
        return data

    def mapping(self) -> dict[str, str]:
        """File column → field ("" leaves the column out)."""
        return {
            column: self.cleaned_data.get(f"col_{index}") or ""
            for index, column in enumerate(self.columns)
        }

    def bound_fields(self) -> list[tuple[str, forms.BoundField]]:
        return [(column, self[f"col_{index}"]) for index, column in enumerate(self.columns)]
