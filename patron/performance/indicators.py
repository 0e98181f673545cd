"""Development and maintenance indicators of SPEC §3, per person, team and organization.

Aggregated in SQL over the stored lifecycle (CompanyMonth, LifecycleEvent): one query for the
month itself, one pairing each company's month M-1 with month M, one for the events. Rows are
grouped by (owner, team); teams and the organization are sums of those groups.

Credit: a month's row belongs to the company's owner in that month — the BDM who won the first
order for a new customer, the AM after the hand-off for an account.
- conversion_rate = new customers of M-1 that became accounts in M ÷ new customers of M-1
- logo_retention = accounts of M-1 still accounts in M ÷ accounts of M-1
- net_revenue_retention = revenue in M of the accounts of M-1 ÷ their revenue in M-1
- expansion_revenue = upsold + cross-sold amounts of M
- products_per_account = product families owned, averaged over the accounts of M
Ratios with a zero denominator are None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from patron.accounts.models import Team, User
from patron.accounts.selectors import visible_team_ids
from patron.core.models import Organization
from patron.core.months import month_label, month_start
from patron.lifecycle.models import CompanyMonth, EventKind, LifecycleEvent

ZERO = Decimal("0.00")
INDICATORS = (
    "new_customers",
    "new_customer_revenue",
    "active_accounts",
    "account_revenue",
    "conversion_rate",
    "logo_retention",
    "net_revenue_retention",
    "expansion_revenue",
    "products_per_account",
    "lapsed",
    "won_back",
)


@dataclass
class Totals:
    """Additive parts from which the indicators are derived."""

    new_customers: int = 0
    new_customer_revenue: Decimal = ZERO
    active_accounts: int = 0
    account_revenue: Decimal = ZERO
    families_on_accounts: int = 0
    previous_new_customers: int = 0
    converted: int = 0
    previous_accounts: int = 0
    retained: int = 0
    previous_account_revenue: Decimal = ZERO
    retained_account_revenue: Decimal = ZERO
    expansion_revenue: Decimal = ZERO
    lapsed: int = 0
    won_back: int = 0

    def add(self, other: Totals) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def _ratio(numerator: Decimal | int, denominator: Decimal | int, places: int = 4) -> float | None:
    if not denominator:
        return None
    return round(float(Decimal(numerator) / Decimal(denominator)), places)


@dataclass
class IndicatorRow:
    scope: str  # person | team | organization
    key: int | None
    label: str
    team_label: str
    totals: Totals = field(default_factory=Totals)

    @property
    def new_customers(self) -> int:
        return self.totals.new_customers

    @property
    def new_customer_revenue(self) -> Decimal:
        return self.totals.new_customer_revenue

    @property
    def active_accounts(self) -> int:
        return self.totals.active_accounts

    @property
    def account_revenue(self) -> Decimal:
        return self.totals.account_revenue

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.totals.converted, self.totals.previous_new_customers)

    @property
    def logo_retention(self) -> float | None:
        return _ratio(self.totals.retained, self.totals.previous_accounts)

    @property
    def net_revenue_retention(self) -> float | None:
        return _ratio(self.totals.retained_account_revenue, self.totals.previous_account_revenue)

    @property
    def expansion_revenue(self) -> Decimal:
        return self.totals.expansion_revenue

    @property
    def products_per_account(self) -> float | None:
        return _ratio(self.totals.families_on_accounts, self.totals.active_accounts, 2)

    @property
    def lapsed(self) -> int:
        return self.totals.lapsed

    @property
    def won_back(self) -> int:
        return self.totals.won_back

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in INDICATORS}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scope": self.scope,
            "key": self.key,
            "label": self.label,
            "team": self.team_label,
        }
        for name, value in self.values().items():
            data[name] = str(value) if isinstance(value, Decimal) else value
        return data


@dataclass
class IndicatorReport:
    month: str
    organization: IndicatorRow
    teams: list[IndicatorRow]
    people: list[IndicatorRow]

    def rows(self) -> list[IndicatorRow]:
        return [self.organization, *self.teams, *self.people]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "organization": self.organization.as_dict(),
            "teams": [row.as_dict() for row in self.teams],
            "people": [row.as_dict() for row in self.people],
        }


Key = tuple[int | None, int | None]  # (owner_id, team_id)


def _current(organization: Organization, month: int, scope: Q) -> dict[Key, Totals]:
    rows = (
        CompanyMonth.objects.filter(scope, organization=organization, month=month_start(month))
        .values("owner_id", "team_id")
        .annotate(
            new_customers=Count("id", filter=Q(stage="new_customer")),
            new_customer_revenue=Sum("revenue", filter=Q(stage="new_customer")),
            active_accounts=Count("id", filter=Q(stage="account")),
            account_revenue=Sum("revenue", filter=Q(stage="account")),
            families_on_accounts=Sum("families_owned", filter=Q(stage="account")),
        )
        .order_by()
    )
    result: dict[Key, Totals] = {}
    for row in rows:
        totals = result.setdefault((row["owner_id"], row["team_id"]), Totals())
        totals.new_customers += row["new_customers"]
        totals.new_customer_revenue += _money(row["new_customer_revenue"])
        totals.active_accounts += row["active_accounts"]
        totals.account_revenue += _money(row["account_revenue"])
        totals.families_on_accounts += row["families_on_accounts"] or 0
    return result


def _pairs(
    organization: Organization,
    month: int,
    team_ids: Iterable[int] | None,
    result: dict[Key, Totals],
) -> None:
    """Month M-1 against month M, credited to the owner in M-1."""
    params: list[Any] = [
        month_start(month).isoformat(),
        organization.id,
        month_start(month - 1).isoformat(),
    ]
    team_sql = ""
    if team_ids is not None:
        ids = list(team_ids) or [-1]
        team_sql = f" AND p.team_id IN ({', '.join(['%s'] * len(ids))})"
        params.extend(ids)
    sql = (
        "SELECT p.owner_id, p.team_id,"
        " SUM(CASE WHEN p.stage = 'new_customer' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN p.stage = 'new_customer' AND c.stage = 'account' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN p.stage = 'account' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN p.stage = 'account' AND c.stage = 'account' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN p.stage = 'account' THEN p.revenue ELSE 0 END),"
        " SUM(CASE WHEN p.stage = 'account' THEN COALESCE(c.revenue, 0) ELSE 0 END)"
        " FROM lifecycle_companymonth p"
        " LEFT JOIN lifecycle_companymonth c ON c.company_id = p.company_id AND c.month = %s"
        f" WHERE p.organization_id = %s AND p.month = %s{team_sql}"
        " GROUP BY p.owner_id, p.team_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for owner, team, new, converted, accounts, retained, before, after in cursor.fetchall():
            totals = result.setdefault((owner, team), Totals())
            totals.previous_new_customers += int(new or 0)
            totals.converted += int(converted or 0)
            totals.previous_accounts += int(accounts or 0)
            totals.retained += int(retained or 0)
            totals.previous_account_revenue += _money(before)
            totals.retained_account_revenue += _money(after)


def _money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _events(organization: Organization, month: int, scope: Q, result: dict[Key, Totals]) -> None:
    rows = (
        LifecycleEvent.objects.filter(scope, organization=organization, month=month_start(month))
        .values("owner_id", "team_id")
        .annotate(
            expansion=Sum("amount", filter=Q(kind__in=[EventKind.UPSOLD, EventKind.CROSS_SOLD])),
            lapsed=Count("id", filter=Q(kind=EventKind.LAPSED)),
            won_back=Count("id", filter=Q(kind=EventKind.WON_BACK)),
        )
        .order_by()
    )
    for row in rows:
        totals = result.setdefault((row["owner_id"], row["team_id"]), Totals())
        totals.expansion_revenue += _money(row["expansion"])
        totals.lapsed += row["lapsed"]
        totals.won_back += row["won_back"]


def _team_position(row: IndicatorRow, team_rows: dict[int | None, IndicatorRow]) -> int:
    """People are listed team by team, in the order of the team rows (by team id)."""
    for team_key, team_row in team_rows.items():
        if team_row.label == row.team_label:
            return team_key or 1 << 62
    return 1 << 62


def indicators_report(
    *,
    organization: Organization,
    month: int,
    team_id: int | None = None,
    viewer: User | None = None,
) -> IndicatorReport:
    team_ids: set[int] | None = visible_team_ids(viewer) if viewer is not None else None
    if team_id is not None:
        team_ids = {team_id} if team_ids is None else team_ids & {team_id}
    scope = Q() if team_ids is None else Q(team_id__in=team_ids)
    groups = _current(organization, month, scope)
    _pairs(organization, month, team_ids, groups)
    _events(organization, month, scope, groups)

    users = User.objects.in_bulk([owner for owner, _ in groups if owner is not None])
    teams = Team.objects.in_bulk([team for _, team in groups if team is not None])
    unassigned = "—"
    organization_row = IndicatorRow("organization", organization.id, organization.name, "")
    team_rows: dict[int | None, IndicatorRow] = {}
    people: dict[Key, IndicatorRow] = {}
    for (owner, team), totals in groups.items():
        organization_row.totals.add(totals)
        team_label = str(teams[team]) if team in teams else unassigned
        team_row = team_rows.setdefault(team, IndicatorRow("team", team, team_label, team_label))
        team_row.totals.add(totals)
        owner_label = str(users[owner]) if owner in users else unassigned
        person = people.setdefault(
            (owner, team), IndicatorRow("person", owner, owner_label, team_label)
        )
        person.totals.add(totals)
    return IndicatorReport(
        month=month_label(month),
        organization=organization_row,
        teams=sorted(team_rows.values(), key=lambda row: (row.key is None, row.key or 0)),
        people=sorted(people.values(), key=lambda row: (_team_position(row, team_rows), row.label)),
    )
