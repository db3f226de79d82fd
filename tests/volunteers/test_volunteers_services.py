"""Mutual-aid care's rules through its services: registration and the staff's decision, who confirms
hours (never the volunteer), the ledger (its balance is its sum; more than it is never redeemed, nothing
half-saved), what a volunteer sees of a task before taking it, and staff scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.programmes.volunteers import selectors, services
from shequ.programmes.volunteers.models import CareTask, LedgerEntry, TaskState, Volunteer, VolunteerState
from shequ.residents.models import Person

pytestmark = pytest.mark.django_db


def account(world, key: str) -> User:
    return User.objects.get(pk=world.volunteers.accounts[key])


def family(world) -> User:
    return User.objects.get(pk=world.volunteers.family)


def post(world, staff: User, elder_key: str = "elder_a", **overrides) -> CareTask:
    values = {
        "elder_id": getattr(world.volunteers, elder_key),
        "service_type_code": "companionship",
        "starts_at": timezone.now() - datetime.timedelta(hours=1),
        "duration_minutes": 60,
    } | overrides
    return services.task_post(actor=staff, **values)


def done_task(world, user_of, volunteer_key: str = "a", hours: str = "1.5") -> CareTask:
    task = post(world, user_of("community_staff"))
    services.task_take(actor=account(world, volunteer_key), task_id=task.pk)
    return services.task_complete(actor=account(world, volunteer_key), task_id=task.pk, hours=hours)


def test_registration_waits_for_the_community_and_a_refusal_needs_a_reason(world, user_of):
    pending = Volunteer.objects.get(pk=world.volunteers.pending_a)
    assert pending.state == VolunteerState.PENDING
    assert {t.code for t in pending.service_types.all()} == {"companionship", "shopping"}
    with pytest.raises(Http404):  # community B's staff do not reach community A's registration
        services.volunteer_decide(actor=user_of("community_staff_b"), volunteer_id=pending.pk, confirm=True)
    with pytest.raises(ValidationError) as refused:
        services.volunteer_decide(actor=user_of("community_staff"), volunteer_id=pending.pk, confirm=False)
    assert "note" in refused.value.message_dict
    services.volunteer_decide(
        actor=user_of("community_staff"), volunteer_id=pending.pk, confirm=False, note="不在本社区"
    )
    assert Volunteer.objects.get(pk=pending.pk).state == VolunteerState.REFUSED


def test_a_resident_registers_only_their_own_people_with_consent(world, user_of):
    someone = account(world, "a")
    other_person = Person.objects.get(pk=world.volunteers.elder_b)
    with pytest.raises(Http404):
        services.volunteer_register(
            actor=someone, person_id=other_person.pk, service_type_codes=["other"], availability="周末", consent=True
        )
    daughter = Person.objects.get(name="王丽")
    with pytest.raises(ValidationError) as missing:
        services.volunteer_register(
            actor=family(world), person_id=daughter.pk, service_type_codes=[], availability="", consent=False
        )
    assert set(missing.value.message_dict) == {"consent", "service_types", "availability"}
    assert not Volunteer.objects.filter(person=daughter).exists()
    with pytest.raises(ValidationError) as twice:  # already registered (and confirmed)
        services.volunteer_register(
            actor=someone,
            person_id=Volunteer.objects.get(pk=world.volunteers.volunteer_a).person_id,
            service_type_codes=["other"],
            availability="周末",
            consent=True,
        )
    assert "person" in twice.value.message_dict


def test_tasks_are_for_elders_of_sixty_or_more(world, user_of):
    young = Person.objects.get(name="王丽")
    with pytest.raises(ValidationError) as refused:
        services.task_post(
            actor=family(world),
            elder_id=young.pk,
            service_type_code="shopping",
            starts_at=timezone.now() + datetime.timedelta(hours=2),
            duration_minutes=30,
        )
    assert "elder" in refused.value.message_dict
    # The elder's daughter asks for help for her mother from the portal.
    task = services.task_post(
        actor=family(world),
        elder_id=world.volunteers.elder_a,
        service_type_code="shopping",
        starts_at=timezone.now() + datetime.timedelta(hours=2),
        duration_minutes=30,
    )
    assert task.state == TaskState.OPEN and task.area == world.grid_a1
    with pytest.raises(Http404):  # a stranger's elder
        services.task_post(
            actor=family(world),
            elder_id=world.volunteers.elder_b,
            service_type_code="shopping",
            starts_at=timezone.now() + datetime.timedelta(hours=2),
            duration_minutes=30,
        )


def test_the_volunteer_cannot_confirm_their_own_hours(world, user_of):
    task = done_task(world, user_of)
    with pytest.raises(ValidationError) as refused:
        services.task_confirm(actor=account(world, "a"), task_id=task.pk)
    assert refused.value.message_dict["task"] == ["志愿者不能确认自己的服务时长，须由老人、家属或社区工作人员确认。"]
    with pytest.raises(Http404):  # another volunteer is neither family nor staff
        services.task_confirm(actor=account(world, "b"), task_id=task.pk)
    with pytest.raises(Http404):  # staff of another community
        services.task_confirm(actor=user_of("community_staff_b"), task_id=task.pk)
    assert CareTask.objects.get(pk=task.pk).state == TaskState.DONE
    assert not LedgerEntry.objects.filter(task=task).exists()


def test_the_elders_family_confirms_and_the_hours_are_banked(world, user_of):
    volunteer = Volunteer.objects.get(pk=world.volunteers.volunteer_a)
    before = services.balance_of(volunteer)
    task = done_task(world, user_of, hours="1.5")
    confirmed = services.task_confirm(actor=family(world), task_id=task.pk)
    assert confirmed.state == TaskState.CONFIRMED and confirmed.confirmed_as == "family"
    assert services.balance_of(volunteer) == before + Decimal("1.5")
    with pytest.raises(ValidationError):  # once
        services.task_confirm(actor=user_of("community_staff"), task_id=task.pk)
    assert LedgerEntry.objects.filter(task=task).count() == 1


def test_community_staff_confirm(world, user_of):
    task = done_task(world, user_of, volunteer_key="a2", hours="2")
    confirmed = services.task_confirm(actor=user_of("community_staff"), task_id=task.pk)
    assert confirmed.confirmed_as == "staff"
    entry = LedgerEntry.objects.get(task=task)
    assert entry.hours == Decimal("2") and entry.recorded_by == user_of("community_staff")


def test_hours_are_given_in_half_hours(world, user_of):
    task = post(world, user_of("community_staff"))
    services.task_take(actor=account(world, "a"), task_id=task.pk)
    for wrong in ("0", "-1", "1.3", "abc", "13"):
        with pytest.raises(ValidationError) as refused:
            services.task_complete(actor=account(world, "a"), task_id=task.pk, hours=wrong)
        assert "hours" in refused.value.message_dict
    with pytest.raises(Http404):  # only the volunteer who took it completes it
        services.task_complete(actor=account(world, "a2"), task_id=task.pk, hours="1")
    assert CareTask.objects.get(pk=task.pk).state == TaskState.TAKEN


def test_a_redemption_beyond_the_balance_is_refused_and_nothing_is_saved(world, user_of):
    volunteer = Volunteer.objects.get(pk=world.volunteers.volunteer_a)
    balance = services.balance_of(volunteer)
    rows = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.hours_redeem(
            actor=user_of("community_staff"),
            volunteer_id=volunteer.pk,
            hours=balance + Decimal("0.5"),
            beneficiary_id=volunteer.person_id,
            reason="上门理发",
        )
    assert "hours" in refused.value.message_dict
    assert str(balance) in refused.value.message_dict["hours"][0]
    assert LedgerEntry.objects.count() == rows and services.balance_of(volunteer) == balance
    entry = services.hours_redeem(
        actor=user_of("community_staff"),
        volunteer_id=volunteer.pk,
        hours=balance,
        beneficiary_id=volunteer.person_id,
        reason="上门理发",
        service_type_code="other",
    )
    assert entry.hours == -balance and services.balance_of(volunteer) == 0


def test_redemption_is_for_the_volunteer_or_their_household(world, user_of):
    volunteer = Volunteer.objects.get(pk=world.volunteers.volunteer_a)
    with pytest.raises(ValidationError) as refused:
        services.hours_redeem(
            actor=user_of("community_staff"),
            volunteer_id=volunteer.pk,
            hours="0.5",
            beneficiary_id=world.volunteers.elder_a,
            reason="陪诊",
        )
    assert "beneficiary" in refused.value.message_dict
    with pytest.raises(Http404):  # another community's staff
        services.hours_redeem(
            actor=user_of("community_staff_b"),
            volunteer_id=volunteer.pk,
            hours="0.5",
            beneficiary_id=volunteer.person_id,
            reason="陪诊",
        )


def test_a_task_for_the_family_is_paid_with_banked_hours_once(world, user_of):
    """The elder's daughter volunteers too; a task done for her mother is paid with her hours."""
    daughter = Person.objects.get(name="王丽")
    hers = services.volunteer_register(
        actor=family(world), person_id=daughter.pk, service_type_codes=["other"], availability="周末", consent=True
    )
    services.volunteer_decide(actor=user_of("community_staff"), volunteer_id=hers.pk, confirm=True)
    for_mother = done_task(world, user_of, volunteer_key="a", hours="1")
    services.task_confirm(actor=family(world), task_id=for_mother.pk)
    with pytest.raises(ValidationError):  # nothing banked yet
        services.hours_redeem(
            actor=family(world), volunteer_id=hers.pk, hours=None, beneficiary_id=0, task_id=for_mother.pk
        )
    # She serves someone else's elder in community B; its staff confirm.
    task_b = post(world, user_of("community_staff_b"), elder_key="elder_b")
    services.task_take(actor=family(world), task_id=task_b.pk)
    services.task_complete(actor=family(world), task_id=task_b.pk, hours="2")
    services.task_confirm(actor=user_of("community_staff_b"), task_id=task_b.pk)
    paid = services.hours_redeem(
        actor=family(world), volunteer_id=hers.pk, hours=None, beneficiary_id=0, task_id=for_mother.pk
    )
    assert paid.hours == Decimal("-1") and paid.beneficiary_id == world.volunteers.elder_a
    assert services.balance_of(hers) == Decimal("1")
    with pytest.raises(ValidationError):
        services.hours_redeem(
            actor=family(world), volunteer_id=hers.pk, hours=None, beneficiary_id=0, task_id=for_mother.pk
        )


