"""Reference data of the demo world: the organization, its calendar and currency rates, the
Chinese region tree, the catalogue, and the sales force (teams, users, roles).

These tables are small (hundreds of rows), so they go through the ORM's bulk methods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.contrib.auth.hashers import make_password

from patron.accounts.models import Role, Team, User, UserRole
from patron.catalog.models import Product, ProductFamily
from patron.companies.models import Region
from patron.core.audit import audit_record
from patron.core.models import AuditEvent, CalendarDay, CurrencyRate, Organization
from patron.demo.catalog_data import FAMILIES, PRODUCTS
from patron.demo.sizes import WorldSize
from patron.demo.vocab import GIVEN, SURNAMES

DATA_DIR = Path(__file__).resolve().parent / "data"
ORGANIZATION_NAME = "Oray Network 上海"
DEMO_PASSWORD = "patron-demo"  # noqa: S105 - the published demo password
# One login per role, printed by ``patron demo``: (role, username).
DEMO_LOGINS: list[tuple[str, str]] = [
    (Role.ADMIN.value, "admin"),
    (Role.MANAGER.value, "manager"),
    (Role.BDM.value, "bdm"),
    (Role.SDR.value, "sdr"),
    (Role.AE.value, "ae"),
    (Role.AM.value, "am"),
    (Role.CX_MANAGER.value, "cx"),
]
TEAM_NUMBERS = "一二三四五六七八九十"
USD_RATE = Decimal("7.12000000")


@dataclass(frozen=True)
class CityRow:
    code: str
    name: str
    name_en: str
    province: str
    province_en: str
    area_code: str
    weight: float


@dataclass
class RegionData:
    cities: list[CityRow]
    city_ids: list[int]


@dataclass
class SalesForce:
    team_ids: list[int]
    # Per telemarketing team: BDM user ids and AM user ids.
    bdms: list[list[int]]
    ams: list[list[int]]
    usernames: dict[str, int] = field(default_factory=dict)


def organization_prepare(name: str = ORGANIZATION_NAME) -> Organization:
    organization = Organization.objects.get_default()
    organization.name = name
    organization.time_zone = "Asia/Shanghai"
    organization.currency = "CNY"
    organization.save()
    CurrencyRate.objects.update_or_create(
        organization=organization, currency="USD", defaults={"rate": USD_RATE}
    )
    return organization


def calendar_days(years: list[int]) -> list[tuple[dt.date, bool, str]]:
    """China's public holidays on weekdays and its adjusted (调休) weekend working days."""
    import holidays

    china = holidays.China(years=years, categories=("public",))
    rows: list[tuple[dt.date, bool, str]] = []
    for day, name in sorted(china.items()):
        if day.year in years and day.weekday() < 5:
            rows.append((day, False, str(name)[:100]))
    for day in sorted(china.weekend_workdays):
        if day.year in years:
            rows.append((day, True, "调休上班 (adjusted working day)"))
    rows.sort()
    return rows


def calendar_prepare(organization: Organization, years: list[int]) -> int:
    rows = calendar_days(years)
    existing = set(
        CalendarDay.objects.filter(organization=organization, date__year__in=years).values_list(
            "date", flat=True
        )
    )
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(organization=organization, date=day, is_working=working, name=name)
            for day, working, name in rows
            if day not in existing
        ]
    )
    return len(rows)


def read_regions() -> list[CityRow]:
    cities: list[CityRow] = []
    province = ("", "", "", 0.0)
    city_rows: list[tuple[str, str, str, float]] = []

    def flush() -> None:
        code, name, name_en, weight = province
        total = sum(row[3] for row in city_rows)
        for city_name, city_en, area, city_weight in city_rows:
            slug = "".join(ch for ch in city_en.upper() if ch.isalnum())
            cities.append(
                CityRow(
                    f"{code}-{slug}",
                    city_name,
                    city_en,
                    name,
                    name_en,
                    area,
                    weight * city_weight / total,
                )
            )
        city_rows.clear()

    text = (DATA_DIR / "regions.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|")
        if parts[0] == "P":
            if city_rows:
                flush()
            province = (parts[1], parts[2], parts[3], float(parts[4]))
        else:
            city_rows.append((parts[1], parts[2], parts[3], float(parts[4])))
    flush()
    return cities


