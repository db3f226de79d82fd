"""Mutual-aid care's rows in the shared test world, made through the real services.

Community A (grid A1): the elder 王秀英 (born 1948, household VA1) and her daughter 王丽 (the account
``vol_family_a``); the volunteers 李明 (``vol_a``, with 2 banked hours), 赵强 (``vol_a2``), and 孙芳's
registration waiting (``vol_pending_a``). Community B (same street): the elder 周桂兰, the volunteer 陈静
(``vol_b``, 1.5 banked hours) and 吴磊's registration waiting. A community of the neighbouring street:
the volunteer 郑涛 (``vol_far``). Tasks: one open in each of A and B, one done in A waiting for its hours.
The pks are in ``world.volunteers`` (a SimpleNamespace)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Level
from shequ.programmes.volunteers import services
from shequ.residents.models import Address, Household, Person, Relation, ResidenceType, Sex
from tests import factories

_numbers = iter(range(700, 800))


def person(name: str, area: Area, community: Area, *, born: str, phone: str, household: Household | None = None):
    """A registered resident; a new household (head) unless ``household`` is given (then a child)."""
    number = next(_numbers)
    if household is None:
        address = Address.objects.create(
            area=area, street_address="互助路8号", building="2", unit="1", room=str(number)
        )
        household = Household.objects.create(area=community, address=address, number=f"VA-{number}")
        relation = Relation.HEAD
    else:
        relation = Relation.DAUGHTER
    return Person.objects.create(
        area=area,
        name=name,
        id_number=factories.id_number(number, birth=born.replace("-", "")),
        phone=phone,
        sex=Sex.FEMALE,
        birth_date=born,
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=relation,
        address=household.address,
    )


def resident_account(username: str, phone: str, area: Area) -> User:
    return factories.account(username, Role.RESIDENT, area, home_area=area, phone=phone)


def volunteer(username: str, name: str, area: Area, community: Area, phone: str, staff: User | None):
    """A resident registers themselves; ``staff`` confirm them (None: the registration waits)."""
    account = resident_account(username, phone, area)
    who = person(name, area, community, born="1985-05-05", phone=phone)
    registered = services.volunteer_register(
        actor=account,
        person_id=who.pk,
        service_type_codes=["companionship", "shopping"],
        availability="工作日上午",
        skills="会开车",
        consent=True,
    )
    if staff is not None:
        services.volunteer_decide(actor=staff, volunteer_id=registered.pk, confirm=True)
    return account, registered


def served(staff: User, account: User, elder: Person, hours: str, *, confirm: bool = True):
    """A task for ``elder`` posted by ``staff``, taken and completed by ``account``'s volunteer, and
    confirmed by ``staff`` (when ``confirm``)."""
    task = services.task_post(
        actor=staff,
        elder_id=elder.pk,
        service_type_code="shopping",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        duration_minutes=60,
        description="买菜",
    )
    services.task_take(actor=account, task_id=task.pk)
    services.task_complete(actor=account, task_id=task.pk, hours=hours)
    if confirm:
        services.task_confirm(actor=staff, task_id=task.pk)
    return task


def extend(world) -> None:
    staff_a = User.objects.get(pk=world.personas["community_staff"])
    staff_b = User.objects.get(pk=world.personas["community_staff_b"])
    a, b, grid = world.community_a, world.community_b, world.grid_a1
    far = Area.objects.filter(parent=world.street_b, level=Level.COMMUNITY).order_by("code").first()
    staff_far = factories.account("vol_staff_far", Role.COMMUNITY_STAFF, far)

    elder_a = person("王秀英", grid, a, born="1948-03-01", phone="13660000001")
    family = resident_account("vol_family_a", "13660000002", grid)
    person("王丽", grid, a, born="1975-06-01", phone="13660000002", household=elder_a.household)
    elder_b = person("周桂兰", b, b, born="1950-07-07", phone="13660000011")

    vol_a, volunteer_a = volunteer("vol_a", "李明", grid, a, "13660000003", staff_a)
    vol_a2, volunteer_a2 = volunteer("vol_a2", "赵强", grid, a, "13660000004", staff_a)
    vol_b, volunteer_b = volunteer("vol_b", "陈静", b, b, "13660000005", staff_b)
    vol_far, volunteer_far = volunteer("vol_far", "郑涛", far, far, "13660000006", staff_far)
    _, pending_a = volunteer("vol_pending_a", "孙芳", grid, a, "13660000007", None)
    _, pending_b = volunteer("vol_pending_b", "吴磊", b, b, "13660000008", None)

    served(staff_a, vol_a, elder_a, "2")
    served(staff_b, vol_b, elder_b, "1.5")
    done_a = served(staff_a, vol_a2, elder_a, "1", confirm=False)
    done_b = served(staff_b, vol_b, elder_b, "1", confirm=False)
    open_a = services.task_post(
        actor=staff_a,
        elder_id=elder_a.pk,
        service_type_code="clinic_escort",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        duration_minutes=120,
        description="陪同去医院复查",
    )
    open_b = services.task_post(
        actor=staff_b,
        elder_id=elder_b.pk,
        service_type_code="companionship",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=60,
    )
    world.volunteers = SimpleNamespace(
        far=far.pk,
        elder_a=elder_a.pk,
        elder_b=elder_b.pk,
        family=family.pk,
        accounts={"a": vol_a.pk, "a2": vol_a2.pk, "b": vol_b.pk, "far": vol_far.pk},
        volunteer_a=volunteer_a.pk,
        volunteer_a2=volunteer_a2.pk,
        volunteer_b=volunteer_b.pk,
        volunteer_far=volunteer_far.pk,
        pending_a=pending_a.pk,
        pending_b=pending_b.pk,
        done_a=done_a.pk,
        done_b=done_b.pk,
        open_a=open_a.pk,
        open_b=open_b.pk,
    )
