from __future__ import annotations

from decimal import Decimal

import pytest

from patron.accounts.models import Team, User, UserRole
from patron.companies.models import Company, Region
from patron.companies.selectors import CompanyFilter, company_get, company_list
from patron.companies.services import company_create, company_update, contact_create
from patron.core.audit import Actor, acting_as, audit_trail
from patron.core.errors import NotFound, ValidationFailed
from patron.core.models import AuditEvent, Organization


@pytest.fixture
def org(db):
    return Organization.objects.get_default()


@pytest.fixture
def people(org):
    east = Team.objects.create(organization=org, name="East")
    west = Team.objects.create(organization=org, name="West")

    def user(name, role, team):
        u = User.objects.create_user(name, team=team, organization=org)
        UserRole.objects.create(user=u, role=role)
        return u

    boss = user("boss", "manager", None)
    lead = user("lead", "manager", east)
    east.manager = lead
    east.save()
    return {
        "east": east,
        "west": west,
        "boss": boss,
        "lead": lead,
        "bdm_east": user("bdm_east", "bdm", east),
        "bdm_west": user("bdm_west", "bdm", west),
        "admin": user("root", "admin", None),
    }


@pytest.fixture
def regions(db):
    china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
    jiangsu = Region.objects.create(
        code="CN-JS", name="江苏", name_en="Jiangsu", parent=china, level=1
    )
    suzhou = Region.objects.create(
        code="CN-JS-SZ", name="苏州", name_en="Suzhou", parent=jiangsu, level=2
    )
    shanghai = Region.objects.create(
        code="CN-SH", name="上海", name_en="Shanghai", parent=china, level=1
    )
    return {"china": china, "jiangsu": jiangsu, "suzhou": suzhou, "shanghai": shanghai}


def test_company_create_records_who_and_what(org, people):
    with acting_as(Actor(user_id=people["bdm_east"].id, label="bdm_east", source="web")):
        company = company_create(
            organization=org,
            external_id="C-1",
            name="苏州精密制造",
            owner=people["bdm_east"],
            industry="manufacturing",
            market_potential=Decimal("500000.00"),
        )
    assert company.team_id == people["east"].id
    event = audit_trail(company).get()
    assert (event.actor_id, event.source, event.action) == (people["bdm_east"].id, "web", "create")
    assert event.changes["name"] == [None, "苏州精密制造"]
    assert event.changes["market_potential"] == [None, "500000.00"]


def test_company_update_audits_only_changed_fields(org, people):
    company = company_create(organization=org, external_id="C-1", name="Acme", industry="retail")
    company_update(company=company, name="Acme Ltd", industry="retail")
    event = audit_trail(company).filter(action="update").get()
    assert event.changes == {"name": ["Acme", "Acme Ltd"]}
    company_update(company=company, name="Acme Ltd")  # no change, no audit row
    assert audit_trail(company).filter(action="update").count() == 1


def test_invalid_company_names_the_field_and_writes_nothing(org):
    company_create(organization=org, external_id="C-1", name="Acme")
    before = (Company.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as error:
        company_create(organization=org, external_id="C-2", name="x" * 201)
    assert set(error.value.field_errors) == {"name"}
    with pytest.raises(ValidationFailed) as error:
        company_create(organization=org, external_id="C-1", name="Duplicate")
    assert error.value.field_errors == {"external_id": "C-1 is already used by another record"}
    with pytest.raises(ValidationFailed) as error:
        company_create(organization=org, external_id="C-3", name="Bad", industry="mining")
    assert set(error.value.field_errors) == {"industry"}
    assert (Company.objects.count(), AuditEvent.objects.count()) == before


def test_contact_influence_is_validated(org):
    company = company_create(organization=org, external_id="C-1", name="Acme")
    with pytest.raises(ValidationFailed) as error:
        contact_create(organization=org, company=company, external_id="P-1", name="Li", influence=6)
    assert set(error.value.field_errors) == {"influence"}
    assert company.contacts.count() == 0


def test_visibility_by_role_and_team(org, people):
    east = company_create(
        organization=org, external_id="E", name="East Co", owner=people["bdm_east"]
    )
    west = company_create(
        organization=org, external_id="W", name="West Co", owner=people["bdm_west"]
    )
    names = lambda user: [c.name for c in company_list(user)]  # noqa: E731
    assert names(people["admin"]) == ["East Co", "West Co"]
    assert names(people["boss"]) == ["East Co", "West Co"]  # org-wide manager
    assert names(people["lead"]) == ["East Co"]  # team manager sees the team
    assert names(people["bdm_east"]) == ["East Co"]
    assert names(people["bdm_west"]) == ["West Co"]
    assert company_get(people["bdm_east"], east.id) == east
    with pytest.raises(NotFound):
        company_get(people["bdm_east"], west.id)


def test_company_filters(org, people, regions):
    company_create(
        organization=org,
        external_id="1",
        name="苏州一号",
        region=regions["suzhou"],
        industry="manufacturing",
        owner=people["bdm_east"],
    )
    company_create(
        organization=org,
        external_id="2",
        name="上海二号",
        region=regions["shanghai"],
        industry="retail",
        owner=people["bdm_west"],
    )
    company_create(
        organization=org, external_id="3", name="Jiangsu Three", region=regions["jiangsu"]
    )
    admin = people["admin"]

    def names(**kwargs):
        return [c.external_id for c in company_list(admin, CompanyFilter(**kwargs))]

    assert names(region_id=regions["jiangsu"].id) == ["3", "1"]  # province includes its cities
    assert names(region_id=regions["china"].id) == ["3", "2", "1"]
    assert names(industry="retail") == ["2"]
    assert names(team_id=people["east"].id) == ["1"]
    assert names(owner_id=people["bdm_west"].id) == ["2"]
    assert names(search="苏州") == ["1"]
    assert names(search="three") == ["3"]
    assert names(search="2") == ["2"]  # exact external id
    assert names(stage="prospect") == ["3", "2", "1"]
    assert names(stage="account") == []


def test_company_audit_trail_includes_contacts_and_orders(org, people):
    import datetime as dt

    from patron.catalog.models import Product, ProductFamily
    from patron.companies.selectors import company_audit_trail
    from patron.sales.services import LineInput, order_create

    family = ProductFamily.objects.create(organization=org, code="ddns", name="DDNS")
    product = Product.objects.create(organization=org, sku="D1", name="DDNS", family=family)
    with acting_as(Actor(user_id=people["bdm_east"].id, label="bdm_east", source="api")):
        company = company_create(organization=org, external_id="C-1", name="Acme")
        contact_create(organization=org, company=company, external_id="P-1", name="Li")
        order_create(
            organization=org,
            external_id="O-1",
            company=company,
            order_date=dt.date(2026, 1, 5),
            status="paid",
            lines=[LineInput(product=product, quantity=Decimal(2), amount=Decimal("99.50"))],
        )
    trail = company_audit_trail(company)
    assert [(e.content_type.model, e.action, e.actor_label, e.source) for e in trail] == [
        ("order", "create", "bdm_east", "api"),
        ("contact", "create", "bdm_east", "api"),
        ("company", "create", "bdm_east", "api"),
    ]
    assert trail[0].changes["lines"][1] == [
        {
            "product": "D1",
            "quantity": "2",
            "amount": "99.50",
            "service_start": None,
            "service_end": None,
        }
    ]