def regions_prepare() -> RegionData:
    """Create (or reuse) 中国 → provinces → cities; returns the cities in file order."""
    cities = read_regions()
    country, _ = Region.objects.get_or_create(
        code="CN", defaults={"name": "中国", "name_en": "China", "level": 0}
    )
    provinces: dict[str, tuple[str, str]] = {}
    for city in cities:
        provinces.setdefault(city.code.rsplit("-", 1)[0], (city.province, city.province_en))
    existing = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create(
        [
            Region(code=code, name=name, name_en=name_en, parent=country, level=1)
            for code, (name, name_en) in provinces.items()
            if code not in existing
        ]
    )
    province_ids = dict(Region.objects.filter(code__in=list(provinces)).values_list("code", "id"))
    Region.objects.bulk_create(
        [
            Region(
                code=city.code,
                name=city.name,
                name_en=city.name_en,
                parent_id=province_ids[city.code.rsplit("-", 1)[0]],
                level=2,
            )
            for city in cities
            if city.code not in existing
        ]
    )
    ids = dict(Region.objects.filter(code__in=[c.code for c in cities]).values_list("code", "id"))
    return RegionData(cities=cities, city_ids=[ids[c.code] for c in cities])


def catalog_prepare(organization: Organization) -> dict[str, int]:
    """Create (or reuse) the families and products; returns product ids by SKU."""
    existing_families = dict(
        ProductFamily.objects.filter(organization=organization).values_list("code", "id")
    )
    ProductFamily.objects.bulk_create(
        [
            ProductFamily(organization=organization, code=spec.code, name=spec.name)
            for spec in FAMILIES
            if spec.code not in existing_families
        ]
    )
    family_ids = dict(
        ProductFamily.objects.filter(organization=organization).values_list("code", "id")
    )
    existing = set(Product.objects.filter(organization=organization).values_list("sku", flat=True))
    Product.objects.bulk_create(
        [
            Product(
                organization=organization,
                sku=spec.sku,
                name=spec.name,
                family_id=family_ids[spec.family],
                list_price=spec.list_price,
                unit_cost=spec.unit_cost,
                currency="CNY",
                is_subscription=spec.is_subscription,
            )
            for spec in PRODUCTS
            if spec.sku not in existing
        ]
    )
    return dict(Product.objects.filter(organization=organization).values_list("sku", "id"))


def _person_names(rng: np.random.Generator, count: int) -> list[tuple[str, str, str]]:
    """(display name, first name, last name): mostly Chinese, about one in five English."""
    from faker.providers.person.en_US import Provider as EnglishNames

    english_first = sorted(
        set(EnglishNames.first_names_male) | set(EnglishNames.first_names_female)
    )
    weights = np.array([row[2] for row in SURNAMES])
    surnames = rng.choice(len(SURNAMES), size=count, p=weights / weights.sum())
    given_a = rng.integers(0, len(GIVEN), size=count)
    given_b = rng.integers(0, len(GIVEN), size=count)
    two_char = rng.random(count) < 0.6
    is_english = rng.random(count) < 0.2
    english = rng.integers(0, len(english_first), size=count)
    names: list[tuple[str, str, str]] = []
    for i in range(count):
        last = SURNAMES[surnames[i]][0]
        first = GIVEN[given_a[i]][0] + (GIVEN[given_b[i]][0] if two_char[i] else "")
        if is_english[i]:
            english_name = english_first[english[i]]
            surname_en = SURNAMES[surnames[i]][1].capitalize()
            names.append((f"{english_name} {surname_en} ({last}{first})", english_name, surname_en))
        else:
            names.append((last + first, first, last))
    return names


