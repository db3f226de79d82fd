"""The programme core's part of the test world: two programmes of the core's own (an elderly-care one
everybody is eligible for, visited weekly, and a restricted children's one), with 甲 (grid A1) and 乙
(community B) enrolled in both; 甲's visits go to the grid worker of A1, 乙's children's record has
community B's staff as carer."""

from __future__ import annotations

import datetime

from shequ.programmes.common.models import EligibilityRule, Enrolment, Programme, Visit, VisitRule
from shequ.residents.models import Person

ELDERCARE = "core_eldercare"
CHILDREN = "core_children"


def extend(world) -> None:
    eldercare = Programme.objects.create(code=ELDERCARE, name="测试养老项目", domain="eldercare")
    children = Programme.objects.create(code=CHILDREN, name="测试儿童项目", domain="children", restricted=True)
    for programme in (eldercare, children):
        EligibilityRule.objects.create(programme=programme, name="所有人", valid_from=datetime.date(2000, 1, 1))
    VisitRule.objects.create(programme=eldercare, name="每周", interval_days=7, valid_from=datetime.date(2000, 1, 1))
    jia, yi = Person.objects.get(name="甲"), Person.objects.get(name="乙")
    start = datetime.date(2026, 1, 5)
    for programme in (eldercare, children):
        for person in (jia, yi):
            carer = world.personas["community_staff_b"] if programme == children and person == yi else None
            Enrolment.objects.create(
                programme=programme,
                person=person,
                area=person.area,
                started_on=start,
                carer_id=carer,
                reasons=[{"group": "所有人", "rule": "所有人"}],
            )
    jia_eldercare = Enrolment.objects.get(programme=eldercare, person=jia)
    Visit.objects.create(enrolment=jia_eldercare, due_on=start, assigned_to_id=world.personas["grid_worker"])


def enrolment_of(person: Person, code: str = ELDERCARE) -> Enrolment:
    return Enrolment.objects.get(programme__code=code, person=person, state__in=["active", "suspended"])
