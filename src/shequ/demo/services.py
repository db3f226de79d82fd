"""Demo data on the real division codes: grids and one account per role, in different areas.

Everything goes through the same services a person would use, so the demo's audit trail is real.
"""

from __future__ import annotations

import random

from django.db import transaction
from stdnum.cn import ric

from shequ.accounts.models import GrantRequest, User
from shequ.accounts.roles import Programme, Role
from shequ.accounts.services import account_create, grant_approve, grant_request, sysadmin_bootstrap
from shequ.areas.models import Area, Level
from shequ.areas.services import grid_create

DEMO_PASSWORD = "Shequ-demo-2026"
GRIDS_PER_COMMUNITY = 3


def demo_id_number(rng: random.Random, region: str, birth: str, female: bool) -> str:
    """A valid identity number (GB 11643) for the region and birth date; even order code = female."""
    order = rng.randrange(0, 500) * 2 + (0 if female else 1)
    body = f"{region}{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


@transaction.atomic
def load_demo(*, city_code: str = "2101", streets: int = 2, seed: int = 2026) -> list[dict[str, str]]:
    """Create one account per role and grids in the communities of a few streets. Idempotent.

    Returns the accounts as rows (role, user name, area) for printing.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    city = Area.objects.get(code=city_code.ljust(12, "0"), parent__isnull=True)
    # Two system administrators, both made on the command line's path: one asks for a grant that reaches
    # personal data, the other approves it (four eyes).
    admin = sysadmin_bootstrap(username="demo-sysadmin", password=DEMO_PASSWORD, area_code=city.code)
    second = sysadmin_bootstrap(username="demo-sysadmin-2", password=DEMO_PASSWORD, area_code=city.code)
    districts = list(city.children.order_by("code")[:2])
    chosen_streets = [s for d in districts for s in d.children.order_by("code")[:streets]]
    district, street = districts[0], chosen_streets[0]
    community_a, community_b = street.children.filter(level=Level.COMMUNITY).order_by("code")[:2]

    def account(
        username: str, display: str, role: Role, area: Area, programme: str = "", **personal: str
    ) -> dict[str, str]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_create(
                actor=admin,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display,
                initial_password=False,  # the demo's password is published: nobody is made to change it
                **personal,
            )
        if not user.grants.filter(role=role, area=area).exists():
            asked = grant_request(actor=admin, user_id=user.pk, role=role, area_code=area.code, programme=programme)
            if asked.state == GrantRequest.State.PENDING:
                grant_approve(actor=second, request_id=asked.pk)
        return {"role": str(Role(role).label), "username": username, "area": f"{area.name} ({area.code})"}

    rows = [
        {"role": str(Role.SYSADMIN.label), "username": each.username, "area": f"{city.name} ({city.code})"}
        for each in (admin, second)
    ]
    rows.append(account("demo-city", "市民政局管理员", Role.CITY_ADMIN, city))
    city_admin = User.objects.get(username="demo-city")
    for each in chosen_streets:
        for community in each.children.filter(level=Level.COMMUNITY).order_by("code"):
            for n in range(community.children.count() + 1, GRIDS_PER_COMMUNITY + 1):
                grid_create(actor=city_admin, community_code=community.code, name=f"第{n}网格")
    grid_a = community_a.children.order_by("code")[0]
    rows += [
        account("demo-district", "区民政干部", Role.DISTRICT_OFFICER, district),
        account("demo-district-b", "邻区干部", Role.DISTRICT_OFFICER, districts[1]),
        account("demo-street", "街道干部", Role.STREET_OFFICER, street),
        account("demo-community", "社区工作者", Role.COMMUNITY_STAFF, community_a),
        account("demo-community-b", "邻社区工作者", Role.COMMUNITY_STAFF, community_b),
        account("demo-grid", "网格员", Role.GRID_WORKER, grid_a),
        account("demo-eldercare", "养老项目专员", Role.PROGRAMME_OFFICER, city, Programme.ELDERCARE),
        account("demo-provider", "居家养老服务商", Role.SERVICE_PROVIDER, district),
        account("demo-auditor", "审计员", Role.AUDITOR, city),
        account(
            "demo-resident",
            "居民",
            Role.RESIDENT,
            community_a,
            home_area_code=community_a.code,
            id_number=demo_id_number(rng, district.code[:6], "19480312", female=True),
            phone=f"139{rng.randrange(10**8):08d}",
        ),
    ]
    return rows


def roster_csv(*, community: Area, people: int, seed: int) -> bytes:
    """A synthetic roster for one community, as its staff would keep it: Faker zh_CN names, households
    of 1 to 5, about a quarter aged 60 and over, identity numbers valid for the district, birth date
    and sex, addresses in buildings, the community's grids. Reproducible from the seed."""
    import csv
    import datetime
    import io

    from faker import Faker

    from shequ.residents.importers import COLUMNS

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    grids = list(community.children.filter(level=Level.GRID).order_by("code").values_list("name", flat=True))
    region = community.code[:6]
    estate = f"{fake.street_name()}{rng.randint(1, 300)}号 {fake.last_name()}园小区"
    out = io.StringIO()
    # By column key, not position: the roster's columns (and their order) belong to the importer.
    writer = csv.DictWriter(out, fieldnames=[c.key for c in COLUMNS], restval="")
    writer.writerow({c.key: c.header for c in COLUMNS})
    used: set[str] = set()
    household = 0
    written = 0
    today = datetime.date(2026, 1, 1)
    while written < people:
        household += 1
        size = min(people - written, rng.choices([1, 2, 3, 4, 5], weights=[18, 32, 28, 15, 7])[0])
        head_age = rng.choices([rng.randint(25, 59), rng.randint(60, 95)], weights=[70, 30])[0]
        building, unit, room = rng.randint(1, 30), rng.randint(1, 6), f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        grid = rng.choice(grids) if grids else ""
        for member in range(size):
            relation = "户主" if member == 0 else ("配偶" if member == 1 else "子女")
            age = (
                head_age
                if member == 0
                else (head_age + rng.randint(-5, 5) if member == 1 else max(0, head_age - rng.randint(22, 35)))
            )
            female = rng.random() < 0.5
            birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
            while True:
                number = demo_id_number(rng, region, birth.strftime("%Y%m%d"), female)
                if number not in used:
                    used.add(number)
                    break
            name = fake.name_female() if female else fake.name_male()
            writer.writerow(
                {
                    "name": name,
                    "id_number": number,
                    "phone": fake.phone_number() if rng.random() < 0.9 else "",
                    "residence_type": rng.choices(["户籍", "常住", "流动"], weights=[75, 18, 7])[0],
                    "household_number": f"{community.code[-6:]}-{household:04d}",
                    "relation": relation,
                    "street_address": estate,
                    "building": building,
                    "unit": unit,
                    "room": room,
                    "grid": grid,
                    "ethnicity": "汉族"
                    if rng.random() < 0.9
                    else rng.choice(["满族", "回族", "朝鲜族", "蒙古族", "锡伯族"]),
                    "moved_in_on": (today - datetime.timedelta(days=rng.randint(0, 8000))).isoformat(),
                }
            )
            written += 1
    return out.getvalue().encode("utf-8")


