"""Happy paths of each import kind, the sample files, encodings and XLSX."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from patron.accounts.models import User
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Contact, Region
from patron.core.models import AuditEvent, Organization
from patron.imports.models import ImportRun
from patron.imports.services import ImportResult
from patron.sales.models import Order

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"

COMPANIES = (
    "external_id,name,industry,region,size,owner,is_reference,market_potential,"
    "credit_rating,website,phone,address\n"
    "C-1,Blue Sky,software,CN-SH,medium,bdm1,yes,500000,AA,https://blue.example,021-1,Road 1\n"
    "C-2,云帆科技,Retail,浙江省,small,,否,1200.5,bbb,,,杭州\n"
    "C-3,Northwind,,Shanghai,,,,,,,,\n"
)


def test_companies_are_created_with_exact_values(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    regions: dict[str, Region],
    seller: User,
    organization: Organization,
) -> None:
    result = run("companies", write_csv("companies.csv", COMPANIES))

    assert (result.rows, result.created, result.updated, result.rejected) == (3, 3, 0, 0)
    blue = Company.objects.get(external_id="C-1")
    assert blue.name == "Blue Sky"
    assert blue.industry == "software"
    assert blue.region == regions["CN-SH"]
    assert blue.size == "medium"
    assert blue.owner == seller
    assert blue.team == seller.team
    assert blue.is_reference is True
    assert blue.market_potential == Decimal("500000.00")
    assert (blue.credit_rating, blue.website, blue.phone, blue.address) == (
        "AA",
        "https://blue.example",
        "021-1",
        "Road 1",
    )
    cloud = Company.objects.get(external_id="C-2")
    assert (cloud.name, cloud.industry, cloud.region, cloud.is_reference) == (
        "云帆科技",
        "retail",
        regions["CN-ZJ"],
        False,
    )
    assert (cloud.market_potential, cloud.credit_rating) == (Decimal("1200.50"), "BBB")
    northwind = Company.objects.get(external_id="C-3")
    assert (northwind.region, northwind.owner, northwind.market_potential) == (
        regions["CN-SH"],
        None,
        None,
    )
    run_row = ImportRun.objects.get()
    assert (run_row.kind, run_row.rows, run_row.created, run_row.is_dry_run) == (
        "companies",
        3,
        3,
        False,
    )
    # provenance instead of one audit row per created company: the run says who and when
    assert set(Company.objects.values_list("created_by_import", flat=True)) == {run_row.pk}
    assert run_row.actor_label == "system"
    assert run_row.created_at <= run_row.finished_at
    assert AuditEvent.objects.filter(action="import_create").count() == 0


def test_contacts_are_created_for_existing_companies(
    run: Callable[..., ImportResult], write_csv: Callable[..., Path], company: Company
) -> None:
    path = write_csv(
        "contacts.csv",
        "external_id,company_id,name,title,email,phone,buying_role\n"
        "P-1,C-1,Li Wei,CIO,li.wei@example.cn,138,economic_buyer\n"
        "P-2,C-1,王芳,采购经理,,,\n",
    )
    result = run("contacts", path)

    assert (result.created, result.rejected) == (2, 0)
    li = Contact.objects.get(external_id="P-1")
    assert (li.company, li.name, li.title, li.email, li.phone, li.buying_role) == (
        company,
        "Li Wei",
        "CIO",
        "li.wei@example.cn",
        "138",
        "economic_buyer",
    )
    wang = Contact.objects.get(external_id="P-2")
    assert (wang.name, wang.title, wang.email, wang.buying_role) == (
        "王芳",
        "采购经理",
        "",
        "unknown",
    )


def test_products_create_missing_families(
    run: Callable[..., ImportResult], write_csv: Callable[..., Path], catalog: dict[str, Product]
) -> None:
    path = write_csv(
        "products.csv",
        "sku,name,family,family_name,list_price,unit_cost,currency,is_subscription\n"
        "MON-1,Monitoring,monitoring,Server monitoring,500,250.5,,yes\n"
        "MON-2,Monitoring plus,monitoring,,900.00,300,cny,0\n"
        "SSL-1,Certificate,ssl,,99,,,\n",
    )
    result = run("products", path)

    assert (result.created, result.rejected) == (3, 0)
    monitoring = ProductFamily.objects.get(code="monitoring")
    assert monitoring.name == "Server monitoring"
    assert ProductFamily.objects.get(code="ssl").name == "ssl"
    product = Product.objects.get(sku="MON-1")
    assert (product.family, product.list_price, product.unit_cost) == (
        monitoring,
        Decimal("500.00"),
        Decimal("250.50"),
    )
    assert (product.currency, product.is_subscription) == ("CNY", True)
    assert Product.objects.get(sku="MON-2").is_subscription is False
    assert Product.objects.get(sku="SSL-1").unit_cost == Decimal("0.00")
    assert ProductFamily.objects.count() == 4


def test_orders_group_lines_and_create_companies(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
    seller: User,
) -> None:
    path = write_csv(
        "orders.csv",
        "order_id,company_id,company_name,order_date,status,seller,product_sku,quantity,amount,"
        "cost,discount_pct,currency,service_start,service_end,due_date,paid_date\n"
        "SO-1,C-1,,2024-01-15,paid,bdm1,DDNS-PRO,2,398.00,40,0,CNY,2024-01-15,2025-01-14,"
        "2024-02-14,2024-02-01\n"
        "SO-2,C-9,深圳新客户,2024/03/02,open,,MAIL-10,1,1200,,,,,,,\n"
        "SO-1,C-1,,2024-01-15,paid,bdm1,MAIL-10,1,450.5,250,10,CNY,,,2024-02-14,2024-02-01\n",
    )
    result = run("orders", path)

    assert (result.rows, result.created, result.updated, result.rejected) == (3, 2, 0, 0)
    first = Order.objects.get(external_id="SO-1")
    assert (first.company, first.order_date, first.status, first.seller) == (
        company,
        dt.date(2024, 1, 15),
        "paid",
        seller,
    )
    assert (first.currency, first.fx_rate, first.total_amount) == (
        "CNY",
        Decimal("1"),
        Decimal("848.50"),
    )
    assert (first.due_date, first.paid_date) == (dt.date(2024, 2, 14), dt.date(2024, 2, 1))
    lines = list(first.lines.order_by("line_no"))
    assert [(line.line_no, line.product.sku) for line in lines] == [
        (1, "DDNS-PRO"),
        (2, "MAIL-10"),
    ]
    assert (lines[0].quantity, lines[0].amount, lines[0].base_amount, lines[0].cost) == (
        Decimal("2.00"),
        Decimal("398.00"),
        Decimal("398.00"),
        Decimal("40.00"),
    )
    assert (lines[0].service_start, lines[0].service_end) == (
        dt.date(2024, 1, 15),
        dt.date(2025, 1, 14),
    )
    assert (lines[1].discount_pct, lines[1].service_start) == (Decimal("10.00"), None)
    second = Order.objects.get(external_id="SO-2")
    assert (second.company.external_id, second.company.name) == ("C-9", "深圳新客户")
    assert (second.order_date, second.status, second.total_amount) == (
        dt.date(2024, 3, 2),
        "open",
        Decimal("1200.00"),
    )
    assert second.lines.get().cost == Decimal("0.00")
    assert result.affected_company_ids == sorted([company.pk, second.company_id])
    assert Order.objects.get(external_id="SO-1").created_by_import_id == result.run_id
    assert second.company.created_by_import_id == result.run_id
    assert company.created_by_import_id is None  # it existed before the import
    assert AuditEvent.objects.filter(action="import_create").count() == 0


@pytest.mark.parametrize(
    ("kind", "created"),
    [("companies", 3), ("contacts", 3), ("products", 4), ("orders", 3), ("triggers", 3)],
)
def test_sample_files_import_cleanly(
    run: Callable[..., ImportResult], kind: str, created: int
) -> None:
    for earlier in ("companies", "contacts", "products", "orders", "triggers"):
        if earlier == kind:
            break
        run(earlier, SAMPLES / f"{earlier}.csv")
    result = run(kind, SAMPLES / f"{kind}.csv")

    assert (result.created, result.rejected) == (created, 0)
    assert result.rejects_path is None


@pytest.mark.parametrize(("encoding", "prefix"), [("utf-8", b"\xef\xbb\xbf"), ("gbk", b"")])
def test_bom_and_gbk_files_keep_chinese_names(
    run: Callable[..., ImportResult], tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    text = "external_id,name,address\nC-1,杭州云帆科技有限公司,西湖区文三路\nC-2,上海蓝天,浦东\n"
    path = tmp_path / "companies.csv"
    path.write_bytes(prefix + text.encode(encoding))

    result = run("companies", path)

    assert (result.created, result.rejected) == (2, 0)
    assert result.encoding == ("utf-8-sig" if prefix else "gb18030")
    assert Company.objects.get(external_id="C-1").name == "杭州云帆科技有限公司"
    assert Company.objects.get(external_id="C-1").address == "西湖区文三路"
    assert Company.objects.get(external_id="C-2").name == "上海蓝天"


def test_xlsx_with_numbers_and_date_cells(
    run: Callable[..., ImportResult], tmp_path: Path, catalog: dict[str, Product]
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            *("order_id", "company_id", "company_name", "order_date", "status"),
            *("product_sku", "quantity", "amount"),
        ]
    )
    sheet.append([1001, 501, "上海蓝天", dt.datetime(2024, 5, 6), "paid", "DDNS-PRO", 3, 597.5])
    sheet.append([1001, 501, "上海蓝天", dt.datetime(2024, 5, 6), "paid", "MAIL-10", 1, 1200])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)

    result = run("orders", path)

    assert (result.created, result.rejected, result.encoding) == (1, 0, "xlsx")
    order = Order.objects.get(external_id="1001")
    assert (order.company.external_id, order.company.name) == ("501", "上海蓝天")
    assert (order.order_date, order.total_amount) == (dt.date(2024, 5, 6), Decimal("1797.50"))
    assert list(order.lines.order_by("line_no").values_list("quantity", flat=True)) == [
        Decimal("3.00"),
        Decimal("1.00"),
    ]


def test_time_zone_conversion_of_order_dates(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
) -> None:
    path = write_csv(
        "orders.csv",
        "order_id,company_id,order_date,status,product_sku,quantity,amount\n"
        "SO-Z,C-1,2024-01-31T20:00:00Z,paid,DDNS-PRO,1,10\n"  # 2024-02-01 04:00 in Shanghai
        "SO-P,C-1,2024-01-31T23:30:00+08:00,paid,DDNS-PRO,1,10\n"  # already local
        "SO-N,C-1,2024-02-29 23:59:59,paid,DDNS-PRO,1,10\n"  # no offset: taken as written
        "SO-M,C-1,2024-03-01T01:00:00-0500,paid,DDNS-PRO,1,10\n",  # 14:00 in Shanghai
    )
    result = run("orders", path)

    assert (result.created, result.rejected) == (4, 0)
    dates = dict(Order.objects.values_list("external_id", "order_date"))
    assert dates == {
        "SO-Z": dt.date(2024, 2, 1),
        "SO-P": dt.date(2024, 1, 31),
        "SO-N": dt.date(2024, 2, 29),
        "SO-M": dt.date(2024, 3, 1),
    }


def test_currency_conversion_uses_the_rate(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
    usd_rate: object,
) -> None:
    path = write_csv(
        "orders.csv",
        "order_id,company_id,order_date,status,product_sku,quantity,amount,currency\n"
        "SO-USD,C-1,2024-01-05,paid,DDNS-PRO,1,100.05,usd\n"
        "SO-USD,C-1,2024-01-05,paid,MAIL-10,2,0.07,USD\n"
        "SO-EUR,C-1,2024-01-05,paid,DDNS-PRO,1,10,EUR\n",
    )
    result = run("orders", path)

    assert (result.created, result.rejected) == (1, 1)
    order = Order.objects.get(external_id="SO-USD")
    assert (order.currency, order.fx_rate, order.total_amount) == (
        "USD",
        Decimal("7.10000000"),
        Decimal("100.12"),
    )
    assert list(order.lines.order_by("line_no").values_list("amount", "base_amount")) == [
        (Decimal("100.05"), Decimal("710.36")),  # 710.355 rounds half away from zero
        (Decimal("0.07"), Decimal("0.50")),  # 0.497
    ]
    assert not Order.objects.filter(external_id="SO-EUR").exists()
