"""Big loads rebuild indexes and validate foreign keys once; nothing is lost or unchecked."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from patron.accounts.models import User
from patron.catalog.models import Product
from patron.companies.models import Region
from patron.core.bulk import deferred_foreign_keys
from patron.core.frames import insert_frame
from patron.core.models import AuditEvent, Organization
from patron.funnel.models import Opportunity
from patron.funnel.services import stages_ensure
from patron.imports.models import ImportRun
from patron.imports.services import ImportResult
from patron.imports.writers import partial_indexes_left_empty
from patron.leads.models import Lead
from patron.sales.models import Order, OrderLine

ORDERS = "order_id,company_id,company_name,order_date,status,product_sku,quantity,amount\n"
# the opportunities reference the orders, whose primary key a big load builds again
TABLES = [
    Order._meta.db_table,
    OrderLine._meta.db_table,
    AuditEvent._meta.db_table,
    Opportunity._meta.db_table,
]


def schema_of(table: str) -> dict[str, tuple[object, ...]]:
    """The table's constraints and indexes, and its columns' defaults (a big load sets its
    constants as defaults for the load)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        columns = connection.introspection.get_table_description(cursor, table)
    return {
        **{
            name: (bool(c["unique"]), bool(c["index"]), tuple(c["columns"]), c["foreign_key"])
            for name, c in constraints.items()
        },
        **{f"default of {column.name}": (column.default,) for column in columns},
    }


