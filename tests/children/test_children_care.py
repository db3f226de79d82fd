"""Care records of children in difficulty: who reads them (the carer, the children's programme officer,
the street officer) and who gets a 404 (the eldercare officer, a grid worker or community staff who are
not the carer, another community's staff, the district officer); assessments; visits only by the carer
they are assigned to; the street officer's list of left-behind children lacking a visit this month.
Expectations are derived from the fixture (tests/children/world.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.programmes.children import selectors, services
from shequ.programmes.children.models import ChildAssessment
from shequ.programmes.common import services as core
from shequ.programmes.common.models import Enrolment, Visit
from tests.children.world import CHILDREN

pytestmark = pytest.mark.django_db

READERS = ("grid_worker", "children_officer", "street_officer")  # 小明's carer, and the two officers
REFUSED = (
    "programme_officer",
    "community_staff",
    "community_staff_b",
    "grid_worker_b",
    "district_officer",
    "city_admin",
)


def enrolment_of(name: str) -> Enrolment:
    return Enrolment.objects.select_related("carer", "area").get(programme__code="child_care", person__name=name)


def test_fixture_carers_are_named():
    for name, (_tag, _where, carer, days_ago, _visited) in CHILDREN.items():
        if days_ago is None:
            assert not Enrolment.objects.filter(person__name=name).exists()
        else:
            assert enrolment_of(name).carer.username == carer


@pytest.mark.parametrize("key", READERS)
def test_readers_read_the_care_record(key, user_of, client_of):
    enrolment = enrolment_of("小明")
    record = selectors.care_record(actor=user_of(key), enrolment_id=enrolment.pk)
    assert record.enrolment.person.name == "小明"
    assert record.is_carer == (key == "grid_worker")
    page = client_of(key).get(f"/programmes/children/children/{enrolment.pk}/")
    assert page.status_code == 200
    assert "小明" in page.content.decode()
    api = client_of(key).get(f"/api/programmes/children/children/{enrolment.pk}")
    assert api.status_code == 200
    assert api.json()["name"] == "小明"


@pytest.mark.parametrize("key", REFUSED)
def test_others_get_404(key, user_of, client_of):
    """Not the eldercare officer, nor a worker or staff who is not the carer, nor the district officer."""
    enrolment = enrolment_of("小明")
    with pytest.raises(Http404):
        selectors.care_record(actor=user_of(key), enrolment_id=enrolment.pk)
    assert client_of(key).get(f"/api/programmes/children/children/{enrolment.pk}").status_code == 404
    assert client_of(key).get(f"/programmes/children/children/{enrolment.pk}/").status_code == 404
    with pytest.raises(Http404):
        services.assessment_record(actor=user_of(key), enrolment_id=enrolment.pk, risk_level="low", needs=[])


def test_community_staff_read_only_the_child_they_care_for(user_of):
    """Community A's staff are 小红's carer: they read hers, not 小明's in the same community."""
    staff = user_of("community_staff")
    assert selectors.care_record(actor=staff, enrolment_id=enrolment_of("小红").pk).is_carer
    assert {e.person.name for e in selectors.children(actor=staff)} == {"小红"}
    with pytest.raises(Http404):
        selectors.care_record(actor=staff, enrolment_id=enrolment_of("小明").pk)


def test_the_resident_record_is_unchanged(user_of):
    """The child's ordinary resident record stays as visible as any resident's: community staff read it."""
    from shequ.lib.capabilities import Capability
    from shequ.residents.models import Person

    visible = Person.objects.visible_to(user_of("community_staff"), Capability.REGISTRY_READ)
    assert visible.filter(name="小明").exists()


def test_assessment_recorded_encrypted_and_audited(user_of):
    carer = user_of("grid_worker")
    enrolment = enrolment_of("小明")
    assessment = services.assessment_record(
        actor=carer,
        enrolment_id=enrolment.pk,
        risk_level="high",
        needs=["guardianship", "schooling"],
        notes="祖父母年迈，监护能力弱",
    )
    assert assessment.needs == ["schooling", "guardianship"]  # in the catalogue's order
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM children_childassessment WHERE id = %s", [assessment.pk])
        stored = cursor.fetchone()[0]
    assert "祖父母" not in stored
    assert ChildAssessment.objects.get(pk=assessment.pk).notes == "祖父母年迈，监护能力弱"
    event = AuditEvent.objects.filter(action="children.assessment_record", object_id=str(assessment.pk)).get()
    assert "祖父母" not in str(event.data) and "guardianship" not in str(event.data)
    officer_view = selectors.care_record(actor=user_of("street_officer"), enrolment_id=enrolment.pk)
    assert [a.pk for a in officer_view.assessments][0] == assessment.pk


