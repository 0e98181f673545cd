"""Turn selector results into display rows: labels, CSS classes, formatted cells.

Templates only print what these functions return; no sums or lookups happen in templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from patron.accounts.models import Team, User
from patron.companies.choices import Stage
from patron.companies.models import Company, Region
from patron.core.language import is_chinese
from patron.core.models import AuditEvent
from patron.imports.selectors import ImportCreation
from patron.lifecycle.models import EventKind, HandoffRule

STAGE_ORDER = [stage.value for stage in Stage]
EVENT_ORDER = [kind.value for kind in EventKind]
EMPTY = "—"


def chart_locale() -> str:
    return "ZH" if is_chinese() else "EN"


def stage_label(value: str) -> str:
    try:
        return str(Stage(value).label)
    except ValueError:
        return value


def event_label(value: str) -> str:
    try:
        return str(EventKind(value).label)
    except ValueError:
        return value


def format_money(value: Decimal | float | int | None) -> str:
    if value is None:
        return EMPTY
    return f"{Decimal(value):,.0f}"


def format_percent(value: float | Decimal | None, digits: int = 1) -> str:
    if value is None:
        return EMPTY
    return f"{float(value) * 100:.{digits}f}%"


def format_ratio(value: float | Decimal | None, digits: int = 2) -> str:
    if value is None:
        return EMPTY
    return f"{float(value):.{digits}f}"


def format_count(value: int | None, *, capped: bool = False) -> str:
    if value is None:
        return EMPTY
    return f"{value:,}+" if capped else f"{value:,}"


def month_text(value: dt.date | str) -> str:
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)[:7]


@dataclass(frozen=True)
class Tile:
    code: str
    label: str
    value: str


def stage_tiles(stages: Mapping[str, int]) -> list[Tile]:
    return [
        Tile(code=code, label=stage_label(code), value=format_count(stages.get(code, 0)))
        for code in STAGE_ORDER
    ]


def event_tiles(events: Mapping[str, int]) -> list[Tile]:
    return [
        Tile(code=code, label=event_label(code), value=format_count(events.get(code, 0)))
        for code in EVENT_ORDER
    ]


def history_chart(history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The 24-month chart as data for ECharts (series names already translated)."""
    return {
        "locale": chart_locale(),
        "months": [row["month"] for row in history],
        "series": [
            {
                "key": "new_customers",
                "name": _("New customers"),
                "type": "bar",
                "data": [row["new_customers"] for row in history],
            },
            {
                "key": "accounts",
                "name": pgettext("lifecycle stage, plural", "Accounts"),
                "type": "line",
                "data": [row["accounts"] for row in history],
            },
            {
                "key": "lapsed",
                "name": _("Lapsed"),
                "type": "bar",
                "data": [row["lapsed"] for row in history],
            },
        ],
    }


def indicator_columns() -> list[tuple[str, str]]:
    return [
        ("new_customers", _("New customers")),
        ("new_customer_revenue", _("New-customer revenue")),
        ("active_accounts", _("Active accounts")),
        ("account_revenue", _("Account revenue")),
        ("conversion_rate", _("Conversion rate")),
        ("logo_retention", _("Logo retention")),
        ("net_revenue_retention", _("Net revenue retention")),
        ("expansion_revenue", _("Expansion revenue")),
        ("products_per_account", _("Products per account")),
        ("lapsed", _("Lapsed")),
        ("won_back", _("Won back")),
    ]


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "new_customers": format_count,
    "new_customer_revenue": format_money,
    "active_accounts": format_count,
    "account_revenue": format_money,
    "conversion_rate": format_percent,
    "logo_retention": format_percent,
    "net_revenue_retention": format_percent,
    "expansion_revenue": format_money,
    "products_per_account": format_ratio,
    "lapsed": format_count,
    "won_back": format_count,
}


@dataclass(frozen=True)
class IndicatorLine:
    scope: str
    label: str
    team_label: str
    cells: list[str]


def indicator_line(row: Any) -> IndicatorLine:
    return IndicatorLine(
        scope=str(row.scope),
        label=str(row.label),
        team_label=str(row.team_label or "") if row.scope == "person" else "",
        cells=[_FORMATTERS[key](getattr(row, key)) for key, _label in indicator_columns()],
    )


def indicator_tiles(row: Any) -> list[Tile]:
    """Headline numbers for the selected scope (the organization or one team)."""
    keys = [
        ("conversion_rate", _("Customer → account conversion")),
        ("new_customers", _("New customers")),
        ("new_customer_revenue", _("New-customer revenue")),
        ("active_accounts", _("Active accounts")),
        ("account_revenue", _("Account revenue")),
        ("net_revenue_retention", _("Net revenue retention")),
    ]
    return [
        Tile(code=key, label=label, value=_FORMATTERS[key](getattr(row, key)))
        for key, label in keys
    ]