def test_the_ledger_balance_is_the_sum_of_its_rows(world, user_of):
    for pk in (world.volunteers.volunteer_a, world.volunteers.volunteer_b, world.volunteers.volunteer_a2):
        volunteer = Volunteer.objects.get(pk=pk)
        total = LedgerEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("hours"))["s"] or 0
        assert services.balance_of(volunteer) == total
        assert selectors.ledger(volunteer).balance == total
    volunteer_a = Volunteer.objects.get(pk=world.volunteers.volunteer_a)
    assert services.balance_of(volunteer_a) == Decimal("2")  # the world's confirmed task
    assert not hasattr(Volunteer, "balance")  # no stored, editable balance


def test_a_volunteer_of_another_community_sees_neither_name_nor_address_before_taking(world, user_of, client_of):
    volunteer_b = account(world, "b")
    elder = Person.objects.get(pk=world.volunteers.elder_a)
    views = {v.task.pk: v for v in selectors.open_tasks(volunteer_b)}
    assert world.volunteers.open_a in views and world.volunteers.open_b in views
    # Their own community's tasks first.
    assert list(views).index(world.volunteers.open_b) < list(views).index(world.volunteers.open_a)
    seen = views[world.volunteers.open_a]
    assert not seen.revealed and seen.elder_name == "" and seen.address == ""
    assert seen.community == world.community_a.name and seen.street == world.street.name
    client = client_of(None)
    client.force_login(volunteer_b)
    page = client.get(f"/programmes/volunteers/portal/tasks/{world.volunteers.open_a}/").content.decode()
    home = client.get("/programmes/volunteers/portal/").content.decode()
    api = client.get("/api/programmes/volunteers/tasks/open").content.decode()
    for text in (page, home, api):
        assert elder.name not in text and "互助路8号" not in text and elder.phone[-4:] not in text
    assert world.community_a.name in page
    # Taken: the name and the address are theirs to read.
    services.task_take(actor=volunteer_b, task_id=world.volunteers.open_a)
    page = client.get(f"/programmes/volunteers/portal/tasks/{world.volunteers.open_a}/").content.decode()
    assert elder.name in page and "互助路8号" in page
    # ...and not the other volunteers'.
    with pytest.raises(Http404):
        selectors.resident_task(account(world, "a"), world.volunteers.open_a)


