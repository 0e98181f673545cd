"""Write the generated world as CSV files in the import formats of docs/import.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from patron.demo.catalog_data import FAMILIES, PRODUCTS
from patron.demo.people import SIZE_CODES, Companies, Contacts
from patron.demo.reference import CityRow
from patron.demo.simulate import Simulation

if TYPE_CHECKING:
    from patron.demo.world import WrittenIds


def _dates(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype("datetime64[D]")).cast(pl.Date)


def _money(cents: np.ndarray) -> pl.Expr:
    return pl.lit(pl.Series(cents)).cast(pl.Decimal(16, 2)) / 100


def world_export(
    directory: Path,
    companies: Companies,
    contacts: Contacts,
    sim: Simulation,
    ids: WrittenIds,
    *,
    cities: list[CityRow],
    usernames: dict[int, str],
) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    city_codes = np.array([c.code for c in cities], dtype=object)
    owner_names = np.array([usernames[u] for u in ids.company_owner.tolist()], dtype=object)
    company_frame = pl.DataFrame(
        {
            "external_id": companies.external_id,
            "name": companies.name,
            "industry": companies.industry,
            "region": city_codes[companies.city].tolist(),
            "size": [SIZE_CODES[s] for s in companies.size.tolist()],
            "owner": owner_names.tolist(),
            "is_reference": ["yes" if r else "no" for r in ids.is_reference.tolist()],
            "market_potential": companies.market_potential,
            "credit_rating": companies.credit_rating,
            "website": companies.website,
            "phone": companies.phone,
            "address": companies.address,
        }
    )
    external = np.array(companies.external_id, dtype=object)
    contact_frame = pl.DataFrame(
        {
            "external_id": contacts.external_id,
            "company_id": external[contacts.company].tolist(),
            "name": contacts.name,
            "title": contacts.title,
            "email": contacts.email,
            "phone": contacts.phone,
            "buying_role": contacts.buying_role,
        }
    )
    family_names = {f.code: f.name_en for f in FAMILIES}
    product_frame = pl.DataFrame(
        {
            "sku": [p.sku for p in PRODUCTS],
            "name": [p.name for p in PRODUCTS],
            "family": [p.family for p in PRODUCTS],
            "family_name": [family_names[p.family] for p in PRODUCTS],
            "list_price": [str(p.list_price) for p in PRODUCTS],
            "unit_cost": [str(p.unit_cost) for p in PRODUCTS],
            "currency": ["CNY"] * len(PRODUCTS),
            "is_subscription": ["yes" if p.is_subscription else "no" for p in PRODUCTS],
        }
    )
    order_of_line = sim.line_order
    skus = np.array([p.sku for p in PRODUCTS], dtype=object)
    sellers = np.array([usernames.get(u, "") for u in sim.order_seller.tolist()], dtype=object)
    order_ids = np.array(ids.order_external, dtype=object)
    line_company = sim.order_company[order_of_line]
    names = np.array(companies.name, dtype=object)
    order_frame = pl.DataFrame(
        {
            "order_id": order_ids[order_of_line].tolist(),
            "company_id": external[line_company].tolist(),
            "company_name": names[line_company].tolist(),
            "order_date": _dates(sim.order_date[order_of_line]),
            "status": sim.order_status[order_of_line].tolist(),
            "seller": sellers[order_of_line].tolist(),
            "product_sku": skus[sim.line_product].tolist(),
            "quantity": sim.line_quantity,
        }
    ).with_columns(
        amount=_money(sim.line_amount),
        cost=_money(sim.line_cost),
        discount_pct=pl.Series(sim.line_discount),
        currency=pl.lit("CNY"),
        service_start=_dates(sim.line_start),
        service_end=_dates(sim.line_end),
        due_date=_dates(sim.order_due[order_of_line]),
        paid_date=_dates(sim.order_paid[order_of_line]),
    )
    frames = {
        "companies": company_frame,
        "contacts": contact_frame,
        "products": product_frame,
        "orders": order_frame,
    }
    for name, frame in frames.items():
        frame.write_csv(directory / f"{name}.csv")
    return {name: frame.height for name, frame in frames.items()}