# ---- company page -------------------------------------------------------------------------


@dataclass(frozen=True)
class StripCell:
    month: str
    month_number: str
    year: str  # shown on the first cell and on each January
    stage: str
    label: str
    revenue: str
    is_active: bool
    title: str


def stage_strip(months: Iterable[Mapping[str, Any]]) -> list[StripCell]:
    cells: list[StripCell] = []
    for row in months:
        month = month_text(row["month"])
        show_year = not cells or month.endswith("-01")
        label = stage_label(row["stage"])
        revenue = format_money(row.get("revenue"))
        title = _("%(month)s · %(stage)s · revenue %(revenue)s") % {
            "month": month,
            "stage": label,
            "revenue": revenue,
        }
        cells.append(
            StripCell(
                month=month,
                month_number=month[5:7],
                year=month[:4] if show_year else "",
                stage=row["stage"],
                label=label,
                revenue=revenue,
                is_active=bool(row.get("is_active")),
                title=title,
            )
        )
    return cells


@dataclass(frozen=True)
class EventLine:
    month: str
    kind: str
    label: str
    amount: str


def event_lines(events: Iterable[Mapping[str, Any]]) -> list[EventLine]:
    lines = [
        EventLine(
            month=month_text(event["month"]),
            kind=event["kind"],
            label=event_label(event["kind"]),
            amount=format_money(event["amount"]) if event.get("amount") else "",
        )
        for event in events
    ]
    return sorted(lines, key=lambda line: line.month, reverse=True)


@dataclass(frozen=True)
class HandoffLine:
    month: str
    from_user: str
    to_user: str
    rule: str


def handoff_lines(handoffs: Iterable[Any]) -> list[HandoffLine]:
    lines = []
    for handoff in handoffs:
        try:
            rule = str(HandoffRule(handoff.rule).label)
        except ValueError:
            rule = str(handoff.rule)
        lines.append(
            HandoffLine(
                month=month_text(handoff.month),
                from_user=str(handoff.from_user) if handoff.from_user else EMPTY,
                to_user=str(handoff.to_user) if handoff.to_user else EMPTY,
                rule=rule,
            )
        )
    return sorted(lines, key=lambda line: line.month, reverse=True)


@dataclass(frozen=True)
class AuditChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditLine:
    at: dt.datetime
    actor: str
    source: str
    action: str
    changes: list[AuditChange]
    target: str = ""  # the contact or order changed, when it is not the company itself
    note: str = ""  # e.g. the file an import read


_REFERENCE_MODELS: dict[str, type[models.Model]] = {
    "owner": User,
    "team": Team,
    "region": Region,
    "company": Company,
    "involved_seller": User,  # the lead page's involvement toggle
}


_OTHER_FIELDS = {
    "month": gettext_lazy("month"),
    "rule": gettext_lazy("rule"),
    "from_user": gettext_lazy("from"),
    "to_user": gettext_lazy("to"),
    "lines": gettext_lazy("lines"),
    "involved_seller": gettext_lazy("personally involved"),
}


