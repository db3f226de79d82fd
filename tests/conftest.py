"""Shared fixtures: the real Shenyang tree (and Dalian, as a foreign city), loaded once per run, and
personas with their grants.

Personas (all in Shenyang unless said): grid workers of grid A1 (community A) and B1 (community B),
community staff of A and of B, the street officer over A and B, the district officer above, a district
officer of a neighbouring district, a programme officer and a city administrator over the city, a
service provider, an auditor, a system administrator, a resident of community A, and the anonymous
visitor.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import transaction

if TYPE_CHECKING:
    from shequ.areas.models import Area

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class World:
    city: Area
    other_city: Area
    district: Area
    district_b: Area
    street: Area
    street_b: Area
    community_a: Area
    community_b: Area
    grid_a1: Area
    grid_a2: Area
    grid_b1: Area
    personas: dict[str, int]


def _build_world() -> World:
    from shequ.accounts.roles import Programme, Role
    from shequ.areas.models import Area, Level
    from shequ.areas.services import DATA_DIR, load_boundaries, load_divisions
    from shequ.casework.catalogue import catalogue_load
    from shequ.entities.models import LegalEntity
    from shequ.reference.models import FacilityType
    from shequ.reference.services import calendar_seed, facility_types_load, tag_types_load
    from shequ.resources.models import Facility
    from tests import factories

    load_divisions(actor=None, city_code="2101")
    load_divisions(actor=None, city_code="2102")
    with transaction.atomic():
        load_boundaries(actor=None, geojson_path=DATA_DIR / "shenyang_districts.geojson")
    facility_types_load(actor=None)
    tag_types_load(actor=None)
    calendar_seed(actor=None, years=range(2024, 2028))
    catalogue_load(actor=None)
    city = Area.objects.get(code="210100000000")
    other_city = Area.objects.get(code="210200000000")
    district = Area.objects.get(code="210102000000")  # 和平区
    district_b = Area.objects.get(code="210103000000")  # 沈河区
    street, street_b = list(district.children.order_by("code")[:2])
    community_a, community_b = list(street.children.filter(level=Level.COMMUNITY).order_by("code")[:2])
    dalian_community = Area.objects.filter(path__startswith=other_city.path, level=Level.COMMUNITY).order_by("code")[0]
    staff_a = factories.account("community_staff", Role.COMMUNITY_STAFF, community_a)
    staff_b = factories.account("community_staff_b", Role.COMMUNITY_STAFF, community_b)
    grid_a1, grid_a2 = factories.grid(staff_a, community_a, "第1网格"), factories.grid(staff_a, community_a, "第2网格")
    grid_b1 = factories.grid(staff_b, community_b, "第1网格")

    personas = {"community_staff": staff_a.pk, "community_staff_b": staff_b.pk} | {
        key: factories.account(key, role, area, **extra).pk
        for key, role, area, extra in [
            ("grid_worker", Role.GRID_WORKER, grid_a1, {}),
            ("grid_worker_b", Role.GRID_WORKER, grid_b1, {}),
            ("street_officer", Role.STREET_OFFICER, street, {}),
            ("district_officer", Role.DISTRICT_OFFICER, district, {}),
            ("district_officer_b", Role.DISTRICT_OFFICER, district_b, {}),
            ("programme_officer", Role.PROGRAMME_OFFICER, city, {"programme": Programme.ELDERCARE}),
            ("children_officer", Role.PROGRAMME_OFFICER, city, {"programme": Programme.CHILDREN}),
            ("city_admin", Role.CITY_ADMIN, city, {}),
            ("service_provider", Role.SERVICE_PROVIDER, district, {}),
            ("service_provider_b", Role.SERVICE_PROVIDER, district, {}),
            ("auditor", Role.AUDITOR, city, {}),
            ("sysadmin", Role.SYSADMIN, city, {}),
            (
                "resident",
                Role.RESIDENT,
                grid_a1,
                {"home_area": grid_a1, "id_number": "210102194803120029", "phone": "13912345678"},
            ),
            ("dalian_staff", Role.COMMUNITY_STAFF, dalian_community, {}),
            (
                "resident_b",
                Role.RESIDENT,
                community_b,
                {"home_area": community_b, "id_number": "210102195001010025", "phone": "13800000000"},
            ),
        ]
    }

    store = FacilityType.objects.get(code="convenience_store")
    for n, community in enumerate([community_a, community_b, dalian_community]):
        entity = LegalEntity.objects.create(
            area=community, name=f"物业公司{n}", uscc=factories.USCC[n], kind=LegalEntity.Kind.PROPERTY_MANAGEMENT
        )
        Facility.objects.create(
            area=community, type=store, name=f"便利店{n}", lon=123.4 + n / 100, lat=41.8, operator=entity
        )
    for name, area, community, number, importer in [
        ("甲", grid_a1, community_a, "101", "community_staff"),
        ("乙", community_b, community_b, "202", "community_staff_b"),
        ("丙", dalian_community, dalian_community, "303", "dalian_staff"),
    ]:
        factories.resident(name=name, area=area, community=community, number=number)
        factories.rejected_import(area=community, actor_id=personas[importer])
    world = World(
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
    # The programmes: their seeds, then what each programme app's tests add to the world
    # (``tests/<app>/world.py``: ``extend(world)``: providers, enrolments, orders…).
    from shequ.programmes.common.seeding import load_programmes

    load_programmes()
    for app in ("programmes", "homecare", "eldercare", "children", "volunteers"):
        try:
            module = importlib.import_module(f"tests.{app}.world")
        except ModuleNotFoundError as missing:
            if missing.name not in (f"tests.{app}.world", f"tests.{app}"):
                raise
            continue
        module.extend(world)
    return world


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