def load_demo_residents(*, communities: list[Area], people_per_community: int, seed: int = 2026) -> int:
    """Import a synthetic roster into each community through the real import (idempotent)."""
    from shequ.imports.services import import_create, import_run

    staff = User.objects.get(username="demo-city")
    imported = 0
    for offset, community in enumerate(communities):
        content = roster_csv(community=community, people=people_per_community, seed=seed + offset)
        job = import_create(
            actor=staff,
            kind="residents",
            area_code=community.code,
            filename="demo-roster.csv",
            content=content,
            background=False,
        )
        job = import_run(job_id=job.pk)
        imported += job.created
    return imported


def _demo_uscc(rng: random.Random, region: str) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    base = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return base + uscc.calc_check_digit(base)


def load_demo_resources(*, communities: list[Area], per_community: int = 8, seed: int = 2026) -> int:
    """Property companies and facilities of common types, placed at random inside the district's
    polygon, through the same services as a person (idempotent: skipped when the district has some)."""
    from shapely.geometry import Point, shape

    from shequ.entities.models import LegalEntity
    from shequ.entities.services import legal_entity_create
    from shequ.reference.models import CircleLevel, FacilityType
    from shequ.resources.models import Facility
    from shequ.resources.services import facility_create

    if not communities:
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    staff = User.objects.get(username="demo-city")
    district = Area.objects.get(code=communities[0].ancestor_codes[-2])  # community < street < district
    if Facility.objects.filter(area__path__startswith=district.path).exists() or not district.boundary:
        return 0
    polygon = shape(district.boundary)
    min_x, min_y, max_x, max_y = polygon.bounds
    types = list(
        FacilityType.objects.filter(
            is_active=True, circle_level__in=[CircleLevel.FIVE, CircleLevel.TEN, CircleLevel.BLOCK]
        )
    )
    created = 0
    for community in communities:
        company = legal_entity_create(
            actor=staff,
            area_code=community.code,
            name=f"{community.name[:-2]}物业服务有限公司",
            uscc=_demo_uscc(rng, district.code[:6]),
            kind=LegalEntity.Kind.PROPERTY_MANAGEMENT,
        )
        for n in range(per_community):
            while True:
                point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
                if polygon.contains(point):
                    break
            facility_type = rng.choice(types)
            facility_create(
                actor=staff,
                area_code=community.code,
                type_code=facility_type.code,
                name=f"{community.name[:-2]}{facility_type.name[:12]}{n + 1}",
                lon=point.x,
                lat=point.y,
                floor_area_m2=rng.choice([60, 120, 200, 350, 800]),
                capacity=rng.choice([None, 20, 50, 100]),
                opening_hours=rng.choice(["08:00-17:00", "07:00-21:00", "24小时"]),
                operator_uscc=company.uscc if n % 3 == 0 else "",
            )
            created += 1
    return created