def test_assessment_bad_input_is_refused_whole(user_of):
    enrolment = enrolment_of("小明")
    before = ChildAssessment.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.assessment_record(
            actor=user_of("grid_worker"),
            enrolment_id=enrolment.pk,
            risk_level="extreme",
            needs=["magic"],
            notes="x" * 2001,
            assessed_on=timezone.localdate().replace(year=2000),
        )
    assert set(refused.value.message_dict) == {"risk_level", "needs", "notes", "assessed_on"}
    assert ChildAssessment.objects.count() == before


def test_assessment_api_validates(client_of):
    enrolment = enrolment_of("小明")
    response = client_of("grid_worker").post(
        f"/api/programmes/children/children/{enrolment.pk}/assessments",
        {"risk_level": "nope", "needs": []},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_a_visit_is_recorded_only_by_its_carer(user_of):
    """小红's visit is assigned to community A's staff: the street officer reads it and is refused."""
    visit = Visit.objects.get(enrolment=enrolment_of("小红"), done_at__isnull=True)
    assert visit.assigned_to.username == "community_staff"
    with pytest.raises(ValidationError) as refused:
        core.visit_record(actor=user_of("street_officer"), visit_id=visit.pk, outcome="met")
    assert "visit" in refused.value.message_dict
    with pytest.raises(Http404):  # the grid worker does not even reach it
        core.visit_record(actor=user_of("grid_worker"), visit_id=visit.pk, outcome="met")
    done = core.visit_record(actor=user_of("community_staff"), visit_id=visit.pk, outcome="met", note="已探访")
    assert done.done_by.username == "community_staff"


def test_visit_page_refuses_someone_not_assigned(client_of):
    visit = Visit.objects.get(enrolment=enrolment_of("小红"), done_at__isnull=True)
    form = client_of("community_staff").get(f"/programmes/children/visits/{visit.pk}/").content.decode()
    assert "data-geolocate" in form and "/static/programmes/geolocate.js" in form  # the shared script
    response = client_of("street_officer").post(f"/programmes/children/visits/{visit.pk}/", {"outcome": "met"})
    assert response.status_code == 200  # the form again, with the refusal
    assert Visit.objects.get(pk=visit.pk).done_at is None
    response = client_of("community_staff").post(f"/programmes/children/visits/{visit.pk}/", {"outcome": "met"})
    assert response.status_code == 302
    assert Visit.objects.get(pk=visit.pk).done_at is not None


def _expected_lacking(world, category: str, within: str) -> list[str]:  # noqa: ANN001
    """From the fixture: children of the category in the area not visited this month (enrolled or not)."""
    return sorted(
        name
        for name, (tag, where, _carer, _days, visited) in CHILDREN.items()
        if tag == category and not visited and getattr(world, where).path.startswith(within)
    )


def test_street_officer_sees_left_behind_children_lacking_a_visit(world, user_of, client_of):
    officer = user_of("street_officer")
    rows = selectors.lacking_visits(actor=officer, area=world.street, category="left_behind_child")
    expected = _expected_lacking(world, "left_behind_child", world.street.path)
    assert sorted(r.person.name for r in rows) == expected == ["小红", "小芳"]
    by_name = {r.person.name: r for r in rows}
    assert by_name["小红"].carer.username == "community_staff" and by_name["小红"].last_visit is None
    assert by_name["小芳"].enrolment is None and by_name["小芳"].carer is None
    page = client_of("street_officer").get("/programmes/children/lacking-visits/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "小红" in html and "小芳" in html and "小明" not in html
    api = client_of("street_officer").get("/api/programmes/children/lacking-visits?category=left_behind_child")
    assert sorted(r["name"] for r in api.json()) == expected


def test_lacking_list_refused_to_those_without_the_programme(client_of):
    for key in ("programme_officer", "community_staff", "district_officer", "grid_worker"):
        assert client_of(key).get("/api/programmes/children/lacking-visits").status_code == 404, key


def test_carer_visits_list(client_of):
    page = client_of("grid_worker").get("/programmes/children/visits/")
    html = page.content.decode()
    assert page.status_code == 200 and "小明" in html and "小军" in html and "小红" not in html
