"""Shared fixtures: the real Shenyang tree (and Dalian, as a foreign city), loaded once per run, and
personas with their grants.

Personas (all in Shenyang unless said): grid workers of grid A1 (community A) and B1 (community B),
community staff of A and of B, the street officer over A and B, the district officer above, a district
officer of a neighbouring district, a programme officer and a city administrator over the city, a
service provider, an auditor, a system administrator, a resident of community A, and the anonymous
visitor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PASSWORD = "Correct-horse-battery-9"
# Valid unified social credit codes (GB 32100 check character), for the test entities.
USCC = ["91210102MA0QEXAM1P", "91210103MA0QEXAM29", "91210202MA0QEXAM33"]


@dataclass
class World:
    city: object
    other_city: object
    district: object
    district_b: object
    street: object
    street_b: object
    community_a: object
    community_b: object
    grid_a1: object
    grid_a2: object
    grid_b1: object
    personas: dict


def _build_world():
    from shequ.accounts.models import Grant, User
    from shequ.accounts.roles import Programme, Role
    from shequ.areas.models import Area, Level
    from shequ.areas.services import DATA_DIR, load_boundaries, load_divisions

    load_divisions(actor=None, city_code="2101")
    load_divisions(actor=None, city_code="2102")
    with transaction.atomic():
        load_boundaries(actor=None, geojson_path=DATA_DIR / "shenyang_districts.geojson")
    city = Area.objects.get(code="210100000000")
    other_city = Area.objects.get(code="210200000000")
    district = Area.objects.get(code="210102000000")  # 和平区
    district_b = Area.objects.get(code="210103000000")  # 沈河区
    street, street_b = list(district.children.order_by("code")[:2])
    community_a, community_b = list(street.children.filter(level=Level.COMMUNITY).order_by("code")[:2])

    def grid(community, number, name):
        code = f"{community.code}{number:03d}"
        return Area.objects.create(
            code=code,
            code_system="local",
            name=name,
            level=Level.GRID,
            parent=community,
            path=f"{community.path}{code}/",
        )

    grid_a1, grid_a2 = grid(community_a, 1, "第1网格"), grid(community_a, 2, "第2网格")
    grid_b1 = grid(community_b, 1, "第1网格")

    personas = {}

    def persona(key, role, area, programme="", **extra):
        user = User(username=key, display_name=key, **extra)
        user.set_password(PASSWORD)
        user.save()
        if role:
            Grant.objects.create(user=user, role=role, area=area, programme=programme)
        personas[key] = user.pk

    persona("grid_worker", Role.GRID_WORKER, grid_a1)
    persona("grid_worker_b", Role.GRID_WORKER, grid_b1)
    persona("community_staff", Role.COMMUNITY_STAFF, community_a)
    persona("community_staff_b", Role.COMMUNITY_STAFF, community_b)
    persona("street_officer", Role.STREET_OFFICER, street)
    persona("district_officer", Role.DISTRICT_OFFICER, district)
    persona("district_officer_b", Role.DISTRICT_OFFICER, district_b)
    persona("programme_officer", Role.PROGRAMME_OFFICER, city, Programme.ELDERCARE)
    persona("city_admin", Role.CITY_ADMIN, city)
    persona("service_provider", Role.SERVICE_PROVIDER, district)
    persona("auditor", Role.AUDITOR, city)
    persona("sysadmin", Role.SYSADMIN, city)
    persona(
        "resident",
        Role.RESIDENT,
        grid_a1,
        home_area=grid_a1,
        id_number="210102194803120029",
        phone="13912345678",
    )
    dalian_community = Area.objects.filter(path__startswith=other_city.path, level=Level.COMMUNITY).order_by("code")[0]
    persona("dalian_staff", Role.COMMUNITY_STAFF, dalian_community)
    persona(
        "resident_b",
        Role.RESIDENT,
        community_b,
        home_area=community_b,
        id_number="210102195001010025",
        phone="13800000000",
    )
    from shequ.imports.models import ImportJob
    from shequ.reference.models import TagType
    from shequ.residents.models import Address, Household, Person, PersonTag

    def resident_record(name, area, community, number, actor_key):
        address = Address.objects.create(area=area, street_address="和平路1号", building="1", unit="1", room=number)
        household = Household.objects.create(area=community, address=address, number=f"H-{number}")
        body = f"21010219600101{number}"
        from stdnum.cn import ric

        person = Person.objects.create(
            area=area,
            name=name,
            id_number=body + ric.calc_check_digit(body + "0"),
            phone=f"1380000{number}0",
            sex="F",
            birth_date="1960-01-01",
            residence_type="registered",
            household=household,
            relation="head",
            address=address,
        )
        PersonTag.objects.create(
            person=person, tag=TagType.objects.get(code="veteran"), source="退役军人事务局", valid_from="2010-01-01"
        )
        ImportJob.objects.create(
            area=community,
            kind="residents",
            actor_id=personas[actor_key],
            filename="x.csv",
            sha256="0" * 64,
            file="",
            status="rejected",
            report=b"PK-not-really",
        )

    from shequ.entities.models import LegalEntity
    from shequ.reference.models import FacilityType
    from shequ.reference.services import facility_types_load, tag_types_load
    from shequ.resources.models import Facility

    facility_types_load(actor=None)
    tag_types_load(actor=None)
    store = FacilityType.objects.get(code="convenience_store")
    for n, community in enumerate([community_a, community_b, dalian_community]):
        entity = LegalEntity.objects.create(area=community, name=f"物业公司{n}", uscc=USCC[n], kind="property")
        Facility.objects.create(
            area=community, type=store, name=f"便利店{n}", lon=123.4 + n / 100, lat=41.8, operator=entity
        )

    resident_record("甲", grid_a1, community_a, "101", "community_staff")
    resident_record("乙", community_b, community_b, "202", "community_staff_b")
    resident_record("丙", dalian_community, dalian_community, "303", "dalian_staff")
    return World(
        city,
        other_city,
        district,
        district_b,
        street,
        street_b,
        community_a,
        community_b,
        grid_a1,
        grid_a2,
        grid_b1,
        personas,
    )


_WORLD = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    # Fast hashing for tests only: the personas sign in thousands of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        _WORLD["world"] = _build_world()


@pytest.fixture
def world(db) -> World:
    return _WORLD["world"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user_of(world):
    """``user_of("street_officer")`` -> that persona's User, fresh from the database."""
    from shequ.accounts.models import User

    def get(key):
        return User.objects.get(pk=world.personas[key])

    return get


@pytest.fixture
def client_of(world, user_of):
    """``client_of("grid_worker")`` -> a test client signed in as that persona (None = anonymous)."""
    from django.test import Client

    def make(key):
        client = Client()
        if key is not None:
            client.force_login(user_of(key))
        return client

    return make


@pytest.fixture
def separate_database(tmp_path):
    """A database of its own, for tests that run the product in other processes (a worker, a killed
    import): a SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL."""
    import uuid

    import psycopg
    from django.db import connection

    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path}/separate.sqlite3"
        return
    s = connection.settings_dict
    name = f"shequ_separate_{uuid.uuid4().hex[:8]}"
    server = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run_manage(env: dict, *args: str, check: bool = True):
    """Run `manage.py` in its own process with ``env`` (its own database), as a deployment would."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, str(root / "manage.py"), *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )
