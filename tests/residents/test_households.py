"""Households: exactly one head (services, the import and a database constraint), changing the head,
moving a member, splitting and merging, each audited with history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from shequ.audit.models import AuditEvent
from shequ.imports.models import ImportJob
from shequ.residents import services
from shequ.residents.models import Household, Person, PersonChange, Relation
from tests.factories import id_number, imported_roster, roster_csv, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def jia(world):
    """甲: head of H-101 in grid A1 of community A (conftest's world)."""
    return Person.objects.get(name="甲")


def _member(user, world, n: int, household: str = "H-101", relation: str = "配偶", **extra: str) -> Person:
    person = services.person_register(
        actor=user,
        community_code=world.community_a.code,
        name=f"成员{n}",
        id_number=id_number(n, birth="19700101"),
        residence_type="户籍",
        street_address="和平路1号",
        household_number=household,
        relation=relation,
        grid="第1网格",
        **extra,
    )
    assert isinstance(person, Person)
    return person


def test_a_second_head_is_refused_by_registration_and_by_the_database(world, user_of, jia):
    with pytest.raises(ValidationError) as exc:
        _member(user_of("community_staff"), world, 701, relation="户主")
    assert "relation" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=_member(user_of("community_staff"), world, 703).pk).update(relation=Relation.HEAD)


def test_an_import_with_two_heads_of_one_household_reports_the_rows(world, user_of):
    rows = [roster_row(n) for n in range(3)] + [roster_row(3, 户号="H0", 与户主关系="户主")]
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv(rows), "roster.csv")
    assert job.status == ImportJob.Status.REJECTED
    assert not Person.objects.filter(name__startswith="居民").exists()


def test_an_import_naming_a_second_head_beside_one_living_there_is_refused(world, user_of, jia):
    row = roster_row(0, 户号="H-101", 与户主关系="户主")
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv([row]), "roster.csv")
    assert job.status == ImportJob.Status.REJECTED


def test_changing_the_head(world, user_of, jia):
    staff = user_of("community_staff")
    spouse = _member(staff, world, 705)
    services.household_set_head(actor=staff, household_id=jia.household_id, person_id=spouse.pk, former_relation="10")
    jia.refresh_from_db()
    spouse.refresh_from_db()
    assert (jia.relation, spouse.relation) == (Relation.SPOUSE, Relation.HEAD)
    for person in (jia, spouse):
        assert person.changes.filter(kind=PersonChange.Kind.UPDATED, changes={"fields": ["relation"]}).exists()
    assert AuditEvent.objects.filter(action="residents.household_head", object_id=str(jia.household_id)).exists()
    with pytest.raises(ValidationError):  # the former head cannot stay head
        services.household_set_head(actor=staff, household_id=jia.household_id, person_id=jia.pk, former_relation="02")


def test_outside_the_area_the_household_is_a_404(world, user_of, jia):
    with pytest.raises(Http404):
        services.household_set_head(
            actor=user_of("community_staff_b"), household_id=jia.household_id, person_id=jia.pk, former_relation="10"
        )


def test_moving_a_member_to_another_household_of_the_community(world, user_of, jia):
    staff = user_of("community_staff")
    child = _member(staff, world, 707, relation="子")
    other = _member(staff, world, 709, household="H-900", relation="户主", room="900")
    services.member_move(actor=staff, person_id=child.pk, household_id=other.household_id, relation="子")
    child.refresh_from_db()
    assert child.household_id == other.household_id and child.address_id == other.address_id
    assert child.changes.get(kind=PersonChange.Kind.UPDATED).changes == {"fields": ["household", "address"]}
    # The head cannot leave while members stay; a household of another community is out of reach.
    services.member_move(actor=staff, person_id=child.pk, household_id=jia.household_id, relation="子")
    with pytest.raises(ValidationError):
        services.member_move(actor=staff, person_id=jia.pk, household_id=other.household_id, relation="10")
    yi = Person.objects.get(name="乙")
    with pytest.raises(Http404):
        services.member_move(actor=staff, person_id=child.pk, household_id=yi.household_id, relation="子")


def test_splitting_and_merging(world, user_of, jia):
    staff = user_of("community_staff")
    son = _member(staff, world, 711, relation="子")
    wife = _member(staff, world, 713, relation="儿媳")
    new = services.household_split(
        actor=staff,
        household_id=jia.household_id,
        person_ids=[son.pk, wife.pk],
        head_id=son.pk,
        street_address="和平路5号",
        room="501",
        number="H-501",
    )
    son.refresh_from_db()
    wife.refresh_from_db()
    assert son.household == new and son.relation == Relation.HEAD and wife.household == new
    assert new.area == world.community_a and son.address.label == "和平路5号501室"
    assert list(Household.objects.get(pk=jia.household_id).members.all()) == [jia]
    with pytest.raises(ValidationError):  # the head stays while members stay
        services.household_split(
            actor=staff, household_id=new.pk, person_ids=[son.pk], head_id=son.pk, street_address="和平路6号"
        )
    services.household_merge(actor=staff, household_id=jia.household_id, other_id=new.pk, other_head_relation="20")
    son.refresh_from_db()
    assert son.household_id == jia.household_id and son.relation == Relation.SON
    assert not Household.objects.filter(pk=new.pk).exists()
    assert AuditEvent.objects.filter(action="residents.household_merge").count() == 1
    # Households of two communities are not merged.
    yi = Person.objects.get(name="乙")
    with pytest.raises(Http404):
        services.household_merge(
            actor=staff, household_id=jia.household_id, other_id=yi.household_id, other_head_relation="20"
        )


def test_the_household_page_changes_the_head(world, client_of, user_of, jia):
    spouse = _member(user_of("community_staff"), world, 715)
    client = client_of("grid_worker")
    page = client.get(f"/residents/households/{jia.household_id}/").content.decode()
    assert 'data-form="head"' in page
    response = client.post(
        f"/residents/households/{jia.household_id}/",
        {"action": "head", "head-person_id": spouse.pk, "head-former_relation": "10"},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=spouse.pk).relation == Relation.HEAD
    assert client_of("grid_worker_b").get(f"/residents/households/{jia.household_id}/").status_code == 404
