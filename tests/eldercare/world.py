"""Eldercare's part of the test world: the retrofit items and targets, loaded once. The people are made
on demand inside the test that needs them (``fixtures``, rolled back with it), so that the shared world's
residents stay the ones the other apps' tests count: elders enrolled in care visits (one in grid A1 whose
visit, assigned to A1's grid worker, is overdue past its grace days; one in grid A2 and one in community B,
visits coming and unassigned), a retrofit waiting for its assessment with a photo in grid A1 and in
community B, eligible households without a retrofit there, and a family care bed with a visit in each,
contracted to a provider of the district."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from shequ.accounts.models import User
from shequ.entities.models import LegalEntity
from shequ.programmes.common import services as core
from shequ.programmes.eldercare import services
from shequ.programmes.eldercare.reference import eldercare_reference_load
from shequ.residents.models import Person
from tests import factories
from tests.eldercare.support import PNG, elder

PROVIDER_USCC = factories.uscc("52210102MJ0000001")
CARE_PLAN = [{"item": "上门助浴", "frequency": "每周1次"}]


def extend(world) -> None:
    eldercare_reference_load()


def fixtures(world) -> None:
    """Make the eldercare rows of the world inside the running test, once."""
    if Person.objects.filter(name="养老一").exists():
        return
    today = timezone.localdate()
    staff_a = User.objects.get(pk=world.personas["community_staff"])
    staff_b = User.objects.get(pk=world.personas["community_staff_b"])
    # Care visits: 80+ living alone (every 7 days), enrolled 20 days ago: due 13 days ago, past grace.
    overdue = elder("养老一", world.grid_a1, birth="1940-03-01", number=700)
    core.enrol(
        actor=staff_a, programme_code="care_visits", person_id=overdue.pk, on=today - datetime.timedelta(days=20)
    )
    for name, area, actor, number in [
        ("养老二", world.grid_a2, staff_a, 701),
        ("养老三", world.community_b, staff_b, 702),
    ]:
        person = elder(name, area, birth="1944-06-01", number=number)
        core.enrol(actor=actor, programme_code="care_visits", person_id=person.pk, on=today)
    provider = LegalEntity.objects.create(
        area=world.district, name="测试居家养老服务中心", uscc=PROVIDER_USCC, kind=LegalEntity.Kind.SOCIAL_ORGANISATION
    )
    for area, actor, base in [(world.grid_a1, staff_a, 710), (world.community_b, staff_b, 720)]:
        household = elder("养老改造", area, birth="1950-02-01", tags=("dibao",), alone=False, number=base)
        project = services.retrofit_start(actor=actor, person_id=household.pk, on=today - datetime.timedelta(days=5))
        services.retrofit_photo_add(
            actor=actor, project_id=project.pk, stage="assessment", upload=io.BytesIO(PNG), filename="before.png"
        )
        elder("养老候选", area, birth="1951-02-01", tags=("dibao",), number=base + 1)
        bedded = elder("养老床位", area, birth="1945-02-01", tags=("tekun",), number=base + 2)
        bed = services.family_bed_open(
            actor=actor,
            person_id=bedded.pk,
            provider_id=provider.pk,
            set_up_on=today - datetime.timedelta(days=30),
            care_plan=CARE_PLAN,
        )
        services.bed_visit_record(actor=actor, bed_id=bed.pk, at=timezone.now(), service="上门助浴", place="家中")
