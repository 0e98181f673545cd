from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from patron.accounts.models import Team, User
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Company, Region
from patron.core.models import CurrencyRate, Organization
from patron.imports.services import ImportResult, import_file


@pytest.fixture(params=["small-file", "big-file"], autouse=True)
def file_size_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every import test twice: as written, and with the thresholds of the big-file paths
    lowered to 1 (parse once per distinct value, keys sent as one array parameter, a table
    the keys mostly cover read whole, indexes rebuilt and foreign keys validated once after
    the load), so both paths give the same results."""
    if request.param == "big-file":
        from patron.core import frames
        from patron.imports import validation, writers
        from patron.imports.kinds import common

        monkeypatch.setattr(validation, "DISTINCT_THRESHOLD", 0)
        monkeypatch.setattr(frames, "FEW_VALUES", 1)
        monkeypatch.setattr(writers, "BULK_ROWS", 1)
        monkeypatch.setattr(common, "FULL_READ_KEYS", 1)
    return str(request.param)


@pytest.fixture
def seller(user_factory: Callable[..., User], team: Team) -> User:
    return user_factory("bdm1", roles=["bdm"], team=team)


@pytest.fixture
def regions(db: None) -> dict[str, Region]:
    china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
    shanghai = Region.objects.create(
        code="CN-SH", name="上海市", name_en="Shanghai", parent=china, level=1
    )
    zhejiang = Region.objects.create(
        code="CN-ZJ", name="浙江省", name_en="Zhejiang", parent=china, level=1
    )
    return {"CN": china, "CN-SH": shanghai, "CN-ZJ": zhejiang}


@pytest.fixture
def catalog(organization: Organization) -> dict[str, Product]:
    ddns = ProductFamily.objects.create(organization=organization, code="ddns", name="DDNS")
    mail = ProductFamily.objects.create(organization=organization, code="email", name="Email")
    return {
        "DDNS-PRO": Product.objects.create(
            organization=organization, sku="DDNS-PRO", name="DDNS Pro", family=ddns
        ),
        "MAIL-10": Product.objects.create(
            organization=organization, sku="MAIL-10", name="Mail 10", family=mail
        ),
    }


@pytest.fixture
def company(organization: Organization) -> Company:
    return Company.objects.create(organization=organization, external_id="C-1", name="Existing Co")


@pytest.fixture
def usd_rate(organization: Organization) -> CurrencyRate:
    return CurrencyRate.objects.create(
        organization=organization, currency="USD", rate=Decimal("7.10000000")
    )


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def run(organization: Organization) -> Callable[..., ImportResult]:
    def run_import(kind: str, path: Path, **options: object) -> ImportResult:
        return import_file(organization=organization, kind=kind, path=path, **options)  # type: ignore[arg-type]

    return run_import


def read_rejects(path: Path | None) -> list[dict[str, str]]:
    import csv

    assert path is not None
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
