"""The eldercare demo, made through the real services by the demo accounts: care-visit enrolments in
community A with visits done, due today, coming and overdue (and the overdue ones past their grace days
escalated), a few family care beds with service visits, and retrofits in every stage. Needs ``load_demo``
and its residents first; idempotent (nothing is added once demo-community has enrolled anyone in eldercare)."""

from __future__ import annotations

import datetime
import io
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import User
from shequ.programmes.common import eligibility
from shequ.programmes.common import selectors as core_selectors
from shequ.programmes.common import services as core
from shequ.programmes.common.models import Enrolment, Programme
from shequ.programmes.common.seeding import load_programmes

from . import services
from .models import RetrofitItem, RetrofitStage
from .reference import eldercare_reference_load

# A PNG's signature and header: enough for the type check, standing in for a photo of the works.
DEMO_PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
CARE_PLAN = [
    {"item": "健康监测（智能床垫、呼叫器）", "frequency": "每日"},
    {"item": "上门助浴", "frequency": "每周1次"},
    {"item": "康复护理", "frequency": "每周2次"},
]


@transaction.atomic  # all or nothing: a half-made demo would be skipped by the next run
def load_demo_eldercare(
    *, seed: int = 2026, care_visits: int = 12, beds: int = 3, retrofits: int = 5
) -> dict[str, int]:
    """Eldercare demo rows in demo-community's community; returns what was made."""
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    staff, worker = users["demo-community"], users["demo-grid"]
    if Enrolment.objects.filter(programme__domain="eldercare", created_by=staff).exists():
        return {"visits": 0, "beds": 0, "retrofits": 0}
    load_programmes()
    eldercare_reference_load()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    today = timezone.localdate()
    _hardship_tags(staff, worker, today, rng)
    made = {"visits": _care_visits(staff, worker, today, care_visits)}
    made["beds"] = _beds(staff, today, beds)
    made["retrofits"] = _retrofits(staff, today, retrofits)
    core.visits_escalate()
    return made


def _care_visits(staff: User, worker: User, today: datetime.date, count: int) -> int:
    """Enrol eligible elders of the grid worker's grid first (their visits go to the worker), on days
    chosen so that some visits are overdue, some due today, some coming; then record a few."""
    programme = Programme.objects.get(code="care_visits")
    grid = worker.grants.get().area
    people = sorted(
        core_selectors.candidates(actor=staff, programme=programme)[:200],
        key=lambda p: (p.area_id != grid.pk, p.pk),
    )[:count]
    # Days from today to each visit's day (negative: overdue): the grid's elders come first, so the
    # grid worker has visits due today and overdue; some of the worker's are recorded, early or late.
    offsets = [0, -9, -2, -5, 4, 0, 5, 0, -4, 6, 2, -12]  # never more than 6: an enrolment starts by today
    recorded = 0
    for n, person in enumerate(people):
        interval = eligibility.visit_interval(programme, person, today) or 30
        offset = offsets[n % len(offsets)]
        on = today - datetime.timedelta(days=interval - offset)
        enrolment = core.enrol(
            actor=staff, programme_code=programme.code, person_id=person.pk, on=on, note="演示：关怀访视"
        )
        visit = enrolment.visits.filter(done_at__isnull=True, assigned_to=worker).first()
        if (offset > 0 or offset == -2) and visit is not None:  # early, or two days late
            core.visit_record(
                actor=worker, visit_id=visit.pk, outcome="met", note="老人身体状况良好", lon=123.43, lat=41.80
            )
            recorded += 1
    return recorded


