"""People registered in another community: what an import or a registration may say about them, the move
request that the other community confirms or refuses, and registering again after a move out."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings

from shequ.areas.models import Area, Level
from shequ.audit.models import Alert, AuditEvent
from shequ.imports.models import ImportJob
from shequ.residents import services
from shequ.residents.models import MoveRequest, Person, PersonChange, PersonStatus
from tests.factories import imported_roster, resident, roster_csv, roster_row

pytestmark = pytest.mark.django_db


def _community_of(district: Area) -> Area:
    return Area.objects.filter(path__startswith=district.path, level=Level.COMMUNITY).order_by("code").first()


@pytest.fixture
def elsewhere(world):
    """A resident of a community in the neighbouring district (和平区's neighbour), out of reach of community A."""
    community = _community_of(world.district_b)
    return resident(name="王秀英", area=community, community=community, number="71")


def _row_for(person: Person, n: int, **overrides: str) -> dict[str, str]:
    return roster_row(n, **{"姓名": person.name, "身份证号": person.id_number, **overrides})


def test_a_guessed_number_with_another_name_says_nothing_about_the_person(world, user_of, elsewhere):
    staff = user_of("community_staff")
    rows = [roster_row(1), _row_for(elsewhere, 2, 姓名="李四")]
    job = imported_roster(staff, world.community_a, roster_csv(rows))
    assert job.status == ImportJob.Status.REJECTED
    elsewhere.refresh_from_db()
    assert elsewhere.area.path.startswith(world.district_b.path)
    assert not MoveRequest.objects.exists()
    report = bytes(job.report or b"")
    # The report echoes the uploader's own cells, never who the number belongs to or where.
    for secret in (elsewhere.name, elsewhere.area.name):
        assert secret.encode() not in report
    lookups = AuditEvent.objects.filter(action="privacy.lookup", actor=staff)
    assert lookups.count() == 1
    assert elsewhere.id_number not in str(lookups.get().data)


def test_a_matching_name_becomes_a_move_request_the_other_community_decides(world, user_of, elsewhere):
    staff = user_of("community_staff")
    rows = [roster_row(1), _row_for(elsewhere, 2, 户号="HX-9", 与户主关系="户主", 室="909")]
    job = imported_roster(staff, world.community_a, roster_csv(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.created == 1  # the other row; the person elsewhere is not moved by the import
    elsewhere.refresh_from_db()
    assert elsewhere.area.path.startswith(world.district_b.path)
    request = MoveRequest.objects.get()
    assert (request.person_id, request.to_area_id, request.state) == (
        elsewhere.pk,
        world.community_a.pk,
        MoveRequest.State.PENDING,
    )
    # Community A's staff cannot decide for the other community; the other community's staff can.
    with pytest.raises(Http404):
        services.move_request_decide(actor=staff, request_id=request.pk, confirm=True)
    other = _staff_of(elsewhere.area)
    services.move_request_decide(actor=other, request_id=request.pk, confirm=True)
    elsewhere.refresh_from_db()
    assert elsewhere.area_id in {world.community_a.pk, *world.community_a.children.values_list("pk", flat=True)}
    assert elsewhere.status == PersonStatus.ACTIVE
    assert elsewhere.address.room == "909" and elsewhere.household.number == "HX-9"
    move = elsewhere.changes.get(kind=PersonChange.Kind.MOVED_WITHIN)
    assert move.to_area_id == world.community_a.pk
    request.refresh_from_db()
    assert request.state == MoveRequest.State.CONFIRMED and request.decided_by_id == other.pk


def test_a_refused_move_leaves_the_person_and_keeps_the_history(world, user_of, elsewhere):
    staff = user_of("community_staff")
    home = elsewhere.area
    request = services.person_register(
        actor=staff,
        community_code=world.community_a.code,
        name=elsewhere.name,
        id_number=elsewhere.id_number,
        residence_type="户籍",
        street_address="南京南街12号",
    )
    assert isinstance(request, MoveRequest)
    services.move_request_decide(actor=_staff_of(home), request_id=request.pk, confirm=False, note="本人未迁出")
    elsewhere.refresh_from_db()
    assert elsewhere.area_id == home.pk
    request.refresh_from_db()
    assert request.state == MoveRequest.State.REFUSED
    actions = set(AuditEvent.objects.filter(object_id=str(request.pk)).values_list("action", flat=True))
    assert {"residents.move_request", "residents.move_refused"} <= actions


def test_more_elsewhere_rows_than_allowed_refuse_the_file_and_alert(world, user_of):
    staff = user_of("community_staff")
    community = _community_of(world.district_b)
    people = [resident(name=f"外区居民{i}", area=community, community=community, number=str(80 + i)) for i in range(6)]
    with override_settings(SHEQU_IMPORT_ELSEWHERE_MAX=5):
        job = imported_roster(staff, world.community_a, roster_csv([_row_for(p, i) for i, p in enumerate(people)]))
    assert job.status == ImportJob.Status.REJECTED
    assert not MoveRequest.objects.exists()
    alert = Alert.objects.get(kind=Alert.Kind.IMPORT_PROBE)
    assert alert.actor_id == staff.pk and alert.data["rows"] == 6
    assert all(p.name.encode() not in bytes(job.report or b"") for p in people)


def test_a_person_who_moved_out_can_be_registered_in_another_community(world, user_of):
    staff_b = user_of("community_staff_b")
    person = resident(name="赵敏", area=world.community_b, community=world.community_b, number="55")
    number = person.id_number
    services.person_leave(actor=staff_b, person_id=person.pk, on=datetime.date(2024, 5, 1))
    staff_a = user_of("community_staff")
    job = imported_roster(staff_a, world.community_a, roster_csv([_row_for(person, 3)]))
    assert job.status == ImportJob.Status.DONE, job.message
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE
    assert person.area.path.startswith(world.community_a.path)
    # and once more by single registration, after moving out of A
    services.person_leave(actor=staff_a, person_id=person.pk, on=datetime.date(2025, 1, 1))
    again = services.person_register(
        actor=staff_b,
        community_code=world.community_b.code,
        name=person.name,
        id_number=number,
        residence_type="户籍",
        street_address="和平路1号",
    )
    assert isinstance(again, Person) and again.pk == person.pk and again.area_id == world.community_b.pk


def test_registering_a_guessed_number_elsewhere_names_nothing(world, user_of, elsewhere):
    with pytest.raises(ValidationError) as caught:
        services.person_register(
            actor=user_of("community_staff"),
            community_code=world.community_a.code,
            name="李四",
            id_number=elsewhere.id_number,
            residence_type="户籍",
            street_address="南京南街12号",
        )
    text = str(caught.value)
    assert elsewhere.name not in text and elsewhere.area.name not in text
    assert not MoveRequest.objects.exists()


def _staff_of(community: Area):
    from shequ.accounts.roles import Role
    from tests.factories import account

    return account(f"staff-{community.code}", Role.COMMUNITY_STAFF, community)
