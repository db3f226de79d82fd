"""Family care beds: set up for an eligible person with the contracted provider (also the enrolment's) and
a care plan; service visits recorded with time and place; counted by area."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shequ.entities.models import LegalEntity
from shequ.programmes.common.models import Enrolment
from shequ.programmes.eldercare import selectors, services
from shequ.programmes.eldercare.models import FamilyBed
from tests.eldercare.support import elder
from tests.eldercare.world import PROVIDER_USCC, fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world_rows(world):
    fixtures(world)


def _provider():
    return LegalEntity.objects.get(uscc=PROVIDER_USCC)


def test_a_bed_through_the_page(world, user_of, client_of):
    person = elder("床位老人", world.grid_a1, birth="1950-01-01", tags=("disability",), grade="1")
    staff = client_of("community_staff")
    form = staff.get(f"/programmes/eldercare/beds/new/?person={person.pk}")
    assert form.status_code == 200
    assert person.pk in [value for value, _label in form.context["form"].fields["person"].choices]
    set_up = timezone.localdate() - datetime.timedelta(days=3)
    response = staff.post(
        "/programmes/eldercare/beds/new/",
        {
            "person": person.pk,
            "provider": _provider().pk,
            "set_up_on": set_up.isoformat(),
            "care_plan": "上门助浴|每周1次\n健康监测|每日\n",
        },
    )
    assert response.status_code == 302
    bed = FamilyBed.objects.get(enrolment__person=person)
    assert bed.care_plan == [{"item": "上门助浴", "frequency": "每周1次"}, {"item": "健康监测", "frequency": "每日"}]
    assert Enrolment.objects.get(pk=bed.enrolment_id).provider_id == _provider().pk
    visit = staff.post(
        f"/programmes/eldercare/beds/{bed.pk}/visits/",
        {
            "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "service": "上门助浴",
            "minutes": "45",
            "place": "老人家中",
            "lon": "123.43",
            "lat": "41.80",
        },
    )
    assert visit.status_code == 302
    page = staff.get(f"/programmes/eldercare/beds/{bed.pk}/")
    assert page.context["this_month"] == 1
    assert client_of("community_staff_b").get(f"/programmes/eldercare/beds/{bed.pk}/").status_code == 404


def test_bed_checks(world, user_of):
    staff = user_of("community_staff")
    young = elder("不符合", world.grid_a1, birth="1970-01-01")
    with pytest.raises(ValidationError) as refused:
        services.family_bed_open(
            actor=staff,
            person_id=young.pk,
            provider_id=_provider().pk,
            set_up_on=timezone.localdate(),
            care_plan=[{"item": "助浴", "frequency": "每周"}],
        )
    assert "person" in refused.value.message_dict
    person = elder("床位二", world.grid_a1, birth="1940-01-01")
    with pytest.raises(ValidationError) as no_plan:
        services.family_bed_open(
            actor=staff, person_id=person.pk, provider_id=_provider().pk, set_up_on=timezone.localdate(), care_plan=[]
        )
    assert "care_plan" in no_plan.value.message_dict
    assert not Enrolment.objects.filter(person=person).exists()  # nothing half-saved
    bed = services.family_bed_open(
        actor=staff,
        person_id=person.pk,
        provider_id=_provider().pk,
        set_up_on=timezone.localdate() - datetime.timedelta(days=2),
        care_plan=[{"item": "助浴", "frequency": "每周"}],
    )
    for bad in (
        {"at": timezone.now() + datetime.timedelta(days=1), "service": "助浴"},
        {"at": timezone.now() - datetime.timedelta(days=5), "service": "助浴"},
        {"at": timezone.now(), "service": ""},
        {"at": timezone.now(), "service": "助浴", "lon": 123.4},
    ):
        with pytest.raises(ValidationError):
            services.bed_visit_record(actor=staff, bed_id=bed.pk, **bad)
    assert bed.visits.count() == 0
    assert selectors.family_beds(world.community_a, timezone.localdate()) >= 2
    assert selectors.family_beds(world.community_a, timezone.localdate() - datetime.timedelta(days=400)) == 0
