"""The mutual-aid care demo, made through the real services: in the demo communities (demo-community's
and demo-community-b's) residents aged 18-59 register as volunteers from their portal accounts and the
community confirms most of them (one refused, one still waiting); elders 60+ get care tasks open, taken,
done (hours waiting) and confirmed (banked); one volunteer redeems hours. The demo resident (an elder
of community A, when load_demo_cases registered her) has a task done whose hours she confirms herself.

Needs ``load_demo`` and its residents first; idempotent (nothing is added once the demo's staff have
decided a registration)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.areas.models import Area
from shequ.casework.selectors import resident_persons
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import granted_paths
from shequ.privacy.fields import lookup
from shequ.programmes.common.eligibility import eligible_people
from shequ.programmes.common.seeding import load_programmes
from shequ.residents.models import Person, PersonStatus
from shequ.residents.services import resident_account_for_phone

from . import services
from .models import ServiceType, Volunteer
from .places import street_of

SERVICE_CODES = ["companionship", "shopping", "clinic_escort", "other"]
AVAILABILITY = ["工作日上午", "工作日晚上", "周末全天", "周六下午", "每周二、四上午"]
SKILLS = ["会开车", "懂基本护理", "会用智能手机", "擅长聊天", "会做饭", ""]
NOTES = ["陪老人聊天、读报", "去超市代买米面油", "陪同去社区医院复查", "帮忙缴纳水电费", "陪老人下楼散步"]


@transaction.atomic  # all or nothing: a half-made demo would be skipped by the next run
def load_demo_volunteers(*, seed: int = 2026, volunteers: int = 4, tasks: int = 8) -> dict[str, int]:
    """Volunteers and care tasks in each demo community; returns what was made."""
    if Volunteer.objects.filter(decided_by__username__in=["demo-community", "demo-community-b"]).exists():
        return {"volunteers": 0, "tasks": 0, "confirmed": 0, "redeemed": 0}
    load_programmes()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    made = {"volunteers": 0, "tasks": 0, "confirmed": 0, "redeemed": 0}
    for username in ("demo-community", "demo-community-b"):
        staff = User.objects.filter(username=username, is_active=True).first()
        if staff is None:
            continue
        community = _community_of(staff)
        if community is None:
            continue
        accounts = _volunteers(staff, community, volunteers, rng, made)
        elders = list(
            eligible_people(
                services.programme(),
                Person.objects.filter(area__path__startswith=community.path, status=PersonStatus.ACTIVE),
                timezone.localdate(),
            ).order_by("pk")[:tasks]
        )
        _tasks(staff, accounts, elders, rng, made)
        _redeem(staff, community, made)
    _demo_resident_task(made)
    return made


def _community_of(staff: User) -> Area | None:
    paths = granted_paths(staff, Capability.PROGRAMME_MANAGE)
    return Area.objects.filter(path__in=paths).order_by("level").first()


def _volunteers(staff: User, community: Area, count: int, rng: random.Random, made: dict[str, int]) -> list[User]:
    """Adults of the community with a phone register through a resident account of their own; the staff
    confirm all but the last two (one refused, one waiting). Returns the confirmed volunteers' accounts."""
    today = timezone.localdate()
    adults = Person.objects.filter(
        area__path__startswith=community.path,
        status=PersonStatus.ACTIVE,
        birth_date__lte=today.replace(year=today.year - 18),
        birth_date__gt=today.replace(year=today.year - 60),
    ).order_by("pk")
    confirmed: list[User] = []
    used_phones: set[str] = set()
    registered = 0
    for person in adults:
        if registered >= count + 2:
            break
        if not person.phone or person.phone in used_phones:
            continue
        used_phones.add(person.phone)
        account = _resident_account(person.phone)
        if account is None or not resident_persons(account).filter(pk=person.pk).exists():
            continue
        volunteer = services.volunteer_register(
            actor=account,
            person_id=person.pk,
            service_type_codes=rng.sample(SERVICE_CODES[:3], k=rng.randint(1, 3)),
            availability=rng.choice(AVAILABILITY),
            skills=rng.choice(SKILLS),
            consent=True,
        )
        registered += 1
        made["volunteers"] += 1
        if registered <= count:
            services.volunteer_decide(actor=staff, volunteer_id=volunteer.pk, confirm=True)
            confirmed.append(account)
        elif registered == count + 1:
            services.volunteer_decide(
                actor=staff, volunteer_id=volunteer.pk, confirm=False, note="未满足本社区常住条件，请补充居住证明"
            )
    return confirmed


