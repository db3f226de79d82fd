"""Every read of mutual-aid care, scoped from the actor: staff read the volunteers and tasks of their area
through the programme's access rule (``programmes.common.access``); a volunteer reads the open tasks
of their street without the elder's name or address until they take one; a resident reads the tasks of
their people's households. Out of reach is a 404.

The indicator functions at the end (``figures_for``, ``figures_by_area``) are plain: given an area they
count what lies in its subtree, for the indicators and the figures page alike."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.casework.selectors import resident_persons
from shequ.lib.capabilities import Capability
from shequ.lib.masking import mask_phone
from shequ.lib.scoping import paths_filter
from shequ.programmes.common import access
from shequ.programmes.common.eligibility import eligible_people
from shequ.programmes.common.selectors import AreaRow, per_child_area
from shequ.residents.models import Person, PersonStatus

from .models import ZERO, CareTask, EntryKind, LedgerEntry, ServiceType, TaskState, Volunteer, VolunteerState
from .places import community_of, street_of
from .services import balance_of, edits_service_types, is_resident, may_confirm, own_volunteer, programme


def mask_name(name: str) -> str:
    """张*、王*兰: a list tells rows apart without being read over a shoulder."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def service_types() -> list[ServiceType]:
    return list(ServiceType.objects.filter(is_active=True))


def staff_paths(actor: User, capability: str = Capability.PROGRAMME_READ) -> list[str]:
    return access.programme_paths(actor, programme(), capability)


def is_staff(actor: User) -> bool:
    return bool(staff_paths(actor))


def may_post(actor: User) -> bool:
    return bool(staff_paths(actor, Capability.PROGRAMME_MANAGE))


def all_service_types() -> list[ServiceType]:
    return list(ServiceType.objects.all())


def may_edit_types(actor: User) -> bool:
    return edits_service_types(actor)


def registrable_people(actor: User) -> list[Person]:
    """The resident's people (their phone's), whom they may register as volunteers."""
    return list(resident_persons(actor).order_by("pk")) if is_resident(actor) else []


def _scoped_area(actor: User, code: str) -> Area | None:
    if not code:
        return None
    area = Area.objects.filter(code=code[:20]).first()
    if area is None or not any(area.path.startswith(p) for p in staff_paths(actor)):
        raise Http404
    return area


# ---- staff -------------------------------------------------------------------------------------------


def staff_volunteers(actor: User, *, state: str = "", area_code: str = "") -> QuerySet[Volunteer]:
    rows = Volunteer.objects.filter(paths_filter("area__path", staff_paths(actor))).select_related("person", "area")
    area = _scoped_area(actor, area_code)
    if area is not None:
        rows = rows.filter(area__path__startswith=area.path)
    if state:
        rows = rows.filter(state=state)
    return rows.prefetch_related("service_types").order_by("-created_at", "-pk")


def staff_volunteer(actor: User, volunteer_id: int) -> Volunteer:
    volunteer = staff_volunteers(actor).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise Http404
    return volunteer


def staff_tasks(actor: User, *, state: str = "", area_code: str = "") -> QuerySet[CareTask]:
    rows = CareTask.objects.filter(paths_filter("area__path", staff_paths(actor))).select_related(
        "elder", "area", "service_type", "volunteer__person"
    )
    area = _scoped_area(actor, area_code)
    if area is not None:
        rows = rows.filter(area__path__startswith=area.path)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-starts_at", "-pk")


def staff_task(actor: User, task_id: int) -> CareTask:
    task = staff_tasks(actor).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def elders_for_staff(actor: User, query: str = "") -> QuerySet[Person]:
    """The elders (60+) a staff member may post a task for: the programme's eligible people of their area."""
    paths = staff_paths(actor, Capability.PROGRAMME_MANAGE)
    if not paths:
        return Person.objects.none()
    people = Person.objects.filter(paths_filter("area__path", paths), status=PersonStatus.ACTIVE)
    if query:
        people = people.filter(name__contains=query[:50])
    return eligible_people(programme(), people, timezone.localdate()).select_related("area").order_by("name", "pk")


@dataclass(frozen=True)
class VolunteerRow:
    """A volunteer in a staff list: the name and the phone masked."""

    volunteer: Volunteer
    name: str
    phone: str


def volunteer_rows(volunteers: Iterable[Volunteer]) -> list[VolunteerRow]:
    return [VolunteerRow(v, mask_name(v.person.name), mask_phone(v.person.phone or "")) for v in volunteers]


@dataclass(frozen=True)
class TaskRow:
    """A task in a staff list: the elder's and the volunteer's names masked; whether the reader confirms."""

    task: CareTask
    elder: str
    volunteer: str
    may_confirm: bool


def task_rows(actor: User, tasks: Iterable[CareTask]) -> list[TaskRow]:
    return [
        TaskRow(
            task,
            mask_name(task.elder.name),
            mask_name(task.volunteer.person.name) if task.volunteer else "",
            task.state == TaskState.DONE and may_confirm(actor, task) == "staff",
        )
        for task in tasks
    ]