def sales_force_prepare(
    organization: Organization, size: WorldSize, rng: np.random.Generator
) -> SalesForce:
    """Teams and users. The password hash is computed once and shared by every demo user."""
    password = make_password(DEMO_PASSWORD)
    # (username, role, team index or None, is_staff)
    plan: list[tuple[str, str, int | None, bool]] = [
        ("admin", Role.ADMIN.value, None, True),
        ("manager", Role.MANAGER.value, None, False),
        ("cx", Role.CX_MANAGER.value, None, False),
    ]
    team_names = [f"上海{_team_number(i + 1)}组 Shanghai {i + 1}" for i in range(size.teams)]
    pipeline_team = size.teams  # SDRs and AEs work in their own team
    team_names.append("商机开发组 Pipeline")
    team_plan: list[tuple[list[str], list[str]]] = []
    for t in range(size.teams):
        plan.append((f"t{t + 1:02d}-lead", Role.MANAGER.value, t, False))
        n_bdm = int(rng.integers(size.bdms_per_team[0], size.bdms_per_team[1] + 1))
        n_am = int(rng.integers(size.ams_per_team[0], size.ams_per_team[1] + 1))
        bdms = [f"t{t + 1:02d}-bdm{k + 1}" for k in range(n_bdm)]
        ams = [f"t{t + 1:02d}-am{k + 1}" for k in range(n_am)]
        if t == 0:
            bdms[0], ams[0] = "bdm", "am"
        plan.extend((u, Role.BDM.value, t, False) for u in bdms)
        plan.extend((u, Role.AM.value, t, False) for u in ams)
        team_plan.append((bdms, ams))
    for k in range(size.sdrs):
        plan.append(("sdr" if k == 0 else f"sdr{k + 1}", Role.SDR.value, pipeline_team, False))
    for k in range(size.aes):
        plan.append(("ae" if k == 0 else f"ae{k + 1}", Role.AE.value, pipeline_team, False))

    existing_teams = dict(Team.objects.filter(organization=organization).values_list("name", "id"))
    Team.objects.bulk_create(
        [Team(organization=organization, name=n) for n in team_names if n not in existing_teams]
    )
    team_ids_by_name = dict(
        Team.objects.filter(organization=organization).values_list("name", "id")
    )
    team_ids = [team_ids_by_name[n] for n in team_names]

    names = _person_names(rng, len(plan))
    names[1] = ("刘建国 (Mr. Liu)", "建国", "刘")  # the sales manager of the seed article
    usernames = [row[0] for row in plan]
    existing_users = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    new_users = []
    for (username, _role, team, staff), (display, first, last) in zip(plan, names, strict=True):
        if username in existing_users:
            continue
        new_users.append(
            User(
                username=username,
                organization=organization,
                team_id=team_ids[team] if team is not None else None,
                display_name=display,
                first_name=first[:150],
                last_name=last[:150],
                email=f"{username}@oray-demo.example",
                password=password,
                is_staff=staff,
                is_superuser=staff,
            )
        )
    User.objects.bulk_create(new_users)
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    UserRole.objects.bulk_create(
        [UserRole(user_id=user_ids[u], role=role) for u, role, _t, _s in plan],
        ignore_conflicts=True,
    )
    managers = {t: user_ids[f"t{t + 1:02d}-lead"] for t in range(size.teams)}
    for t, manager_id in managers.items():
        Team.objects.filter(id=team_ids[t]).update(manager_id=manager_id)
    Team.objects.filter(id=team_ids[pipeline_team]).update(manager_id=user_ids["manager"])
    return SalesForce(
        team_ids=team_ids[: size.teams],
        bdms=[[user_ids[u] for u in bdms] for bdms, _ams in team_plan],
        ams=[[user_ids[u] for u in ams] for _bdms, ams in team_plan],
        usernames=user_ids,
    )


def demo_logins_ensure(organization: Organization) -> list[tuple[str, str, bool]]:
    """Make sure one login per role exists; returns (role, username, created)."""
    password: str | None = None
    first_team = Team.objects.filter(organization=organization).order_by("id").first()
    result: list[tuple[str, str, bool]] = []
    for role, username in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            in_team = role in {Role.BDM, Role.AM, Role.SDR, Role.AE}
            user = User.objects.create(
                username=username,
                organization=organization,
                team=first_team if in_team else None,
                display_name=username,
                email=f"{username}@oray-demo.example",
                password=password,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            audit_record(user, AuditEvent.Action.CREATE, {"username": [None, username]})
        UserRole.objects.get_or_create(user=user, role=role)
        result.append((role, username, created))
    return result


def _team_number(n: int) -> str:
    if n <= 10:
        return TEAM_NUMBERS[n - 1]
    if n < 20:
        return "十" + TEAM_NUMBERS[n - 11]
    return str(n)