def test_a_volunteer_of_another_street_does_not_reach_the_task(world):
    far = account(world, "far")
    assert world.volunteers.open_a not in {v.task.pk for v in selectors.open_tasks(far)}
    with pytest.raises(Http404):
        services.task_take(actor=far, task_id=world.volunteers.open_a)
    with pytest.raises(Http404):
        selectors.resident_task(far, world.volunteers.open_a)


def test_a_task_taken_is_not_taken_again(world, user_of):
    task = post(world, user_of("community_staff"))
    services.task_take(actor=account(world, "a"), task_id=task.pk)
    with pytest.raises(services.TaskTaken):
        services.task_take(actor=account(world, "b"), task_id=task.pk)
    assert CareTask.objects.get(pk=task.pk).volunteer_id == world.volunteers.volunteer_a


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("community_staff", {"volunteers": {"李*", "赵*", "孙*"}, "tasks": {"open_a", "done_a"}}),
        ("community_staff_b", {"volunteers": {"陈*", "吴*"}, "tasks": {"open_b", "done_b"}}),
        ("street_officer", {"volunteers": {"李*", "赵*", "孙*", "陈*", "吴*"}, "tasks": {"open_a", "open_b"}}),
        ("grid_worker", {"volunteers": {"李*", "赵*", "孙*"}, "tasks": {"open_a", "done_a"}}),
    ],
)
def test_staff_read_their_own_area(world, user_of, persona, expected):
    staff = user_of(persona)
    names = {selectors.mask_name(v.person.name) for v in selectors.staff_volunteers(staff)}
    assert expected["volunteers"] <= names
    foreign = {"李*", "赵*", "孙*", "陈*", "吴*", "郑*"} - expected["volunteers"]
    assert not names & foreign
    tasks = set(selectors.staff_tasks(staff).values_list("pk", flat=True))
    assert {getattr(world.volunteers, key) for key in expected["tasks"]} <= tasks
    elsewhere = {world.volunteers.open_a, world.volunteers.open_b, world.volunteers.done_a, world.volunteers.done_b}
    assert (
        not (tasks & elsewhere)
        - {getattr(world.volunteers, key) for key in expected["tasks"]}
        - (elsewhere if persona == "street_officer" else set())
    )


