"""Every write of mutual-aid care: registering as a volunteer and the staff's decision, posting a care
task, taking it (exactly one volunteer wins), completing it, confirming the hours (the elder, their
family or community staff; never the volunteer), and redeeming banked hours. Keyword-only, the actor
first, atomic, audited in the same transaction; each scopes its own reads from the actor."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.access import roles_of
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.casework.selectors import resident_persons
from shequ.lib.capabilities import Capability
from shequ.programmes.common import access, eligibility
from shequ.programmes.common.models import Programme
from shequ.residents.models import Person, PersonStatus

from .models import (
    OPEN_VOLUNTEER_STATES,
    PROGRAMME_CODE,
    ZERO,
    CareTask,
    EntryKind,
    LedgerEntry,
    ServiceType,
    TaskState,
    Volunteer,
    VolunteerState,
)
from .places import street_of

MAX_TASK_HOURS = Decimal("12")
MAX_DURATION_MINUTES = 12 * 60
# More than anyone banks in years: a number beyond it is a typing mistake.
MAX_HOURS = Decimal("1000")
# A task may be recorded for help already given today or yesterday; never further back.
POST_BACKDATE = datetime.timedelta(days=1)
CONFIRMED_AS_FAMILY = "family"
CONFIRMED_AS_STAFF = "staff"


def programme() -> Programme:
    """The time bank's programme row (its domain decides which officers reach it), or a 404."""
    found = Programme.objects.filter(code=PROGRAMME_CODE, is_active=True).first()
    if found is None:
        raise Http404
    return found