# ---- what a volunteer and a resident see --------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """A task as a resident's page shows it: the elder's name and address only to the volunteer who took
    it (and to the elder's family); the others read the community and the street."""

    task: CareTask
    community: str
    street: str
    revealed: bool
    elder_name: str = ""
    address: str = ""
    phone: str = ""
    mine: bool = False  # taken by the viewer's volunteer
    may_confirm: bool = False
    own_household: bool = False
    may_pay: bool = False  # the family's volunteer may pay for it with banked hours (not yet paid)


def _view(actor: User, task: CareTask, *, volunteer: Volunteer | None, family: bool) -> TaskView:
    mine = volunteer is not None and task.volunteer_id == volunteer.pk
    revealed = family or (mine and task.state != TaskState.CANCELLED)
    elder = task.elder
    return TaskView(
        task=task,
        community=community_of(task.area).name,
        street=street_of(task.area).name,
        revealed=revealed,
        elder_name=elder.name if revealed else "",
        address=elder.address.label if revealed and elder.address is not None else "",
        phone=mask_phone(elder.phone or "") if revealed else "",
        mine=mine,
        may_confirm=family and task.state == TaskState.DONE and bool(may_confirm(actor, task)),
        own_household=family,
        may_pay=family
        and volunteer is not None
        and task.state == TaskState.CONFIRMED
        and not LedgerEntry.objects.filter(task=task, kind=EntryKind.REDEMPTION).exists(),
    )


def open_tasks(actor: User) -> list[TaskView]:
    """The open tasks near the actor's volunteer: their street's, their own community's first, soonest
    first; none of them of the volunteer's own household."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        return []
    community, street = community_of(volunteer.area), street_of(volunteer.area)
    rows = (
        CareTask.objects.filter(state=TaskState.OPEN, area__path__startswith=street.path)
        .exclude(elder_id=volunteer.person_id)
        .annotate(
            near=Case(
                When(area__path__startswith=community.path, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("area__parent__parent", "service_type", "elder__address")
        .order_by("near", "starts_at", "pk")
    )
    if volunteer.person.household_id:
        # Their own household's tasks are for other volunteers (``services.task_take`` refuses them).
        rows = rows.exclude(elder__household_id=volunteer.person.household_id)
    return [_view(actor, task, volunteer=volunteer, family=False) for task in rows[:100]]


def household_ids(actor: User) -> list[int]:
    return list(resident_persons(actor).exclude(household__isnull=True).values_list("household_id", flat=True))


def _family_q(actor: User) -> Q:
    return Q(elder__in=resident_persons(actor)) | Q(elder__household_id__in=household_ids(actor))


def resident_task(actor: User, task_id: int) -> TaskView:
    """One task for a resident: an open task of their volunteer's street (no name, no address), a task
    their volunteer holds, or a task for their family. Anything else is a 404."""
    if not is_resident(actor):
        raise Http404
    volunteer = own_volunteer(actor)
    task = (
        CareTask.objects.select_related("area__parent__parent", "service_type", "elder__address", "volunteer__person")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    family = CareTask.objects.filter(_family_q(actor), pk=task_id).exists()
    if family:
        return _view(actor, task, volunteer=volunteer, family=True)
    if volunteer is not None and (
        task.volunteer_id == volunteer.pk
        or (task.state == TaskState.OPEN and task.area.path.startswith(street_of(volunteer.area).path))
    ):
        return _view(actor, task, volunteer=volunteer, family=False)
    raise Http404


def my_tasks(actor: User) -> list[TaskView]:
    """The tasks the actor's volunteers took, latest first."""
    if not is_resident(actor):
        return []
    volunteer = own_volunteer(actor)
    rows = (
        CareTask.objects.filter(volunteer__person__in=resident_persons(actor))
        .select_related("area__parent__parent", "service_type", "elder__address")
        .order_by("-starts_at", "-pk")[:100]
    )
    return [_view(actor, task, volunteer=volunteer, family=False) for task in rows]


def family_tasks(actor: User) -> list[TaskView]:
    """Tasks for the elders among the actor's people and their households, latest first."""
    if not is_resident(actor):
        return []
    volunteer = own_volunteer(actor)
    rows = (
        CareTask.objects.filter(_family_q(actor))
        .select_related("area__parent__parent", "service_type", "elder__address", "volunteer__person")
        .order_by("-starts_at", "-pk")[:100]
    )
    return [_view(actor, task, volunteer=volunteer, family=True) for task in rows]


def family_elders(actor: User) -> list[Person]:
    """Whom a resident may post a task for: their people and their households' members."""
    if not is_resident(actor):
        return []
    people = Person.objects.filter(
        Q(pk__in=resident_persons(actor)) | Q(household_id__in=household_ids(actor)), status=PersonStatus.ACTIVE
    )
    return list(people.order_by("pk"))


def my_registrations(actor: User) -> list[Volunteer]:
    if not is_resident(actor):
        return []
    return list(
        Volunteer.objects.filter(person__in=resident_persons(actor))
        .select_related("person", "area")
        .prefetch_related("service_types")
        .order_by("-created_at", "-pk")
    )


def my_volunteer(actor: User, volunteer_id: int) -> Volunteer:
    """A volunteer registration of one of the resident's people, or a 404."""
    for volunteer in my_registrations(actor):
        if volunteer.pk == volunteer_id:
            return volunteer
    raise Http404


def household_of(volunteer: Volunteer) -> list[Person]:
    """Whom the volunteer's hours may be redeemed for: them and the members of their household."""
    if not volunteer.person.household_id:
        return [volunteer.person]
    members = Person.objects.filter(household_id=volunteer.person.household_id, status=PersonStatus.ACTIVE)
    return sorted(members, key=lambda p: (p.pk != volunteer.person_id, p.pk))


# ---- the time-bank account and the service record ------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    volunteer: Volunteer
    entries: list[LedgerEntry]
    balance: Decimal
    banked: Decimal
    redeemed: Decimal


def ledger(volunteer: Volunteer) -> Ledger:
    entries = list(volunteer.entries.select_related("service_type", "beneficiary", "recorded_by").order_by("at", "pk"))
    banked = sum((e.hours for e in entries if e.kind == EntryKind.SERVICE), ZERO)
    redeemed = -sum((e.hours for e in entries if e.kind == EntryKind.REDEMPTION), ZERO)
    return Ledger(volunteer, entries, balance_of(volunteer), banked, redeemed)


@dataclass(frozen=True)
class ServiceRecord:
    """One line of a volunteer service certificate (志愿服务记录与证明出具办法): the date, the place, the
    service, the hours and who confirmed them."""

    date: datetime.date
    place: str
    service: str
    hours: Decimal
    confirmer: str


def service_records(volunteer: Volunteer) -> list[ServiceRecord]:
    tasks = (
        CareTask.objects.filter(volunteer=volunteer, state=TaskState.CONFIRMED)
        .select_related("area__parent__parent", "service_type", "confirmed_by")
        .order_by("starts_at", "pk")
    )
    records = []
    for task in tasks:
        assert task.hours is not None
        if task.confirmed_as == "staff":
            confirmer = _("Community staff: %(name)s") % {
                "name": (task.confirmed_by.display_name or task.confirmed_by.username) if task.confirmed_by else ""
            }
        else:
            confirmer = _("The elder or their family")
        records.append(
            ServiceRecord(
                date=timezone.localdate(task.starts_at),
                place=f"{street_of(task.area).name}{community_of(task.area).name}",
                service=task.service_type.name,
                hours=task.hours,
                confirmer=confirmer,
            )
        )
    return records


# ---- figures -----------------------------------------------------------------------------------------

FIGURE_KEYS = ("volunteers", "pending", "tasks_open", "tasks_done", "hours_served", "hours_banked", "hours_redeemed")


def figures_for(path: str) -> dict[str, int | float | None]:
    """The figures of one subtree: confirmed volunteers and registrations waiting, open tasks, tasks done
    (completed or confirmed), hours served (reported on those tasks), hours banked and redeemed (the
    ledgers of the volunteers registered there)."""
    volunteers = dict(
        Volunteer.objects.filter(area__path__startswith=path)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    tasks = CareTask.objects.filter(area__path__startswith=path)
    states = dict(tasks.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    served = tasks.filter(state__in=[TaskState.DONE, TaskState.CONFIRMED]).aggregate(h=Sum("hours"))["h"] or ZERO
    sums = dict(
        LedgerEntry.objects.filter(area__path__startswith=path)
        .values_list("kind")
        .annotate(h=Sum("hours"))
        .values_list("kind", "h")
    )
    return {
        "volunteers": volunteers.get(VolunteerState.CONFIRMED, 0),
        "pending": volunteers.get(VolunteerState.PENDING, 0),
        "tasks_open": states.get(TaskState.OPEN, 0) + states.get(TaskState.TAKEN, 0),
        "tasks_done": states.get(TaskState.DONE, 0) + states.get(TaskState.CONFIRMED, 0),
        "hours_served": float(served),
        "hours_banked": float(sums.get(EntryKind.SERVICE) or ZERO),
        "hours_redeemed": float(-(sums.get(EntryKind.REDEMPTION) or ZERO)),
    }


def figures_by_area(area: Area) -> tuple[dict[str, int | float | None], list[AreaRow]]:
    """``figures_for`` the area and each area below it (a district's streets, a street's communities)."""
    return per_child_area(area, figures_for)


def figures_area(actor: User, code: str = "") -> Area:
    """The area a staff member's figures are about: the one asked for within their reach, else the
    broadest they reach."""
    if code:
        area = _scoped_area(actor, code)
        assert area is not None
        return area
    paths = staff_paths(actor)
    area = Area.objects.filter(path__in=paths).order_by("level", "code").first()
    if area is None:
        raise Http404
    return area


def figures_parent(actor: User, area: Area) -> Area | None:
    parent = area.parent
    if parent is not None and any(parent.path.startswith(p) for p in staff_paths(actor)):
        return parent
    return None
