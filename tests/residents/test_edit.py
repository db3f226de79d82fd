"""Correcting a resident after entry: every roster field by the rules of registration, with history and
audit; the identity number only with the reveal permission; plausible move-out and death dates; one
record of a group at a time; grid workers registering into their grid; the reveal on a resident's page;
the status filter."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.audit.models import AuditEvent
from shequ.privacy.fields import lookup
from shequ.residents import services
from shequ.residents.models import Person, PersonChange, PersonStatus
from tests.factories import id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def jia(world):
    """甲: head of H-101 in grid A1 of community A, born 1960-01-01 (conftest's world)."""
    return Person.objects.get(name="甲")


def _register(user, world, n: int, **extra: str) -> Person:
    fields = {
        "name": f"新居民{n}",
        "id_number": id_number(n, birth="19800101"),
        "residence_type": "户籍",
        "street_address": "和平路8号",
        "household_number": f"E-{n}",
        "relation": "户主",
        "grid": "第1网格",
        **extra,
    }
    person = services.person_register(actor=user, community_code=world.community_a.code, **fields)
    assert isinstance(person, Person)
    return person


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- plausible dates and single tags ----------------------------------------------------------------


def test_a_move_out_before_birth_is_refused(world, user_of, jia):
    with pytest.raises(ValidationError) as exc:
        services.person_leave(actor=user_of("grid_worker"), person_id=jia.pk, on=datetime.date(1900, 1, 1))
    assert "on" in _errors(exc)
    jia.refresh_from_db()
    assert jia.status == PersonStatus.ACTIVE and jia.left_on is None


def test_a_death_before_moving_in_is_refused(world, user_of):
    staff = user_of("community_staff")
    person = _register(staff, world, 501, moved_in_on="2015-06-01")
    with pytest.raises(ValidationError) as exc:
        services.person_leave(actor=staff, person_id=person.pk, on=datetime.date(2010, 1, 1), died=True)
    assert "2015-06-01" in _errors(exc)["on"][0]
    services.person_leave(actor=staff, person_id=person.pk, on=datetime.date(2020, 1, 1), died=True)
    assert Person.objects.get(pk=person.pk).status == PersonStatus.DECEASED


def test_the_same_group_over_overlapping_dates_is_refused(world, user_of, jia):
    """甲 is a veteran from 2010-01-01 with no end (the world's fixture)."""
    worker = user_of("grid_worker")
    with pytest.raises(ValidationError) as exc:
        services.tag_add(
            actor=worker,
            person_id=jia.pk,
            tag_code="veteran",
            source="退役军人事务局",
            valid_from=datetime.date(2020, 1, 1),
        )
    assert "valid_from" in _errors(exc)
    # An earlier, closed period does not overlap: recorded.
    services.tag_add(
        actor=worker,
        person_id=jia.pk,
        tag_code="veteran",
        source="退役军人事务局",
        valid_from=datetime.date(2000, 1, 1),
        valid_to=datetime.date(2005, 1, 1),
    )
    assert jia.tags.filter(tag__code="veteran").count() == 2


# --- correcting a resident --------------------------------------------------------------------------


def test_a_correction_is_audited_and_its_history_names_the_fields_never_the_values(world, user_of, jia):
    worker = user_of("grid_worker")
    services.person_update(actor=worker, person_id=jia.pk, name="甲乙", phone="13900009999", room="102")
    jia.refresh_from_db()
    assert jia.name == "甲乙" and jia.phone == "13900009999" and jia.address.room == "102"
    assert Person.objects.filter(lookup(Person, "phone", "13900009999")).get() == jia
    entry = jia.changes.get(kind=PersonChange.Kind.UPDATED)
    assert entry.changes == {"fields": ["name", "phone", "address"]} and entry.actor == worker
    event = AuditEvent.objects.get(action="residents.person_update", object_id=str(jia.pk))
    stored = json.dumps([entry.changes, event.data], ensure_ascii=False)
    assert "13900009999" not in stored and "甲乙" not in stored and "102" not in stored


def test_a_correction_follows_the_rules_of_registration(world, user_of, jia):
    with pytest.raises(ValidationError) as exc:
        services.person_update(
            actor=user_of("grid_worker"),
            person_id=jia.pk,
            phone="12345",
            residence_type="外星",
            moved_in_on="2999-01-01",
        )
    assert set(_errors(exc)) == {"phone", "residence_type", "moved_in_on"}
    assert not jia.changes.filter(kind=PersonChange.Kind.UPDATED).exists()


def test_the_identity_number_needs_the_reveal_permission(world, user_of, jia):
    new = id_number(7, birth="19610202")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=user_of("grid_worker"), person_id=jia.pk, id_number=new)
    assert "id_number" in _errors(exc)
    services.person_update(actor=user_of("community_staff"), person_id=jia.pk, id_number=new)
    jia.refresh_from_db()
    # Sex and birth date follow the number; the blind index finds the new one, not the old.
    assert jia.birth_date == datetime.date(1961, 2, 2) and jia.sex == "M"
    assert Person.objects.filter(lookup(Person, "id_number", new)).get() == jia
    assert jia.changes.get(kind=PersonChange.Kind.UPDATED).changes["fields"] == ["id_number", "sex", "birth_date"]