def _field_label(name: str, model: type[models.Model] | None = None) -> str:
    try:
        return str(getattr((model or Company)._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # a change recorded on the company but not a company field
        return str(_OTHER_FIELDS.get(name, name))


def _show(value: Any, names: Mapping[tuple[str, Any], str], field: str) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, list | dict):
        return _("%(count)s items") % {"count": len(value)}
    if (field, value) in names:
        return names[(field, value)]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _referenced_names(events: Sequence[AuditEvent]) -> dict[tuple[str, Any], str]:
    """Names of users, teams and regions referenced by id in the changes (one query each)."""
    wanted: dict[str, set[Any]] = {field: set() for field in _REFERENCE_MODELS}
    for event in events:
        for field, pair in event.changes.items():
            if field in wanted and isinstance(pair, list):
                wanted[field].update(value for value in pair if isinstance(value, int))
    names: dict[tuple[str, Any], str] = {}
    for field, ids in wanted.items():
        if ids:
            for instance in _REFERENCE_MODELS[field]._default_manager.filter(pk__in=ids):
                names[(field, instance.pk)] = str(instance)
    return names


def source_label(source: str) -> str:
    labels = {
        "web": _("web"),
        "api": _("API"),
        "cli": _("command line"),
        "import": _("import"),
        "system": _("system"),
    }
    return str(labels.get(source, source))


def audit_target(event: AuditEvent, subject: models.Model | None) -> str:
    """What an event changed, unless it is the page's own record (``subject``): "Contact 王伟"
    on a company's page, nothing for the company itself."""
    model = event.content_type.model_class() if event.content_type else None
    if model is None:
        return ""
    if subject is not None and model is type(subject) and event.object_id == subject.pk:
        return ""
    return f"{capfirst(model._meta.verbose_name)} {event.object_repr}"


def audit_lines(
    events: Sequence[AuditEvent], subject: models.Model | None = None
) -> list[AuditLine]:
    names = _referenced_names(events)
    lines = []
    for event in events:
        model = event.content_type.model_class() if event.content_type else None
        changes = [
            AuditChange(
                field=_field_label(field, model),
                old=_show(old, names, field),
                new=_show(new, names, field),
            )
            for field, old, new in event.change_list
        ]
        lines.append(
            AuditLine(
                at=event.at,
                actor=event.actor_label or (str(event.actor) if event.actor else EMPTY),
                source=source_label(event.source),
                action=event.get_action_display(),
                changes=changes,
                target=audit_target(event, subject),
            )
        )
    return lines


def provenance_lines(creations: Sequence[ImportCreation]) -> list[AuditLine]:
    """One line per import run that created the company, some of its contacts or orders."""
    lines = []
    for creation in creations:
        if creation.object_label:
            target = ""
        else:
            name = (
                creation.model._meta.verbose_name
                if creation.count == 1
                else creation.model._meta.verbose_name_plural
            )
            target = f"{intcomma(creation.count)} {name}"
        lines.append(
            AuditLine(
                at=creation.at,
                actor=creation.actor_label or EMPTY,
                source=source_label("import"),
                action=str(AuditEvent.Action.IMPORT_CREATE.label),
                changes=[],
                target=target,
                note=_("import #%(run)s, file %(file)s")
                % {"run": creation.run_id, "file": Path(creation.file_name).name},
            )
        )
    return lines


def history_lines(
    events: Sequence[AuditEvent],
    creations: Sequence[ImportCreation],
    subject: models.Model | None = None,
) -> list[AuditLine]:
    """The audit trail and the import provenance in one list, newest first; the events of
    ``subject`` (the page's own record) name no target."""
    lines = audit_lines(events, subject) + provenance_lines(creations)
    return sorted(lines, key=lambda line: line.at, reverse=True)


def region_name(region: Region | None) -> str:
    return EMPTY if region is None else region.local_name


def region_path(region: Region | None) -> str:
    """``Guangdong · Shenzhen``: the parent (already selected) and the region."""
    if region is None:
        return EMPTY
    parent = region.parent if region.parent_id else None
    if parent is None or parent.level == 0:
        return region_name(region)
    return f"{region_name(parent)} · {region_name(region)}"


def stage_legend() -> list[Tile]:
    return [Tile(code=code, label=stage_label(code), value="") for code in STAGE_ORDER]


@dataclass(frozen=True)
class OrderLineRow:
    line_no: int
    sku: str
    product: str
    family: str
    quantity: str
    amount: str
    service: str


@dataclass(frozen=True)
class OrderBlock:
    id: int
    external_id: str
    order_date: dt.date
    status: str
    status_label: str
    seller: str
    currency: str
    total: str
    due_date: dt.date | None
    paid_date: dt.date | None
    lines: list[OrderLineRow]

    @property
    def rowspan(self) -> int:
        return max(1, len(self.lines))

    @property
    def first_line(self) -> OrderLineRow | None:
        return self.lines[0] if self.lines else None

    @property
    def more_lines(self) -> list[OrderLineRow]:
        return self.lines[1:]


def _service_period(line: Any) -> str:
    if line.service_start and line.service_end:
        return f"{line.service_start:%Y-%m-%d} → {line.service_end:%Y-%m-%d}"
    if line.service_start:
        return f"{line.service_start:%Y-%m-%d} →"
    return ""


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def order_blocks(orders: Iterable[Any]) -> list[OrderBlock]:
    """Orders with their (prefetched) lines, formatted for the company page."""
    return [
        OrderBlock(
            id=order.id,
            external_id=order.external_id,
            order_date=order.order_date,
            status=order.status,
            status_label=order.get_status_display(),
            seller=str(order.seller) if order.seller else EMPTY,
            currency=order.currency,
            total=format_money(order.total_amount),
            due_date=order.due_date,
            paid_date=order.paid_date,
            lines=[
                OrderLineRow(
                    line_no=line.line_no,
                    sku=line.product.sku,
                    product=line.product.name,
                    family=line.product.family.name,
                    quantity=_quantity(line.quantity),
                    amount=format_money(line.amount),
                    service=_service_period(line),
                )
                for line in order.lines.all()
            ],
        )
        for order in orders
    ]