def is_resident(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and Role.RESIDENT in roles_of(actor)


def manages(actor: User, area_path: str) -> bool:
    return access.reaches(actor, programme(), area_path, Capability.PROGRAMME_MANAGE)


def hours_value(raw: object, field: str = "hours") -> Decimal:
    """Hours as the records keep them: a positive number in half hours at most (0.5, 1, 1.5…)."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give the hours as a number, such as 1.5.")}) from None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS or (value * 2) % 1 != 0:
        raise ValidationError({field: _("Give the hours in half hours, more than 0 (such as 0.5, 1 or 2.5).")})
    return value


def balance_of(volunteer: Volunteer) -> Decimal:
    """The sum of the volunteer's ledger: the only balance there is."""
    return volunteer.entries.aggregate(total=Sum("hours"))["total"] or ZERO


# ---- registration -------------------------------------------------------------------------------------


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    person_id: int,
    service_type_codes: list[str],
    availability: str,
    skills: str = "",
    consent: bool,
) -> Volunteer:
    """A resident registers one of the people registered with their phone as a volunteer; community
    staff confirm it."""
    if not is_resident(actor):
        raise Http404
    person = resident_persons(actor).select_for_update(of=("self",)).select_related("area").filter(pk=person_id).first()
    if person is None:
        raise Http404
    errors: dict[str, str] = {}
    if not consent:
        errors["consent"] = _("Tick the consent: the community keeps your details to arrange the services.")
    types = list(ServiceType.objects.filter(code__in=service_type_codes, is_active=True))
    if not types:
        errors["service_types"] = _("Choose at least one service you offer.")
    if not availability.strip():
        errors["availability"] = _("Say when you are available (such as weekday mornings).")
    if len(availability) > 200 or len(skills) > 200:
        errors["skills"] = _("Skills and availability are at most 200 characters each.")
    if errors:
        raise ValidationError(errors)
    if Volunteer.objects.filter(person=person, state__in=OPEN_VOLUNTEER_STATES).exists():
        raise ValidationError({"person": _("This person is already registered as a volunteer.")})
    volunteer = Volunteer(
        person=person,
        account=actor,
        area=person.area,
        skills=skills.strip(),
        availability=availability.strip(),
        consent_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:  # registered twice at the same moment
        raise ValidationError({"person": _("This person is already registered as a volunteer.")}) from None
    volunteer.service_types.set(types)
    record_event(actor=actor, action="volunteers.register", obj=volunteer, data={"services": [t.code for t in types]})
    return volunteer


@transaction.atomic
def volunteer_decide(*, actor: User, volunteer_id: int, confirm: bool, note: str = "") -> Volunteer:
    """Community staff (or above) confirm a registration of their area, or refuse it with the reason."""
    volunteer = Volunteer.objects.select_for_update(of=("self",)).select_related("area").filter(pk=volunteer_id).first()
    if volunteer is None or not manages(actor, volunteer.area.path):
        raise Http404
    if volunteer.state != VolunteerState.PENDING:
        raise ValidationError({"decision": _("This registration has already been decided.")})
    if not confirm and not note.strip():
        raise ValidationError({"note": _("Give the reason for refusing.")})
    volunteer.state = VolunteerState.CONFIRMED if confirm else VolunteerState.REFUSED
    volunteer.decided_by, volunteer.decided_at, volunteer.decision_note = actor, timezone.now(), note.strip()[:300]
    volunteer.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    record_event(actor=actor, action="volunteers.decide", obj=volunteer, data={"confirmed": confirm})
    return volunteer


# ---- tasks -------------------------------------------------------------------------------------------


def _family_of(actor: User, person: Person) -> bool:
    """The resident's people include the person or a member of their household."""
    mine = resident_persons(actor)
    if person.household_id:
        return mine.filter(household_id=person.household_id).exists() or mine.filter(pk=person.pk).exists()
    return mine.filter(pk=person.pk).exists()


@transaction.atomic
def task_post(
    *,
    actor: User,
    elder_id: int,
    service_type_code: str,
    starts_at: datetime.datetime,
    duration_minutes: int,
    description: str = "",
) -> CareTask:
    """Post a care task for an elder: community staff for an elder of their area, or a resident for an
    elder among their people or their people's households (the elder's family)."""
    elder = Person.objects.select_related("area").filter(pk=elder_id, status=PersonStatus.ACTIVE).first()
    if elder is None:
        raise Http404
    staff = manages(actor, elder.area.path)
    if not staff and not (is_resident(actor) and _family_of(actor, elder)):
        raise Http404
    if timezone.is_naive(starts_at):  # an API client's local time without an offset: the city's time
        starts_at = timezone.make_aware(starts_at)
    errors: dict[str, str] = {}
    if not eligibility.eligible_by(programme(), elder, timezone.localdate()):
        errors["elder"] = _("Care tasks are for elders aged 60 or more.")
    service_type = ServiceType.objects.filter(code=service_type_code, is_active=True).first()
    if service_type is None:
        errors["service_type"] = _("Choose the service needed.")
    if starts_at < timezone.now() - POST_BACKDATE:
        errors["starts_at"] = _("The task's time is at most a day ago.")
    if not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("The estimated duration is between 1 minute and 12 hours.")
    if len(description) > 300:
        errors["description"] = _("The description is at most 300 characters.")
    if errors:
        raise ValidationError(errors)
    assert service_type is not None  # refused above
    task = CareTask.objects.create(
        elder=elder,
        area=elder.area,
        service_type=service_type,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        description=description.strip(),
        posted_by=actor,
    )
    record_event(
        actor=actor,
        action="volunteers.task_post",
        obj=task,
        data={"service": service_type.code, "by": "staff" if staff else "family"},
    )
    return task


def own_volunteer(actor: User, *, for_update: bool = False) -> Volunteer | None:
    """The confirmed volunteer among the resident's people (the first, if several of them volunteer)."""
    if not is_resident(actor):
        return None
    rows = Volunteer.objects.filter(person__in=resident_persons(actor), state=VolunteerState.CONFIRMED).select_related(
        "area", "person"
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.order_by("pk").first()


class TaskTaken(ValidationError):
    """Another volunteer took the task first."""


@transaction.atomic
def task_take(*, actor: User, task_id: int) -> CareTask:
    """A confirmed volunteer of the task's street takes an open task. Two at once: the row lock makes
    the second wait and find the task taken (exactly one wins)."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        raise Http404
    street = street_of(volunteer.area)
    task = (
        CareTask.objects.select_for_update(of=("self",))
        .select_related("area", "elder")
        .filter(pk=task_id, area__path__startswith=street.path)
        .exclude(state=TaskState.CANCELLED)
        .first()
    )
    if task is None:
        raise Http404
    if task.state != TaskState.OPEN:
        raise TaskTaken({"task": _("Another volunteer has already taken this task.")})
    if task.elder_id == volunteer.person_id or (
        task.elder.household_id and task.elder.household_id == volunteer.person.household_id
    ):
        raise ValidationError({"task": _("This task is for your own household: another volunteer takes it.")})
    task.state, task.volunteer, task.taken_at = TaskState.TAKEN, volunteer, timezone.now()
    task.save(update_fields=["state", "volunteer", "taken_at"])
    record_event(actor=actor, action="volunteers.task_take", obj=task, data={"volunteer": volunteer.pk})
    return task


def _volunteers_task(actor: User, task_id: int) -> CareTask:
    """A task the actor's volunteer holds (locked), or a 404."""
    task = (
        CareTask.objects.select_for_update(of=("self",))
        .select_related("area", "volunteer")
        .filter(pk=task_id, volunteer__person__in=resident_persons(actor))
        .first()
        if is_resident(actor)
        else None
    )
    if task is None:
        raise Http404
    return task


@transaction.atomic
def task_release(*, actor: User, task_id: int) -> CareTask:
    """The volunteer cannot go after all: the task is open again for others."""
    task = _volunteers_task(actor, task_id)
    if task.state != TaskState.TAKEN:
        raise ValidationError({"task": _("Only a task not yet done can be given back.")})
    volunteer_id = task.volunteer_id
    task.state, task.volunteer, task.taken_at = TaskState.OPEN, None, None
    task.save(update_fields=["state", "volunteer", "taken_at"])
    record_event(actor=actor, action="volunteers.task_release", obj=task, data={"volunteer": volunteer_id})
    return task


@transaction.atomic
def task_complete(*, actor: User, task_id: int, hours: object) -> CareTask:
    """The volunteer who took the task says it is done and how many hours they served; the hours wait
    for the elder's family or community staff to confirm them."""
    task = _volunteers_task(actor, task_id)
    if task.state != TaskState.TAKEN:
        raise ValidationError({"task": _("Only a task you have taken and not yet completed can be completed.")})
    value = hours_value(hours)
    if value > MAX_TASK_HOURS:
        raise ValidationError({"hours": _("One task is at most 12 hours.")})
    if task.starts_at > timezone.now():
        raise ValidationError({"task": _("The task has not started yet.")})
    task.state, task.done_at, task.hours = TaskState.DONE, timezone.now(), value
    task.save(update_fields=["state", "done_at", "hours"])
    record_event(actor=actor, action="volunteers.task_complete", obj=task, data={"hours": str(value)})
    return task


def served_by(actor: User, task: CareTask) -> bool:
    """The actor is (the account of) the volunteer who served the task."""
    return task.volunteer is not None and (
        actor.pk == task.volunteer.account_id
        or (is_resident(actor) and resident_persons(actor).filter(pk=task.volunteer.person_id).exists())
    )


def may_confirm(actor: User, task: CareTask) -> str:
    """As whom the actor may confirm the task's hours ("family", "staff"), or "" when they may not: the
    volunteer who served never confirms their own hours."""
    if served_by(actor, task):
        return ""
    if manages(actor, task.area.path):
        return CONFIRMED_AS_STAFF
    if is_resident(actor) and _family_of(actor, task.elder):
        return CONFIRMED_AS_FAMILY
    return ""


@transaction.atomic
def task_confirm(*, actor: User, task_id: int) -> CareTask:
    """The elder (or their family, from the portal) or community staff confirm the hours served: they are
    banked in the volunteer's time-bank account in the same transaction."""
    task = (
        CareTask.objects.select_for_update(of=("self",))
        .select_related("area", "elder", "volunteer", "service_type")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    if served_by(actor, task):
        raise ValidationError(
            {"task": _("A volunteer cannot confirm their own hours: the elder, their family or community staff do.")}
        )
    confirmed_as = may_confirm(actor, task)
    if not confirmed_as:
        raise Http404
    if task.state != TaskState.DONE or task.volunteer is None or task.hours is None:
        raise ValidationError({"task": _("Only a completed task's hours can be confirmed, once.")})
    task.state, task.confirmed_by, task.confirmed_at = TaskState.CONFIRMED, actor, timezone.now()
    task.confirmed_as = confirmed_as
    task.save(update_fields=["state", "confirmed_by", "confirmed_at", "confirmed_as"])
    LedgerEntry.objects.create(
        volunteer=task.volunteer,
        kind=EntryKind.SERVICE,
        hours=task.hours,
        reason=_("%(service)s, care task #%(task)s") % {"service": task.service_type.name, "task": task.pk},
        task=task,
        service_type=task.service_type,
        recorded_by=actor,
        at=task.confirmed_at,
        area=task.volunteer.area,
    )
    record_event(
        actor=actor,
        action="volunteers.task_confirm",
        obj=task,
        data={"hours": str(task.hours), "as": confirmed_as, "volunteer": task.volunteer_id},
    )
    return task


@transaction.atomic
def task_cancel(*, actor: User, task_id: int, reason: str) -> CareTask:
    """Staff of the task's area, or whoever posted it, cancel a task nobody has completed."""
    task = CareTask.objects.select_for_update(of=("self",)).select_related("area").filter(pk=task_id).first()
    if task is None or not (manages(actor, task.area.path) or task.posted_by_id == actor.pk):
        raise Http404
    if task.state not in (TaskState.OPEN, TaskState.TAKEN):
        raise ValidationError({"task": _("Only a task not yet done can be cancelled.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    task.state = TaskState.CANCELLED
    task.save(update_fields=["state"])
    record_event(actor=actor, action="volunteers.task_cancel", obj=task, data={"reason": reason.strip()[:200]})
    return task


# ---- redemption --------------------------------------------------------------------------------------


@transaction.atomic
def hours_redeem(
    *,
    actor: User,
    volunteer_id: int,
    hours: object,
    beneficiary_id: int,
    reason: str = "",
    service_type_code: str = "",
    task_id: int | None = None,
) -> LedgerEntry:
    """Spend banked hours on a service for the volunteer or a member of their household: recorded by
    community staff of the volunteer's area, or by the volunteer's own account for a confirmed task done
    for their family (paid with the task's hours). More than the balance is refused; nothing is saved."""
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("area", "person")
        .filter(pk=volunteer_id)
        .first()
    )
    if volunteer is None:
        raise Http404
    staff = manages(actor, volunteer.area.path)
    owner = is_resident(actor) and resident_persons(actor).filter(pk=volunteer.person_id).exists()
    if not staff and not owner:
        raise Http404
    task = None
    service_type: ServiceType | None
    if task_id is not None:
        task = CareTask.objects.select_related("service_type", "elder").filter(pk=task_id).first()
        if task is None or (not staff and not _family_of(actor, task.elder)):
            raise Http404
        if task.state != TaskState.CONFIRMED or task.hours is None:
            raise ValidationError({"task": _("Only a task whose hours are confirmed can be paid for.")})
        if LedgerEntry.objects.filter(task=task, kind=EntryKind.REDEMPTION).exists():
            raise ValidationError({"task": _("This task has already been paid for with banked hours.")})
        value, beneficiary_id = task.hours, task.elder_id
        service_type = task.service_type
    else:
        if not staff:
            raise Http404  # a service redeemed outside a task is recorded by the community
        value = hours_value(hours)
        service_type = ServiceType.objects.filter(code=service_type_code).first() if service_type_code else None
        if not reason.strip():
            raise ValidationError({"reason": _("Say what the hours were redeemed for.")})
    beneficiary = Person.objects.filter(pk=beneficiary_id, status=PersonStatus.ACTIVE).first()
    family = beneficiary is not None and (
        beneficiary.pk == volunteer.person_id
        or (volunteer.person.household_id is not None and beneficiary.household_id == volunteer.person.household_id)
    )
    if not family:
        raise ValidationError(
            {"beneficiary": _("Banked hours are redeemed for the volunteer or a member of their household.")}
        )
    balance = balance_of(volunteer)
    if value > balance:
        raise ValidationError(
            {
                "hours": _("Only %(balance)s hours are banked: %(hours)s cannot be redeemed.")
                % {"balance": balance, "hours": value}
            }
        )
    if task is not None:
        text = _("Paid for care task #%(task)s") % {"task": task.pk}
    else:
        text = reason.strip()[:200]
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                volunteer=volunteer,
                kind=EntryKind.REDEMPTION,
                hours=-value,
                reason=text,
                task=task,
                service_type=service_type,
                beneficiary_id=beneficiary_id,
                recorded_by=actor,
                at=timezone.now(),
                area=volunteer.area,
            )
    except IntegrityError:  # the same task paid for twice at once
        raise ValidationError({"task": _("This task has already been paid for with banked hours.")}) from None
    record_event(
        actor=actor,
        action="volunteers.redeem",
        obj=entry,
        data={"hours": str(value), "task": task.pk if task else None, "by": "staff" if staff else "volunteer"},
    )
    return entry


# ---- service types -----------------------------------------------------------------------------------


def edits_service_types(actor: User) -> bool:
    """The programme's managers over a whole city or more (the eldercare officer, not a district's)."""
    paths = access.programme_paths(actor, programme(), Capability.PROGRAMME_MANAGE)
    return Area.objects.filter(path__in=paths, level__lte=Level.CITY).exists()


@transaction.atomic
def service_type_save(*, actor: User, code: str, name: str, ordering: int = 0, is_active: bool = True) -> ServiceType:
    """Add or rename a service type: the programme's officers over the whole city (or more) do."""
    if not edits_service_types(actor):
        raise Http404
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", code):
        raise ValidationError({"code": _("The code is 2-40 lowercase letters, digits or underscores.")})
    if not name.strip() or len(name) > 50:
        raise ValidationError({"name": _("Give the name (at most 50 characters).")})
    row, created = ServiceType.objects.update_or_create(
        code=code, defaults={"name": name.strip(), "ordering": ordering, "is_active": is_active}
    )
    record_event(actor=actor, action="volunteers.service_type", obj=row, data={"created": created, "code": code})
    return row