def test_a_dangling_reference_fails_even_with_deferred_foreign_keys(
    organization: Organization, catalog: dict[str, Product]
) -> None:
    table = OrderLine._meta.db_table
    before = schema_of(table)
    line = pl.DataFrame(
        {
            "order_id": [987_654_321],
            "product_id": [catalog["DDNS-PRO"].pk],
            "line_no": [1],
            "quantity": ["1.00"],
            "amount": ["10.00"],
            "base_amount": ["10.00"],
            "cost": ["0.00"],
            "discount_pct": ["0.00"],
        }
    )
    constants = {
        "organization_id": organization.pk,
        "created_at": "2024-01-01 00:00:00",
        "updated_at": "2024-01-01 00:00:00",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        with deferred_foreign_keys([table]):
            insert_frame(table, line, constants)
        connection.check_constraints(table_names=[table])  # SQLite checks deferred keys here
    assert schema_of(table) == before
    assert OrderLine.objects.count() == 0


def test_a_big_import_keeps_every_index_and_foreign_key(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    organization: Organization,
    file_size_paths: str,
) -> None:
    before = {table: schema_of(table) for table in TABLES}
    path = write_csv(
        "orders.csv",
        ORDERS + "SO-1,C-1,One,2024-01-15,paid,DDNS-PRO,2,398.00\n"
        "SO-1,C-1,One,2024-01-15,paid,MAIL-10,1,100\n"
        "SO-2,C-2,Two,2024-02-01,open,MAIL-10,1,50\n",
    )
    result = run("orders", path, recompute_lifecycle=False)
    assert (result.created, result.rejected) == (2, 0)
    assert {table: schema_of(table) for table in TABLES} == before
    assert sorted(OrderLine.objects.values_list("order__external_id", "line_no")) == [
        ("SO-1", 1),
        ("SO-1", 2),
        ("SO-2", 1),
    ]
    # the created orders name their run instead of one audit row each; the constants of
    # every row are written
    import_run = ImportRun.objects.get(pk=result.run_id)
    stored = Order.objects.values_list(
        "external_id", "created_by_import", "organization", "created_at", "updated_at"
    )
    assert {
        (
            external_id,
            run_id,
            organization_id,
            import_run.created_at <= created_at <= import_run.finished_at,
            updated_at == created_at,
        )
        for external_id, run_id, organization_id, created_at, updated_at in stored
    } == {
        ("SO-1", result.run_id, organization.pk, True, True),
        ("SO-2", result.run_id, organization.pk, True, True),
    }
    assert set(OrderLine.objects.values_list("organization", flat=True)) == {organization.pk}
    assert AuditEvent.objects.filter(action="import_create").count() == 0


def test_a_big_load_of_orders_keeps_an_opportunity_linked_to_an_earlier_order(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    catalog: dict[str, Product],
    organization: Organization,
    file_size_paths: str,
) -> None:
    """A big load builds the orders' primary key again; the opportunities' key to an order is
    dropped with it and validated again afterwards, and still links the same order."""
    run("orders", write_csv("first.csv", ORDERS + "SO-1,C-1,One,2024-01-15,paid,MAIL-10,1,100\n"))
    first = Order.objects.get(external_id="SO-1")
    deal = Opportunity.objects.create(
        organization=organization,
        external_id="OP-1",
        name="Mail for One",
        company=first.company,
        stage=stages_ensure(organization)[0],
        status="won",
        order=first,
        closed_at=first.created_at,
    )
    before = {table: schema_of(table) for table in TABLES}

    result = run(
        "orders",
        write_csv(
            "second.csv",
            ORDERS
            + "SO-2,C-2,Two,2024-02-01,paid,MAIL-10,1,50\n"
            + "SO-3,C-3,Three,2024-03-01,paid,DDNS-PRO,1,199\n",
        ),
        recompute_lifecycle=False,
    )

    assert (result.created, result.rejected) == (2, 0)
    assert {table: schema_of(table) for table in TABLES} == before
    deal.refresh_from_db()
    assert (deal.order_id, Order.objects.get(external_id="SO-1").pk) == (first.pk, first.pk)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["SO-1", "SO-2", "SO-3"]


def test_a_big_lead_list_keeps_the_partial_indexes_it_adds_no_row_to(
    run: Callable[..., ImportResult],
    write_csv: Callable[..., Path],
    regions: dict[str, Region],
    seller: User,
    file_size_paths: str,
) -> None:
    """A bulk load of leads rebuilds the indexes it fills, keeps the partial indexes over the
    columns it leaves empty (company, contact, merged into) and ends with every index."""
    table = Lead._meta.db_table
    before = schema_of(table)
    path = write_csv(
        "leads.csv",
        "lead_id,company_name,contact_name,email,region,owner,created_at\n"
        "L1,苏州精密机械有限公司,王强,wq@example.cn,CN-SH,bdm1,2026-03-01 09:30\n"
        "L2,Acme Ltd.,Anna Lee,anna@acme.com,CN-ZJ,,2026-03-02\n",
    )
    with CaptureQueriesContext(connection) as queries:
        result = run("leads", path)

    dropped = {
        name for query in queries for name in re.findall(r'DROP INDEX "?(\w+)', query["sql"])
    }
    assert (result.created, result.rejected) == (2, 0)
    assert schema_of(table) == before
    if file_size_paths == "big-file":  # the bulk path
        assert {"lead_email_key", "lead_name_key", "lead_owner_mql", "lead_created"} <= dropped
        assert dropped & {"lead_company", "lead_contact", "lead_merged_into"} == set()
    else:
        assert dropped == set()
    assert sorted(Lead.objects.values_list("external_id", "region__code", "owner")) == [
        ("L1", "CN-SH", seller.pk),
        ("L2", "CN-ZJ", None),
    ]


@pytest.mark.parametrize(
    ("columns", "constants", "kept"),
    [
        (
            ["external_id", "owner_id"],
            {"organization_id": 1, "mql_at": None},
            ["lead_company", "lead_contact", "lead_merged_into"],
        ),
        (
            ["external_id", "company_id"],
            {"organization_id": 1},
            ["lead_contact", "lead_merged_into"],
        ),
        (
            ["external_id"],
            {"organization_id": 1, "contact_id": 7, "mql_at": "2026-03-01"},
            ["lead_company", "lead_merged_into"],
        ),
    ],
    ids=["a plain list", "with companies", "constant contact"],
)
def test_a_load_keeps_the_partial_indexes_whose_columns_it_leaves_empty(
    columns: list[str], constants: dict[str, object], kept: list[str]
) -> None:
    # the MQL indexes also hold the organization, which every load writes
    assert partial_indexes_left_empty(Lead, columns, constants) == kept
