"""Bad rows go to the rejects file with row, field and reason; good rows are imported;
re-imports update; dry runs write nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from patron.accounts.models import User
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Contact, Region
from patron.core.models import AuditEvent
from patron.imports.models import ImportRun
from patron.imports.readers import ImportFileError
from patron.imports.services import ImportResult
from patron.sales.models import Order, OrderLine
from tests.imports.conftest import read_rejects

ORDER_HEADER = (
    "order_id,company_id,company_name,order_date,status,seller,product_sku,quantity,amount,"
    "cost,discount_pct,currency,service_start,service_end,due_date,paid_date\n"
)


def table_counts() -> dict[str, int]:
    models = (Company, Contact, Product, ProductFamily, Order, OrderLine, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


def test_each_bad_order_line_is_reported_and_good_orders_are_imported(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
    seller: User,
) -> None:
    long_id = "X" * 65
    path = write_csv(
        "orders.csv",
        ORDER_HEADER
        + "OK-1,C-1,,2024-01-05,paid,bdm1,DDNS-PRO,1,10,,,,,,,\n"  # row 2: good
        + "B-1,C-1,,2024-01-05,paid,,NOPE,1,10,,,,,,,\n"  # 3 unknown product
        + "B-2,C-1,,2024-13-45,paid,,DDNS-PRO,1,10,,,,,,,\n"  # 4 bad date
        + "B-3,C-1,,2024-01-05,paid,,DDNS-PRO,-1,10,,,,,,,\n"  # 5 negative quantity
        + "B-4,C-1,,2024-01-05,paid,,DDNS-PRO,0,10,,,,,,,\n"  # 6 zero quantity
        + "B-5,C-1,,2024-01-05,paid,,DDNS-PRO,1,-10,,,,,,,\n"  # 7 negative amount
        + "B-6,C-1,,,paid,,DDNS-PRO,1,10,,,,,,,\n"  # 8 missing order_date
        + "B-7,C-1,,2024-01-05,shipped,,DDNS-PRO,1,10,,,,,,,\n"  # 9 bad status
        + "B-8,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,2024-02-01,2024-01-01,,\n"  # 10
        + "B-9,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,101,,,,,\n"  # 11 discount > 100
        + f"{long_id},C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"  # 12 too long
        + "B-11,C-1,,2024-01-05,paid,ghost,DDNS-PRO,1,10,,,,,,,\n"  # 13 unknown seller
        + "B-12,C-404,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"  # 14 unknown company
        + "B-13,C-1,,2024-01-05,paid,,DDNS-PRO,1,abc,,,,,,,\n"  # 15 not a number
        + "B-14,C-1,,2024-01-05,paid,,DDNS-PRO,1,1.234,,,,,,,\n"  # 16 too many decimals
        + "B-15,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,EUR,,,,\n"  # 17 no exchange rate
        + "OK-2,C-1,,2024/01/06 10:00,open,,MAIL-10,2,20.5,,,,,,,\n",  # 18: good
    )
    result = run("orders", path)

    assert (result.rows, result.created, result.rejected) == (17, 2, 15)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"OK-1", "OK-2"}
    assert result.rejects_path == path.with_name("orders.rejects.csv")
    rejects = read_rejects(result.rejects_path)
    found = [(row["row"], row["field"], row["reason"]) for row in rejects]
    assert found == [
        ("3", "product_sku", "product_sku: no product with this SKU"),
        ("4", "order_date", "order_date is not a valid date (use YYYY-MM-DD)"),
        ("5", "quantity", "quantity must be greater than 0"),
        ("6", "quantity", "quantity must be greater than 0"),
        ("7", "amount", "amount must not be negative"),
        ("8", "order_date", "order_date is required"),
        ("9", "status", "status must be one of: paid, open, cancelled, refunded"),
        ("10", "service_end", "service_end is before service_start"),
        ("11", "discount_pct", "discount_pct must be between 0 and 100"),
        ("12", "order_id", "order_id is longer than 64 characters"),
        ("13", "seller", "seller: no user with this username"),
        (
            "14",
            "company_id",
            "company_id: no company with this external_id (give company_name to create it)",
        ),
        ("15", "amount", "amount is not a number"),
        ("16", "amount", "amount has more than 2 decimal places"),
        (
            "17",
            "currency",
            "currency must be CNY (other currencies need an exchange rate)",
        ),
    ]
    # the original columns follow, as they were in the file
    assert list(rejects[0].keys())[:4] == ["row", "field", "reason", "order_id"]
    assert (rejects[0]["order_id"], rejects[0]["product_sku"]) == ("B-1", "NOPE")


def test_an_order_with_one_bad_line_is_rejected_whole(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
) -> None:
    path = write_csv(
        "orders.csv",
        ORDER_HEADER
        + "SO-1,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-2,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-1,C-1,,2024-01-05,paid,,DDNS-PRO,x,10,,,,,,,\n"
        + "SO-1,C-1,,2024-01-05,paid,,MAIL-10,1,10,,,,,,,\n"
        + "SO-3,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-3,C-1,,2024-01-06,paid,,DDNS-PRO,1,10,,,,,,,\n",
    )
    result = run("orders", path)

    assert (result.created, result.rejected) == (1, 5)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["SO-2"]
    assert OrderLine.objects.count() == 1
    rejects = [(r["row"], r["field"], r["reason"]) for r in read_rejects(result.rejects_path)]
    assert rejects == [
        ("2", "order_id", "another line of order SO-1 was rejected"),
        ("4", "quantity", "quantity is not a number"),
        ("5", "order_id", "another line of order SO-1 was rejected"),
        ("6", "order_id", "another line of order SO-3 was rejected"),
        ("7", "order_date", "order_date differs from the first line of this order (row 6)"),
    ]


def test_bad_company_contact_and_product_rows(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    regions: dict[str, Region],
    company: Company,
) -> None:
    companies = run(
        "companies",
        write_csv(
            "companies.csv",
            "external_id,name,region,owner,is_reference,size\n"
            "C-2,Good,CN-SH,,,\n"
            "C-3,Bad region,Atlantis,,,\n"
            "C-4,Bad owner,,nobody,,\n"
            f"C-5,{'N' * 201},,,,\n"
            "C-6,Bad flag,,,perhaps,\n"
            "C-2,Again,,,,\n",
        ),
    )
    assert (companies.created, companies.rejected) == (1, 5)
    assert [(r["row"], r["field"], r["reason"]) for r in read_rejects(companies.rejects_path)] == [
        ("3", "region", "region: unknown or ambiguous region (use the region code)"),
        ("4", "owner", "owner: no user with this username"),
        ("5", "name", "name is longer than 200 characters"),
        ("6", "is_reference", "is_reference must be true or false (or yes/no, 1/0, 是/否)"),
        ("7", "external_id", "external_id appears more than once in the file (first on row 2)"),
    ]
    contacts = run(
        "contacts",
        write_csv(
            "contacts.csv",
            "external_id,company_id,name,email,buying_role\n"
            "P-1,C-1,Li,li@example.com,ally\n"
            "P-2,C-1,Wang,not-an-email,\n"
            "P-3,C-999,Zhao,,\n"
            "P-4,C-1,,,\n"
            "P-5,C-1,Sun,,boss\n",
        ),
    )
    assert (contacts.created, contacts.rejected) == (1, 4)
    assert [(r["row"], r["field"]) for r in read_rejects(contacts.rejects_path)] == [
        ("3", "email"),
        ("4", "company_id"),
        ("5", "name"),
        ("6", "buying_role"),
    ]
    products = run(
        "products",
        write_csv(
            "products.csv",
            "sku,name,family,list_price\n"
            "S-1,Good,ddns,10\n"
            "S-2,Bad family,dns tools,10\n"
            "S-3,Negative,ddns,-1\n"
            "S-4,,ddns,\n",
        ),
    )
    assert (products.created, products.rejected) == (1, 3)
    assert [(r["row"], r["field"]) for r in read_rejects(products.rejects_path)] == [
        ("3", "family"),
        ("4", "list_price"),
        ("5", "name"),
    ]
    assert Product.objects.get().sku == "S-1"


def test_several_errors_in_one_row_are_all_named(
    run: Callable[..., ImportResult], write_csv: Callable[..., Path], catalog: dict[str, Product]
) -> None:
    result = run(
        "orders",
        write_csv(
            "orders.csv",
            ORDER_HEADER + "SO-1,C-1,Acme,yesterday,paid,,DDNS-PRO,0,10,,,,,,,\n",
        ),
    )
    rejects = read_rejects(result.rejects_path)
    assert (rejects[0]["field"], rejects[0]["reason"]) == (
        "order_date, quantity",
        "order_date is not a valid date (use YYYY-MM-DD); quantity must be greater than 0",
    )
    assert Company.objects.count() == 0


def test_reimport_updates_without_duplicates(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
) -> None:
    first = write_csv(
        "orders.csv",
        ORDER_HEADER
        + "SO-1,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-1,C-1,,2024-01-05,paid,,MAIL-10,1,20,,,,,,,\n"
        + "SO-2,C-1,,2024-01-06,open,,DDNS-PRO,1,30,,,,,,,\n",
    )
    assert run("orders", first).created == 2
    second = write_csv(
        "orders2.csv",
        ORDER_HEADER
        + "SO-1,C-1,,2024-01-05,refunded,,MAIL-10,3,60,,,,,,,\n"
        + "SO-2,C-1,,2024-01-06,open,,DDNS-PRO,1,30,,,,,,,\n"
        + "SO-3,C-1,,2024-01-07,paid,,DDNS-PRO,1,5,,,,,,,\n",
    )
    result = run("orders", second)

    assert (result.created, result.updated, result.unchanged, result.rejected) == (1, 1, 1, 0)
    assert Order.objects.count() == 3
    order = Order.objects.get(external_id="SO-1")
    assert (order.status, order.total_amount) == ("refunded", Decimal("60.00"))
    assert list(order.lines.values_list("line_no", "product__sku", "quantity", "amount")) == [
        (1, "MAIL-10", Decimal("3.00"), Decimal("60.00"))
    ]
    assert OrderLine.objects.count() == 3
    update = AuditEvent.objects.get(action="import_update", object_repr="SO-1")
    assert update.changes == {
        "status": ["paid", "refunded"],
        "total_amount": ["30.00", "60.00"],
        "lines": "changed",
        "line_count": 1,
    }
    companies = write_csv("companies.csv", "external_id,name,phone\nC-1,Existing Co,123\n")
    again = run("companies", companies)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    company.refresh_from_db()
    assert (company.name, company.phone) == ("Existing Co", "123")
    assert Company.objects.count() == 1
    assert run("companies", companies).unchanged == 1


def test_dry_run_writes_nothing_and_counts_the_same(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
) -> None:
    path = write_csv(
        "orders.csv",
        ORDER_HEADER
        + "SO-1,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-2,C-2,New Co,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-3,C-1,,2024-01-05,paid,,NOPE,1,10,,,,,,,\n",
    )
    before = table_counts()

    dry = run("orders", path, dry_run=True)

    assert table_counts() == before
    assert (dry.created, dry.updated, dry.rejected, dry.dry_run) == (2, 0, 1, True)
    assert ImportRun.objects.get().is_dry_run is True
    real = run("orders", path)
    assert (real.created, real.updated, real.rejected) == (2, 0, 1)
    assert Order.objects.count() == 2


def test_missing_required_column_stops_the_import(
    run: Callable[..., ImportResult], write_csv: Callable[..., Path]
) -> None:
    before = table_counts()
    with pytest.raises(ImportFileError, match="Required columns are missing: name"):
        run("companies", write_csv("companies.csv", "external_id,phone\nC-1,1\n"))
    assert table_counts() == before


def test_command_prints_the_summary_and_records_the_actor(
    write_csv: Callable[..., Path], organization: object, seller: User, regions: object
) -> None:
    path = write_csv("companies.csv", "external_id,name,region\nC-1,One,CN\nC-2,Two,Mars\n")
    out = StringIO()

    call_command("import", "companies", str(path), "--user", "bdm1", "--quiet", stdout=out)

    text = out.getvalue()
    assert "created 1, updated 0, unchanged 0, rejected 1" in text
    assert str(path.with_name("companies.rejects.csv")) in text
    run = ImportRun.objects.get()
    assert (run.actor, run.actor_label, run.created, run.rejected) == (seller, "bdm1", 1, 1)
    assert Company.objects.get(external_id="C-1").created_by_import_id == run.pk
    dry = StringIO()
    call_command("import", "companies", str(path), "--dry-run", stdout=dry)
    assert "Dry run: nothing was written." in dry.getvalue()
    assert "created 0, updated 0, unchanged 1, rejected 1" in dry.getvalue()
    with pytest.raises(CommandError, match="No user named ghost"):
        call_command("import", "companies", str(path), "--user", "ghost")


def test_dates_in_several_formats(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
) -> None:
    path = write_csv(
        "orders.csv",
        "order_id,company_id,order_date,status,product_sku,quantity,amount\n"
        "A,C-1,2024/1/5,paid,DDNS-PRO,1,1\n"
        "B,C-1,2024-01-05 08:30,paid,DDNS-PRO,1,1\n"
        "C,C-1,2024年3月7日,paid,DDNS-PRO,1,1\n"
        "D,C-1,2024-02-30,paid,DDNS-PRO,1,1\n"
        "E,C-1,2024-01-05 25:00,paid,DDNS-PRO,1,1\n",
    )
    result = run("orders", path)
    assert dict(Order.objects.values_list("external_id", "order_date")) == {
        "A": dt.date(2024, 1, 5),
        "B": dt.date(2024, 1, 5),
        "C": dt.date(2024, 3, 7),
    }
    assert [r["row"] for r in read_rejects(result.rejects_path)] == ["5", "6"]


def test_orders_import_recomputes_the_lifecycle_of_affected_companies(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    company: Company,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(
        "patron.lifecycle.services.lifecycle_recompute", lambda **kwargs: calls.append(kwargs)
    )
    path = write_csv(
        "orders.csv",
        ORDER_HEADER
        + "SO-1,C-1,,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n"
        + "SO-2,C-7,Seven,2024-01-05,paid,,DDNS-PRO,1,10,,,,,,,\n",
    )
    run("orders", path, dry_run=True)
    assert calls == []

    run("orders", path)

    seven = Company.objects.get(external_id="C-7")
    assert len(calls) == 1
    assert calls[0]["company_ids"] == sorted([company.pk, seven.pk])
    assert calls[0]["organization"] == company.organization
    run("orders", path)  # unchanged: nothing to recompute
    assert len(calls) == 1
