"""The demo world: shape, exact counts for a seed, determinism, refusal, export, `patron demo`."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from patron.accounts.models import Role, Team, User, UserRole
from patron.catalog.models import Product, ProductFamily
from patron.companies.choices import Stage
from patron.companies.models import Company, Contact, Region
from patron.core.models import CalendarDay, CurrencyRate, Organization
from patron.demo.reference import DEMO_LOGINS, calendar_days
from patron.demo.world import world_generate
from patron.lifecycle.models import CompanyMonth
from patron.sales.models import Order, OrderLine

pytestmark = pytest.mark.django_db(transaction=False)

SEED = 7
THROUGH = 2026 * 12 + 5  # 2026-06

EXPECTED = {
    "companies": 300,
    "contacts": 586,
    "orders": 1_514,
    "lines": 2_111,
    "users": 30,
    "teams": 5,
}


def generate(**kwargs: object) -> None:
    world_generate(size="tiny", seed=SEED, through=THROUGH, **kwargs)  # type: ignore[arg-type]


def order_totals() -> dict[str, Decimal]:
    return dict(Order.objects.values_list("external_id", "total_amount"))


def test_tiny_world_has_the_promised_shape() -> None:
    generate()
    organization = Organization.objects.get_default()
    assert organization.name == "Oray Network 上海"
    assert (organization.time_zone, organization.currency) == ("Asia/Shanghai", "CNY")
    assert CurrencyRate.objects.get(organization=organization, currency="USD").rate == Decimal(
        "7.12"
    )

    counts = {
        "companies": Company.objects.count(),
        "contacts": Contact.objects.count(),
        "orders": Order.objects.filter(opportunity__isnull=True).count(),  # not the funnel's
        "lines": OrderLine.objects.filter(order__opportunity__isnull=True).count(),
        "users": User.objects.count(),
        "teams": Team.objects.count(),
    }
    assert counts == EXPECTED

    # every order has at least one line, and its total is the sum of its lines
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, amount, base_amount in OrderLine.objects.values_list(
        "order_id", "amount", "base_amount"
    ):
        assert base_amount == amount
        sums[order_id] += amount
    totals = dict(Order.objects.values_list("id", "total_amount"))
    assert set(sums) == set(totals)
    assert all(sums[i].quantize(Decimal("0.01")) == totals[i] for i in totals)

    # statuses: mostly paid, some open, about 3% cancelled or refunded
    statuses = dict.fromkeys(["paid", "open", "cancelled", "refunded"], 0)
    for status in Order.objects.values_list("status", flat=True):
        statuses[status] += 1
    assert statuses["paid"] > statuses["open"] > 0
    void_share = (statuses["cancelled"] + statuses["refunded"]) / counts["orders"]
    assert 0.015 < void_share < 0.05
    assert Order.objects.filter(status="open", paid_date__isnull=True).count() == statuses["open"]
    assert Order.objects.filter(due_date__isnull=True).count() == 0

    # subscriptions carry service periods; one-time products do not
    assert (
        OrderLine.objects.filter(product__is_subscription=True, service_start__isnull=True).count()
        == 0
    )
    assert (
        OrderLine.objects.filter(
            product__is_subscription=False, service_start__isnull=False
        ).count()
        == 0
    )

    # the catalogue: dynamic DNS and the other families
    families = set(ProductFamily.objects.values_list("code", flat=True))
    assert families == {"ddns", "email", "site", "monitor", "ssl", "hosting", "remote", "sdwan"}
    assert Product.objects.filter(family__code="ddns").count() == 6
    bought = set(OrderLine.objects.values_list("product__family__code", flat=True).distinct())
    assert bought == families  # cross-sell reached every family

    # Chinese and English names, real regions
    names = list(Company.objects.values_list("name", flat=True))
    chinese = sum(1 for n in names if "有限公司" in n)
    english = sum(1 for n in names if n.isascii())
    assert chinese > english > 0
    assert chinese + english == len(names)
    suzhou = Region.objects.get(code="CN-JS-SUZHOU")
    jiangsu = suzhou.parent
    assert jiangsu is not None
    assert jiangsu.parent is not None
    assert (suzhou.name, suzhou.name_en, jiangsu.name, jiangsu.parent.name) == (
        "苏州",
        "Suzhou",
        "江苏",
        "中国",
    )
    assert Region.objects.filter(level=1).count() == 31
    assert Company.objects.filter(region__level=2).count() == 300

    # sales force: every role, owners are BDMs, first orders by BDMs
    roles = set(UserRole.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    bdm_ids = set(UserRole.objects.filter(role="bdm").values_list("user_id", flat=True))
    bdm_ids |= set(UserRole.objects.filter(role="ae").values_list("user_id", flat=True))  # funnel
    first_sellers = set()
    for company_id, seller_id in Order.objects.order_by(
        "company_id", "order_date", "id"
    ).values_list("company_id", "seller_id"):
        if company_id not in first_sellers:
            first_sellers.add(company_id)
            assert seller_id in bdm_ids

    # calendar: China's 2026 Spring Festival and its adjusted working Saturday
    assert CalendarDay.objects.get(date="2026-02-17").is_working is False
    assert CalendarDay.objects.get(date="2026-02-14").is_working is True

    # the lifecycle engine ran: companies at every stage over the window
    stages = set(CompanyMonth.objects.values_list("stage", flat=True).distinct())
    assert stages == {Stage.NEW_CUSTOMER, Stage.ACCOUNT, Stage.VISITOR, Stage.LAPSED}
    assert Company.objects.filter(stage=Stage.PROSPECT).exists()


def test_same_seed_gives_the_same_orders() -> None:
    generate(recompute=False)
    first = order_totals()
    lines_first = list(
        OrderLine.objects.order_by("order__external_id", "line_no").values_list(
            "order__external_id", "product__sku", "quantity", "amount", "service_end"
        )
    )
    generate(recompute=False, reset=True)
    assert order_totals() == first
    assert (
        list(
            OrderLine.objects.order_by("order__external_id", "line_no").values_list(
                "order__external_id", "product__sku", "quantity", "amount", "service_end"
            )
        )
        == lines_first
    )
    assert Company.objects.count() == EXPECTED["companies"]


def test_refuses_to_generate_over_existing_companies() -> None:
    generate(recompute=False)
    before = (Company.objects.count(), Order.objects.count(), OrderLine.objects.count())
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate", "--size", "tiny", "--skip-lifecycle", stdout=StringIO())
    assert (Company.objects.count(), Order.objects.count(), OrderLine.objects.count()) == before


def test_export_writes_the_import_formats(tmp_path: Path) -> None:
    generate(recompute=False, export_dir=tmp_path)
    orders = pl.read_csv(tmp_path / "orders.csv", infer_schema=False)
    assert orders.columns == [
        "order_id",
        "company_id",
        "company_name",
        "order_date",
        "status",
        "seller",
        "product_sku",
        "quantity",
        "amount",
        "cost",
        "discount_pct",
        "currency",
        "service_start",
        "service_end",
        "due_date",
        "paid_date",
    ]
    assert orders.height == EXPECTED["lines"]
    assert orders["order_id"].n_unique() == EXPECTED["orders"]
    companies = pl.read_csv(tmp_path / "companies.csv", infer_schema=False)
    assert companies.columns == [
        "external_id",
        "name",
        "industry",
        "region",
        "size",
        "owner",
        "is_reference",
        "market_potential",
        "credit_rating",
        "website",
        "phone",
        "address",
    ]
    assert companies.height == EXPECTED["companies"]
    contacts = pl.read_csv(tmp_path / "contacts.csv", infer_schema=False)
    assert contacts.columns == [
        "external_id",
        "company_id",
        "name",
        "title",
        "email",
        "phone",
        "buying_role",
    ]
    assert contacts.height == EXPECTED["contacts"]
    products = pl.read_csv(tmp_path / "products.csv", infer_schema=False)
    assert products.columns == [
        "sku",
        "name",
        "family",
        "family_name",
        "list_price",
        "unit_cost",
        "currency",
        "is_subscription",
    ]
    assert products.height == Product.objects.count()
    # the first exported line matches the database
    first = orders.row(0, named=True)
    order = Order.objects.get(external_id=first["order_id"])
    line = order.lines.get(line_no=1)
    assert (first["company_id"], first["product_sku"], Decimal(first["amount"])) == (
        order.company.external_id,
        line.product.sku,
        line.amount,
    )


def test_calendar_days_mark_holidays_and_adjusted_working_days() -> None:
    days = {day.isoformat(): working for day, working, _name in calendar_days([2026])}
    assert days["2026-10-01"] is False
    assert days["2026-10-10"] is True  # a Saturday worked for the National Day week
    assert "2026-10-03" not in days  # a Saturday holiday is already a day off


def test_patron_demo_twice_reuses_the_data_and_prints_the_logins() -> None:
    out = StringIO()
    call_command("demo", "--size", "tiny", "--no-serve", stdout=out)
    counts = (Company.objects.count(), Order.objects.count(), User.objects.count())
    assert counts[0] == EXPECTED["companies"]
    text = out.getvalue()
    for role, username in DEMO_LOGINS:
        assert f"{role}" in text
        assert username in text
    assert "patron-demo" in text
    assert "http://127.0.0.1:8000/" in text

    again = StringIO()
    call_command("demo", "--size", "tiny", "--no-serve", stdout=again)
    assert (Company.objects.count(), Order.objects.count(), User.objects.count()) == counts
    assert "Reusing the existing data" in again.getvalue()
    assert "patron-demo" in again.getvalue()
    admin = User.objects.get(username="admin")
    assert admin.check_password("patron-demo")
    assert User.objects.get(username="bdm").has_role(Role.BDM)