def _hardship_tags(staff: User, worker: User, today: datetime.date, rng: random.Random) -> None:
    """Elders get 低保/特困 and disability records (as the civil-affairs office and the disabled persons'
    federation would send them): every elder of the grid worker's grid, a third of the others, so that
    care visits, retrofits and beds have eligible people where the demo accounts work."""
    from shequ.residents.models import Person, PersonStatus
    from shequ.residents.services import tag_add

    community = staff.grants.get().area
    grid = worker.grants.get().area
    elders = Person.objects.filter(
        area__path__startswith=community.path,
        status=PersonStatus.ACTIVE,
        birth_date__lte=today.replace(year=today.year - 62),
    ).order_by("pk")[:60]
    for n, person in enumerate(elders):
        if person.area_id != grid.pk and n % 3:
            continue
        if n % 4 == 3:
            tag_add(
                actor=staff,
                person_id=person.pk,
                tag_code="disability",
                source="区残联",
                valid_from=today.replace(year=today.year - 3),
                grade=rng.choice(["1", "2"]),
            )
        else:
            tag_add(
                actor=staff,
                person_id=person.pk,
                tag_code=rng.choice(["dibao", "tekun", "dibao_edge"]),
                source="区民政局",
                valid_from=today.replace(year=today.year - 2),
            )


def _provider(staff: User) -> int:
    from stdnum.cn import uscc

    from shequ.entities.models import LegalEntity
    from shequ.entities.services import legal_entity_create

    community = staff.grants.get().area
    found = LegalEntity.objects.filter(name="康乐居家养老服务中心").first()
    if found is not None:
        return found.pk
    base = "52" + community.code[:6] + "MJ0000001"
    return legal_entity_create(
        actor=staff,
        area_code=community.code,
        name="康乐居家养老服务中心",
        uscc=base + uscc.calc_check_digit(base),
        kind="social_org",
        address="和平区南京南街",
    ).pk


def _beds(staff: User, today: datetime.date, count: int) -> int:
    programme = Programme.objects.get(code="family_bed")
    provider = _provider(staff)
    made = 0
    for n, person in enumerate(core_selectors.candidates(actor=staff, programme=programme)[:count]):
        bed = services.family_bed_open(
            actor=staff,
            person_id=person.pk,
            provider_id=provider,
            set_up_on=today - datetime.timedelta(days=40 + 10 * n),
            care_plan=CARE_PLAN,
            note="演示：家庭养老床位",
        )
        for days in (1, 8, 15):
            at = timezone.now() - datetime.timedelta(days=days, hours=n)
            services.bed_visit_record(
                actor=staff, bed_id=bed.pk, at=at, service="上门助浴", place="老人家中", minutes=60
            )
        made += 1
    return made


def _retrofits(staff: User, today: datetime.date, count: int) -> int:
    """Retrofits in every stage: waiting for the assessment, for the works, for acceptance, completed."""
    programme = Programme.objects.get(code="retrofit")
    basic = list(RetrofitItem.objects.filter(basic=True).values_list("code", flat=True))
    plan = [
        [],
        [RetrofitStage.ASSESSMENT],
        [RetrofitStage.ASSESSMENT, RetrofitStage.WORKS],
        [RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE],
        [RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE],
    ]
    made = 0
    people: list[Any] = []
    households: set[int | None] = set()
    for person in core_selectors.candidates(actor=staff, programme=programme)[:200]:
        if person.household_id not in households and len(people) < count:  # one retrofit per household
            households.add(person.household_id)
            people.append(person)
    for n, person in enumerate(people):
        project = services.retrofit_start(actor=staff, person_id=person.pk, on=today - datetime.timedelta(days=60))
        for step, stage in enumerate(plan[n % len(plan)]):
            services.retrofit_stage_record(
                actor=staff,
                project_id=project.pk,
                stage=stage,
                done_on=today - datetime.timedelta(days=50 - 15 * step),
                note={"assessment": "入户评估完成", "works": "施工完成", "acceptance": "验收合格"}[stage],
                item_codes=basic[: 4 + n % 3] + (["threshold_removal"] if n % 2 else []),
            )
            services.retrofit_photo_add(
                actor=staff, project_id=project.pk, stage=stage, upload=io.BytesIO(DEMO_PHOTO), filename=f"{stage}.png"
            )
        made += 1
    return made
