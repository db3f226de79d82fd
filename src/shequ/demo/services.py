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
# The demo resident's mobile number: they sign in to the portal with it and a one-time code.
DEMO_RESIDENT_PHONE = "13942880483"
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
        account("demo-children", "儿童项目专员", Role.PROGRAMME_OFFICER, city, Programme.CHILDREN),
        account("demo-provider", "居家养老服务商", Role.SERVICE_PROVIDER, district),
        account("demo-auditor", "审计员", Role.AUDITOR, city),
        account(
            "demo-resident",
            "居民",
            Role.RESIDENT,
            community_a,
            home_area_code=community_a.code,
            id_number=demo_id_number(rng, district.code[:6], "19480312", female=True),
            phone=DEMO_RESIDENT_PHONE,
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


def _demo_form(item_form: list[dict[str, object]], applicant_id: int | None) -> dict[str, object]:
    """Values a resident would enter in an item's form: the applicant for a household member, the first
    choice, a plain date, number or text."""
    values: dict[str, object] = {}
    for field in item_form:
        kind, name = field["type"], str(field["name"])
        if kind == "household_member" and applicant_id is not None:
            values[name] = applicant_id
        elif kind == "choice":
            values[name] = list(field.get("choices") or [""])[0]  # type: ignore[call-overload]
        elif kind == "date":
            values[name] = "2020-01-01"
        elif kind == "number":
            values[name] = 1
        elif kind == "text":
            values[name] = "演示"
    return values


def demo_resident_person(*, resident: User, staff: User, community: Area, grid: Area) -> int:
    """The demo resident's own entry in the pool (the same identity number and phone as their account),
    so the portal finds their cases; registered by community staff as any newcomer is. Returns its id."""
    from shequ.privacy.fields import lookup
    from shequ.residents.models import Person
    from shequ.residents.services import person_register

    found = Person.objects.filter(lookup(Person, "phone", resident.phone)).first()
    if found is not None:
        return found.pk
    person = person_register(
        actor=staff,
        community_code=community.code,
        name="王秀兰",
        id_number=resident.id_number,
        phone=resident.phone,
        residence_type="户籍",
        street_address="和平大街88号 幸福里小区",
        building="3",
        unit="2",
        room="501",
        household_number=f"{community.code[-6:]}-9001",
        relation="户主",
        grid=grid.name,
    )
    return person.pk


@transaction.atomic  # all or nothing: a half-made demo would be skipped by the next run
def load_demo_cases(*, seed: int = 2026) -> int:
    """Cases on all three channels and in every state, filed and moved through the real services by the
    demo accounts: the resident's own online cases (one waiting for materials, one rated), proxy cases
    with consent, door-to-door cases on the grid worker's list, place reports, a low rating that opens
    the head's follow-up, and overdue cases that the deadline job escalates to the street. Idempotent.

    The workflow runs now; afterwards the demo ages its cases (moves their filing and closing times
    back by a few working days) so the figures page has handling times and overdue cases to show."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.accounts.services import grant_set_head
    from shequ.casework.catalogue import catalogue_item, catalogue_load, item_version
    from shequ.casework.models import Case, CaseState
    from shequ.casework.services import Filing, case_act, case_file, case_rate, case_take, cases_check_deadlines
    from shequ.lib.workdays import deadline
    from shequ.reference.selectors import work_calendar
    from shequ.residents.models import Person, PersonStatus, Relation

    if Case.objects.exists():
        return 0
    catalogue_load(actor=None)  # the items the demo files under (adds only what is missing)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    resident, staff, staff_b = users["demo-resident"], users["demo-community"], users["demo-community-b"]
    grid_worker = users["demo-grid"]
    community = staff.grants.get().area
    community_b = staff_b.grants.get().area
    grid = grid_worker.grants.get().area
    grant_set_head(actor=users["demo-sysadmin"], grant_id=staff.grants.get().pk, is_head=True)
    own = demo_resident_person(resident=resident, staff=staff, community=community, grid=grid)

    def heads(area: Area) -> list[int]:
        return list(
            Person.objects.filter(area__path__startswith=area.path, status=PersonStatus.ACTIVE, relation=Relation.HEAD)
            .exclude(pk=own)
            .order_by("pk")
            .values_list("pk", flat=True)[:40]
        )

    def file(actor: User, channel: str, code: str, applicant: int | None, **extra: object) -> Case:
        form = item_version(catalogue_item(code)).snapshot.get("form", [])
        filing = Filing(item_code=code, applicant_id=applicant, form=_demo_form(form, applicant))
        return case_file(actor=actor, channel=channel, filing=filing, **extra)  # type: ignore[arg-type]

    def move(case: Case, actor: User, *actions: str) -> None:
        for action in actions:
            materials = ["id_card"] if action == "request_materials" else None
            case_act(actor=actor, case_id=case.pk, action=action, note="演示", materials=materials)

    proxy = {"consent_method": "in_person", "consent_note": "本人在社区服务站当面同意", "proxy_reason": "行动不便"}
    cases: list[Case] = []
    # The resident's own cases on the portal.
    waiting = file(resident, "online", "residence_certificate", own)
    case_take(actor=staff, case_id=waiting.pk)
    move(waiting, staff, "accept", "request_materials")
    rated = file(resident, "online", "senior_allowance", own)
    move(rated, staff, "accept", "start", "approve", "complete")
    case_rate(actor=resident, case_id=rated.pk, level=5)
    cases += [waiting, rated, file(resident, "online", "elderly_accident_insurance", own)]
    cases.append(file(resident, "online", "street_light_out", None, place_area=grid))
    # Proxy and door-to-door cases in both communities, in every state.
    paths = [
        (),
        ("accept",),
        ("accept", "start"),
        ("accept", "start", "approve", "complete"),
        ("accept", "reject"),
        ("withdraw",),
    ]
    codes = ["senior_allowance", "resident_medical_insurance", "elderly_preferential_card", "hardship_assistance"]
    for actor, area in ((staff, community), (staff_b, community_b)):
        for n, applicant in enumerate(heads(area)[:18]):
            channel = "door" if n % 3 == 0 else "proxy"
            case = file(actor, channel, codes[n % len(codes)], applicant, **(proxy if channel == "proxy" else {}))
            move(case, actor, *paths[n % len(paths)])
            cases.append(case)
    # Door-to-door cases on the grid worker's list.
    for applicant in heads(grid)[:3]:
        cases.append(file(staff, "door", "home_care_service", applicant))
    # A low rating: the community head (demo-community) gets the follow-up.
    low = file(resident, "online", "elderly_preferential_card", own)
    move(low, staff, "accept", "start", "approve", "complete")
    case_rate(actor=resident, case_id=low.pk, level=2, reason="等待时间太长，窗口没人接电话")
    cases.append(low)

    # Age the cases: each was filed 1–15 working days ago; closed ones were closed 0–3 days after filing.
    calendar = work_calendar()
    now = timezone.now()
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).exclude(state=CaseState.WAITING):
        age = rng.randint(1, 15)
        filed = timezone.localtime(now - timedelta(days=age))
        changes: dict[str, object] = {"submitted_at": filed}
        if case.time_limit:
            due = deadline(filed, case.time_limit, case.time_limit_unit, calendar)
            changes |= {"deadline_at": due.at, "deadline_uncertain": due.flagged}
        if case.closed_at is not None:
            changes["closed_at"] = filed + timedelta(days=rng.randint(0, min(3, age)), hours=rng.randint(1, 8))
        Case.objects.filter(pk=case.pk).update(**changes)
    cases_check_deadlines()
    return len(cases)


def load_demo_programmes(*, communities: list[Area]) -> dict[str, int]:
    """The programmes' demo, each through its app's own services (after the residents and the cases: the
    demo resident's own person record is the family's elder): home care with providers and orders in every
    state, care visits done, due and overdue, family beds and retrofits, children with their carers and
    visits, volunteers and the time bank. Each part runs once; a second call adds nothing."""
    from shequ.programmes.children.demo import load_demo_children
    from shequ.programmes.eldercare.demo import load_demo_eldercare
    from shequ.programmes.homecare.demo import load_demo_homecare
    from shequ.programmes.volunteers.demo import load_demo_volunteers

    if not communities:
        return {}
    made: dict[str, int] = {}
    for part in (
        load_demo_homecare(communities=communities),
        load_demo_eldercare(),
        load_demo_children(),
        load_demo_volunteers(),
    ):
        for key, value in part.items():
            made[key] = made.get(key, 0) + value
    return made
