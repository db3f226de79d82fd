"""Age-friendly retrofits: a hardship household opens one, its stages go in order (acceptance before the
works is refused), photos are JPEG/PNG of bounded size stored sealed, the acceptance completes it and
ends the enrolment, and the figures count it against the plan's target."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.programmes.common.models import EnrolmentState
from shequ.programmes.eldercare import selectors, services
from shequ.programmes.eldercare.models import RetrofitStage, RetrofitTarget
from tests.eldercare.support import PNG, elder

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _project(world, user_of, tags=("tekun",)):
    person = elder("改造户", world.grid_a1, birth="1948-01-01", tags=tags)
    return services.retrofit_start(
        actor=user_of("community_staff"), person_id=person.pk, on=TODAY() - datetime.timedelta(days=30)
    )


def _record(user_of, project, stage, days_ago, items=None):
    return services.retrofit_stage_record(
        actor=user_of("community_staff"),
        project_id=project.pk,
        stage=stage,
        done_on=TODAY() - datetime.timedelta(days=days_ago),
        note="记录",
        item_codes=items,
    )


def test_stages_in_order_and_the_acceptance_completes(world, user_of):
    project = _project(world, user_of)
    assert project.stage == RetrofitStage.ASSESSMENT and project.enrolment.household_id is not None
    with pytest.raises(ValidationError) as refused:
        _record(user_of, project, "acceptance", 10)
    assert (
        "acceptance" in refused.value.message_dict["stage"][0].lower()
        or "验收" in refused.value.message_dict["stage"][0]
    )
    with pytest.raises(ValidationError):
        _record(user_of, project, "works", 10)
    with pytest.raises(ValidationError) as no_items:
        _record(user_of, project, "assessment", 20, items=[])
    assert "items" in no_items.value.message_dict
    _record(user_of, project, "assessment", 20, items=["bed_rail", "shower_chair", "threshold_removal"])
    project.refresh_from_db()
    assert project.stage == RetrofitStage.WORKS
    assert sorted(project.items.values_list("code", flat=True)) == ["bed_rail", "shower_chair", "threshold_removal"]
    with pytest.raises(ValidationError) as refused:
        _record(user_of, project, "acceptance", 5)  # the works first
    assert project.steps.count() == 1
    with pytest.raises(ValidationError):
        _record(user_of, project, "assessment", 5, items=["bed_rail"])  # already recorded
    with pytest.raises(ValidationError):
        _record(user_of, project, "works", 25)  # before the assessment's day
    _record(user_of, project, "works", 10)
    _record(user_of, project, "acceptance", 3)
    project.refresh_from_db()
    assert project.stage == RetrofitStage.COMPLETED and project.completed_on == TODAY() - datetime.timedelta(days=3)
    assert project.enrolment.state == EnrolmentState.ENDED
    with pytest.raises(ValidationError):
        _record(user_of, project, "acceptance", 1)
    assert AuditEvent.objects.filter(action="eldercare.retrofit_stage", object_id=str(project.pk)).count() == 3
    assert selectors.retrofits_completed(world.community_a, TODAY()) >= 1
    assert selectors.retrofits_completed(world.community_b, TODAY()) == 0


def test_stage_order_through_the_page(world, user_of, client_of):
    project = _project(world, user_of)
    staff = client_of("community_staff")
    response = staff.post(
        f"/programmes/eldercare/retrofits/{project.pk}/stage/", {"stage": "acceptance", "done_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == RetrofitStage.ASSESSMENT and project.steps.count() == 0
    page = staff.get(f"/programmes/eldercare/retrofits/{project.pk}/")
    assert page.status_code == 200 and "stage_form" in page.context
    # The grid worker reads it but records nothing.
    assert client_of("grid_worker").get(f"/programmes/eldercare/retrofits/{project.pk}/").status_code == 200
    assert (
        client_of("grid_worker")
        .post(f"/programmes/eldercare/retrofits/{project.pk}/stage/", {"stage": "assessment"})
        .status_code
        == 403
    )


def test_an_ineligible_household_is_refused(world, user_of):
    person = elder("不困难", world.grid_a1, birth="1948-01-01", tags=())
    with pytest.raises(ValidationError) as refused:
        services.retrofit_start(actor=user_of("community_staff"), person_id=person.pk)
    assert "特困老年人家庭" in str(refused.value)


def test_photos_bounded_in_type_and_size_and_served_to_readers_only(world, user_of, client_of, settings):
    project = _project(world, user_of)
    staff = user_of("community_staff")
    with pytest.raises(ValidationError):
        services.retrofit_photo_add(
            actor=staff, project_id=project.pk, stage="assessment", upload=io.BytesIO(b"%PDF-1.4 x"), filename="a.pdf"
        )
    with pytest.raises(ValidationError):  # a stage not begun
        services.retrofit_photo_add(
            actor=staff, project_id=project.pk, stage="works", upload=io.BytesIO(PNG), filename="a.png"
        )
    settings.SHEQU_ELDERCARE_PHOTO_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError):
        services.retrofit_photo_add(
            actor=staff,
            project_id=project.pk,
            stage="assessment",
            upload=io.BytesIO(PNG + b"\x00" * 1024 * 1024),
            filename="big.png",
        )
    assert project.photos.count() == 0
    assert list(services.files_dir().iterdir()) == []  # nothing left behind
    photo = services.retrofit_photo_add(
        actor=staff, project_id=project.pk, stage="assessment", upload=io.BytesIO(PNG), filename="../../门前.png"
    )
    assert photo.filename.endswith(".png") and "/" not in photo.filename
    assert PNG not in (services.files_dir() / photo.stored_name).read_bytes()  # sealed
    response = client_of("grid_worker").get(f"/programmes/eldercare/retrofits/photos/{photo.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert client_of("community_staff_b").get(f"/programmes/eldercare/retrofits/photos/{photo.pk}/").status_code == 404
    with pytest.raises(Http404):
        services.retrofit_photo_open(actor=user_of("children_officer"), photo_id=photo.pk)


def test_figures_by_area_and_the_target(world, user_of, client_of):
    project = _project(world, user_of)
    _record(user_of, project, "assessment", 20, items=["bed_rail"])
    _record(user_of, project, "works", 10)
    _record(user_of, project, "acceptance", 3)
    page = client_of("programme_officer").get(f"/programmes/eldercare/figures/?area={world.street.code}")
    assert page.status_code == 200
    rows = {r.area.code: r.values for r in page.context["rows"]}
    assert rows[world.community_a.code]["retrofit_completed"] >= 1
    assert rows[world.community_b.code]["retrofit_works"] == 0
    assert page.context["progress"]["target"].households == 11000
    assert b"vendor/echarts/echarts.min.js" in page.content
    assert (
        client_of("community_staff").get(f"/programmes/eldercare/figures/?area={world.community_b.code}").status_code
        == 404
    )


def test_the_target_is_edited_by_the_city_administrator_with_its_source(world, user_of, client_of):
    admin = client_of("city_admin")
    response = admin.post(
        "/programmes/eldercare/retrofits/target/",
        {"area_code": world.district.code, "households": "800", "due_on": "2025-12-31", "source": "和平区实施方案"},
    )
    assert response.status_code == 302
    assert RetrofitTarget.objects.get(area=world.district).households == 800
    missing = admin.post(
        "/programmes/eldercare/retrofits/target/",
        {"area_code": world.district.code, "households": "800", "due_on": "2025-12-31", "source": ""},
    )
    assert missing.status_code == 400
    outside = admin.post(
        "/programmes/eldercare/retrofits/target/",
        {"area_code": world.other_city.code, "households": "5", "due_on": "2025-12-31", "source": "x"},
    )
    assert outside.status_code == 400
    assert client_of("programme_officer").get("/programmes/eldercare/retrofits/target/").status_code == 403