def _resident_account(phone: str) -> User | None:
    """The resident account of this phone, made as at a first sign-in to the portal when there is none."""
    existing = (
        User.objects.filter(lookup(User, "phone", phone), grants__role=Role.RESIDENT, is_active=True)
        .order_by("pk")
        .first()
    )
    return existing or resident_account_for_phone(phone=phone)


def _tasks(staff: User, accounts: list[User], elders: list[Person], rng: random.Random, made: dict[str, int]) -> None:
    """One task per elder, in turn: confirmed, done (hours waiting), taken, open, and again."""
    if not accounts:
        return
    now = timezone.now()
    types = list(ServiceType.objects.filter(code__in=SERVICE_CODES, is_active=True).values_list("code", flat=True))
    for n, elder in enumerate(elders):
        stage = n % 4
        past = stage in (0, 1)
        starts = (
            now - datetime.timedelta(hours=rng.randint(3, 20))
            if past
            else now + datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
        )
        task = services.task_post(
            actor=staff,
            elder_id=elder.pk,
            service_type_code=rng.choice(types),
            starts_at=starts,
            duration_minutes=rng.choice([30, 60, 90, 120]),
            description=rng.choice(NOTES),
        )
        made["tasks"] += 1
        if stage == 3:
            continue  # open
        volunteer = accounts[n % len(accounts)]
        if elder.household_id and resident_persons(volunteer).filter(household_id=elder.household_id).exists():
            continue  # a volunteer does not take their own household's task: leave it open
        services.task_take(actor=volunteer, task_id=task.pk)
        if stage == 2:
            continue  # taken
        services.task_complete(actor=volunteer, task_id=task.pk, hours=rng.choice(["1", "1.5", "2", "2.5"]))
        if stage == 0:
            services.task_confirm(actor=staff, task_id=task.pk)
            made["confirmed"] += 1


def _redeem(staff: User, community: Area, made: dict[str, int]) -> None:
    """The first volunteer with banked hours redeems one hour for themselves (a home haircut)."""
    for volunteer in Volunteer.objects.filter(area__path__startswith=community.path, state="confirmed").order_by("pk"):
        if services.balance_of(volunteer) >= 1:
            services.hours_redeem(
                actor=staff,
                volunteer_id=volunteer.pk,
                hours="1",
                beneficiary_id=volunteer.person_id,
                reason="兑换上门理发服务",
                service_type_code="other",
            )
            made["redeemed"] += 1
            return


def _demo_resident_task(made: dict[str, int]) -> None:
    """A task done for the demo resident (an elder), waiting for her to confirm the hours from the portal."""
    resident = User.objects.filter(username="demo-resident", is_active=True).first()
    staff = User.objects.filter(username="demo-community", is_active=True).first()
    if resident is None or staff is None:
        return
    elder = resident_persons(resident).first()
    if elder is None or not services.manages(staff, elder.area.path):
        return
    street_path = street_of(elder.area).path
    volunteers = Volunteer.objects.filter(state="confirmed", area__path__startswith=street_path)
    if elder.household_id:
        volunteers = volunteers.exclude(person__household_id=elder.household_id)
    volunteer = volunteers.select_related("account").order_by("pk").first()
    if volunteer is None:
        return
    task = services.task_post(
        actor=staff,
        elder_id=elder.pk,
        service_type_code="clinic_escort",
        starts_at=timezone.now() - datetime.timedelta(hours=5),
        duration_minutes=120,
        description="陪同去医院取药",
    )
    services.task_take(actor=volunteer.account, task_id=task.pk)
    services.task_complete(actor=volunteer.account, task_id=task.pk, hours="2")
    made["tasks"] += 1
