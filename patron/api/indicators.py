"""/indicators: SPEC §3 development and maintenance indicators for one month, per organization,
team and person — the same report as ``patron report indicators`` and the manager's dashboard."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from patron.accounts.models import Team
from patron.accounts.selectors import visible_team_ids
from patron.api.auth import api_user
from patron.api.errors import READ_ERRORS
from patron.api.schemas import MAX_ID, omittable
from patron.core.errors import NotFound, ValidationFailed
from patron.core.months import parse_month

router = Router(tags=["indicators"])


class IndicatorQuery(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    team: int | None = omittable(ge=1, le=MAX_ID, description="team id")


class IndicatorRowOut(Schema):
    scope: str = Field(description="organization | team | person")
    key: int | None = Field(description="organization, team or user id")
    label: str
    team: str
    new_customers: int
    new_customer_revenue: str = Field(description="decimal, organization currency")
    active_accounts: int
    account_revenue: str
    conversion_rate: float | None
    logo_retention: float | None
    net_revenue_retention: float | None
    expansion_revenue: str
    products_per_account: float | None
    lapsed: int
    won_back: int


class IndicatorReportOut(Schema):
    month: str
    organization: IndicatorRowOut
    teams: list[IndicatorRowOut]
    people: list[IndicatorRowOut]


@router.get("/", response={200: IndicatorReportOut, **READ_ERRORS}, summary="Indicators of a month")
def indicators(request: HttpRequest, query: Query[IndicatorQuery]) -> dict[str, Any]:
    from patron.performance.indicators import indicators_report

    user = api_user(request)
    try:
        month = parse_month(query.month)
    except ValueError as error:
        raise ValidationFailed(str(error), {"month": _("must look like YYYY-MM")}) from None
    if query.team is not None:
        visible = visible_team_ids(user)
        exists = Team.objects.filter(organization_id=user.organization_id, id=query.team).exists()
        if not exists or (visible is not None and query.team not in visible):
            raise NotFound(_("team not found"), {"team": _("no such team")})
    report = indicators_report(
        organization=user.organization, month=month, team_id=query.team, viewer=user
    )
    return report.as_dict()