def test_another_residents_identity_number_is_refused(world, user_of, jia):
    other = Person.objects.get(name="乙")  # community B: out of community A's reach
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=user_of("community_staff"), person_id=jia.pk, id_number=str(other.id_number))
    assert "乙" not in str(exc.value) and "id_number" in _errors(exc)
    assert AuditEvent.objects.filter(action="privacy.lookup", data__purpose="residents.update").exists()


def test_a_head_is_not_demoted_nor_a_second_head_made_by_a_correction(world, user_of, jia):
    staff = user_of("community_staff")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=staff, person_id=jia.pk, relation="配偶")
    assert "relation" in _errors(exc)
    spouse = _register(staff, world, 502, household_number="H-101", relation="配偶", street_address="和平路1号")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=staff, person_id=spouse.pk, relation="户主")
    assert "relation" in _errors(exc)


def test_outside_the_area_a_correction_is_a_404(world, user_of, jia):
    with pytest.raises(Http404):
        services.person_update(actor=user_of("grid_worker_b"), person_id=jia.pk, name="乙")
    with pytest.raises(Http404):
        services.person_update(actor=user_of("community_staff_b"), person_id=jia.pk, name="乙")


def test_the_api_corrects_and_names_bad_fields(world, client_of, jia):
    client = client_of("grid_worker")
    response = client.patch(f"/api/residents/{jia.pk}", {"ethnicity": "满族"}, content_type="application/json")
    assert response.status_code == 200 and Person.objects.get(pk=jia.pk).ethnicity == "满族"
    response = client.patch(f"/api/residents/{jia.pk}", {"phone": "999"}, content_type="application/json")
    assert response.status_code == 422 and "phone" in response.content.decode()
    assert "999" not in response.content.decode()
    other = client_of("grid_worker_b").patch(f"/api/residents/{jia.pk}", {"name": "x"}, content_type="application/json")
    assert other.status_code == 404


def test_the_edit_page_saves_and_the_history_shows_the_field_names(world, client_of, jia):
    client = client_of("grid_worker")
    page = client.get(f"/residents/{jia.pk}/edit/")
    assert page.status_code == 200
    data = {
        "name": "甲丙",
        "id_number": "",
        "phone": "",
        "residence_type": "registered",
        "street_address": "和平路1号",
        "building": "1",
        "unit": "1",
        "room": "101",
        "grid": "第1网格",
        "relation": "02",
        "ethnicity": "",
        "moved_in_on": "",
    }
    response = client.post(f"/residents/{jia.pk}/edit/", data)
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "error" in line]
    jia.refresh_from_db()
    assert jia.name == "甲丙" and jia.phone  # an empty phone box keeps the phone
    detail = client.get(f"/residents/{jia.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "姓名" in detail and "grid_worker" in detail


# --- registering by role ------------------------------------------------------------------------------


def test_a_grid_worker_registers_into_their_grid(world, user_of):
    worker = user_of("grid_worker")
    person = services.person_register(
        actor=worker,
        community_code=world.community_a.code,
        name="网格居民",
        id_number=id_number(601, birth="19900101"),
        residence_type="户籍",
        street_address="和平路3号",
    )
    assert person.area == world.grid_a1
    with pytest.raises(Http404):
        services.person_register(
            actor=worker,
            community_code=world.community_a.code,
            name="网格居民二",
            id_number=id_number(603, birth="19900101"),
            residence_type="户籍",
            street_address="和平路3号",
            grid="第2网格",
        )
    with pytest.raises(Http404):
        services.person_register(
            actor=worker,
            community_code=world.community_b.code,
            name="网格居民三",
            id_number=id_number(605, birth="19900101"),
            residence_type="户籍",
            street_address="和平路3号",
        )


def test_the_registration_page_offers_each_role_its_own_community_and_grid(world, client_of):
    page = client_of("grid_worker").get("/residents/new/").content.decode()
    assert f'value="{world.community_a.code}" selected' in page
    assert "第1网格" in page and "第2网格" not in page
    staff = client_of("community_staff").get("/residents/new/").content.decode()
    assert f'value="{world.community_a.code}" selected' in staff and "第2网格" in staff
    # Over many communities: a search-as-you-type picker, no list of every community.
    street = client_of("street_officer").get("/residents/new/").content.decode()
    assert "data-area-picker" in street and world.community_b.code not in street


# --- the reveal on a resident's page, the status filter -------------------------------------------------


def test_the_reveal_on_a_residents_page_posts_to_the_reveal(world, client_of, jia):
    client = client_of("community_staff")
    page = client.get(f"/residents/{jia.pk}/").content.decode()
    assert f'hx-post="/residents/{jia.pk}/reveal/"' in page
    answer = client.post(
        f"/residents/{jia.pk}/reveal/",
        {"field": "phone", "category": "home_visit", "reason": "入户核实信息"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert str(jia.phone) in answer and "<html" not in answer
    assert AuditEvent.objects.filter(action="privacy.reveal", object_id=str(jia.pk)).exists()


def test_moved_out_residents_stay_findable_by_status(world, user_of, client_of, jia):
    services.person_leave(actor=user_of("grid_worker"), person_id=jia.pk, on=datetime.date(2020, 1, 1))
    client = client_of("grid_worker")

    def names(status: str) -> set[str]:
        return {row["name"] for row in client.get(f"/api/residents?status={status}").json()["items"]}

    assert "甲" not in names("active")
    assert "甲" in names("moved_out") and "甲" in names("all") and "甲" in names("")
    assert "甲" not in names("deceased")