def test_another_communitys_staff_get_a_404(world, user_of, client_of):
    with pytest.raises(Http404):
        selectors.staff_task(user_of("community_staff_b"), world.volunteers.done_a)
    with pytest.raises(Http404):
        selectors.staff_volunteer(user_of("community_staff_b"), world.volunteers.volunteer_a)
    client = client_of("community_staff_b")
    assert client.get(f"/programmes/volunteers/tasks/{world.volunteers.done_a}/").status_code == 404
    assert client.get(f"/programmes/volunteers/{world.volunteers.volunteer_a}/").status_code == 404
    assert client.post(f"/programmes/volunteers/tasks/{world.volunteers.done_a}/confirm/").status_code == 404
    assert client.get(f"/api/programmes/volunteers/volunteers?area={world.community_a.code}").status_code == 404
    assert CareTask.objects.get(pk=world.volunteers.done_a).state == TaskState.DONE
    # The children's officer runs another domain: nothing of the eldercare time bank.
    assert not selectors.staff_volunteers(user_of("children_officer")).exists()
    assert selectors.staff_volunteers(user_of("programme_officer")).filter(pk=world.volunteers.volunteer_far).exists()


def test_figures_by_area_add_up(world, user_of):
    total, rows = selectors.figures_by_area(world.street)
    by_code = {r.area.code: r.values for r in rows}
    a, b = by_code[world.community_a.code], by_code[world.community_b.code]
    assert a["volunteers"] == 2 and a["pending"] == 1 and b["volunteers"] == 1 and b["pending"] == 1
    assert a["tasks_done"] == 2 and b["tasks_done"] == 2  # one confirmed and one waiting each
    assert a["hours_banked"] == 2.0 and b["hours_banked"] == 1.5
    assert a["hours_served"] == 3.0 and b["hours_served"] == 2.5
    assert total["hours_banked"] == 3.5 and total["volunteers"] == 3
    district = selectors.figures_for(world.district.path)
    assert district["volunteers"] == 4  # and the neighbouring street's volunteer


def test_service_types_are_edited_by_the_programmes_officers_over_the_city(world, user_of, client_of):
    officer = user_of("programme_officer")
    saved = services.service_type_save(actor=officer, code="reading", name="读书读报", ordering=40)
    assert saved.is_active and saved.name == "读书读报"
    services.service_type_save(actor=officer, code="reading", name="读报", ordering=40, is_active=False)
    assert "reading" not in {t.code for t in selectors.service_types()}
    with pytest.raises(ValidationError):
        services.service_type_save(actor=officer, code="Bad Code", name="x")
    for persona in ("community_staff", "district_officer", "children_officer"):
        with pytest.raises(Http404):
            services.service_type_save(actor=user_of(persona), code="reading", name="读报")
    page = client_of("programme_officer").get("/programmes/volunteers/service-types/").content.decode()
    assert "陪诊" in page and 'name="code"' in page
    assert (
        'name="code"' not in client_of("community_staff").get("/programmes/volunteers/service-types/").content.decode()
    )


def test_a_volunteer_is_not_offered_their_own_households_task(world, user_of):
    daughter = Person.objects.get(name="王丽")
    hers = services.volunteer_register(
        actor=family(world), person_id=daughter.pk, service_type_codes=["other"], availability="周末", consent=True
    )
    services.volunteer_decide(actor=user_of("community_staff"), volunteer_id=hers.pk, confirm=True)
    offered = {v.task.pk for v in selectors.open_tasks(family(world))}
    assert world.volunteers.open_a not in offered and world.volunteers.open_b in offered
    with pytest.raises(ValidationError):
        services.task_take(actor=family(world), task_id=world.volunteers.open_a)
