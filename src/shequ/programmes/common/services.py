"""Every write of the programme core: enrolment and its history, review, the carer, visits. Keyword-only,
the actor first, atomic, audited in the same transaction; each scopes its own reads from the actor
(``access``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.geo import valid_point
from shequ.outbox.models import Channel
from shequ.outbox.services import message_queue
from shequ.residents.models import Person, PersonStatus

from . import access, eligibility
from .models import Enrolment, EnrolmentEvent, EnrolmentState, Programme, Visit, VisitOutcome

# Who may be a person's carer or visitor: staff working in the person's community.
CARER_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER})


def _programme(code: str) -> Programme:
    programme = Programme.objects.filter(code=code, is_active=True).first()
    if programme is None:
        raise Http404
    return programme


def _event(
    enrolment: Enrolment, *, actor: User | None, action: str, from_state: str = "", note: str = "", **data: Any
) -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        at=timezone.now(),
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=enrolment.state if from_state or action == "enrol" else "",
        note=note[:500],
    )
    record_event(
        actor=actor,
        action=f"programmes.{action}",
        obj=enrolment,
        data={"programme": enrolment.programme.code, **{k: v for k, v in data.items() if v not in ("", None)}},
    )


def _managed(actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment the actor runs (locked for the change), or a 404."""
    enrolment = (
        access.enrolments_visible(actor, Capability.PROGRAMME_MANAGE)
        .select_for_update(of=("self",))
        .select_related("programme", "area", "person")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def _check_carer(carer_id: int, person: Person) -> User:
    community = person.area if person.area.level <= Level.COMMUNITY else person.area.parent
    assert community is not None
    path = person.area.path
    carer = User.objects.filter(pk=carer_id, is_active=True).first()
    works_here = carer is not None and any(
        g.role in CARER_ROLES and path.startswith(g.area.path)
        for g in Grant.objects.filter(user=carer).select_related("area")
    )
    if carer is None or not works_here:
        raise ValidationError({"carer": _("The carer must be a worker of the person's community.")})
    return carer


def add_months(on: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has no such day: 31 Jan + 1 = 28 Feb)."""
    index = on.month - 1 + months
    year, month = on.year + index // 12, index % 12 + 1
    for day in (on.day, 30, 29, 28):
        try:
            return on.replace(year=year, month=month, day=min(on.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _next_review(programme: Programme, on: datetime.date) -> datetime.date | None:
    return add_months(on, programme.review_months) if programme.review_months else None


@transaction.atomic
def enrol(
    *,
    actor: User,
    programme_code: str,
    person_id: int,
    on: datetime.date | None = None,
    carer_id: int | None = None,
    note: str = "",
    case_id: int | None = None,
) -> Enrolment:
    """Enrol a person (or, for a household programme, their household) who is eligible on the day."""
    programme = _programme(programme_code)
    on = on or timezone.localdate()
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("area", "household")
        .filter(pk=person_id, status=PersonStatus.ACTIVE)
        .first()
    )
    if person is None or not access.reaches(actor, programme, person.area.path, Capability.PROGRAMME_MANAGE):
        raise Http404
    if on > timezone.localdate():
        raise ValidationError({"on": _("An enrolment cannot start in the future.")})
    groups = eligibility.eligible_by(programme, person, on)
    if not groups:
        rules = eligibility.in_force(programme.rules.select_related("area"), on)
        described = "；".join(f"{r.name}（{eligibility.describe(r)}）" for r in rules) or _("nobody at present")
        raise ValidationError(
            {
                "person": _("This person is not eligible for %(programme)s on %(on)s. It is for: %(groups)s.")
                % {"programme": programme.name, "on": on.isoformat(), "groups": described}
            }
        )
    open_enrolments = Enrolment.objects.filter(programme=programme).exclude(state=EnrolmentState.ENDED)
    if programme.per_household and person.household_id:
        if open_enrolments.filter(household_id=person.household_id).exists():
            raise ValidationError(
                {"person": _("This household is already enrolled in %(programme)s.") % {"programme": programme.name}}
            )
    if open_enrolments.filter(person=person).exists():
        raise ValidationError(
            {"person": _("This person is already enrolled in %(programme)s.") % {"programme": programme.name}}
        )
    carer = _check_carer(carer_id, person) if carer_id else None
    enrolment = Enrolment(
        programme=programme,
        person=person,
        household_id=person.household_id if programme.per_household else None,
        area=person.area,
        started_on=on,
        review_due_on=_next_review(programme, on),
        carer=carer,
        reasons=[{"group": r.name, "rule": eligibility.describe(r)} for r in groups],
        case_id=case_id,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:  # a second officer enrolled the same person at the same moment
        raise ValidationError(
            {"person": _("This person is already enrolled in %(programme)s.") % {"programme": programme.name}}
        ) from None
    _event(enrolment, actor=actor, action="enrol", note=note, case=case_id)
    _schedule_visit(enrolment, after=on)
    return enrolment


_STATE_ACTIONS = {
    # action: (allowed from, to)
    "suspend": ({EnrolmentState.ACTIVE}, EnrolmentState.SUSPENDED),
    "resume": ({EnrolmentState.SUSPENDED}, EnrolmentState.ACTIVE),
    "end": ({EnrolmentState.ACTIVE, EnrolmentState.SUSPENDED}, EnrolmentState.ENDED),
}


@transaction.atomic
def enrolment_change(
    *, actor: User, enrolment_id: int, action: str, reason: str, on: datetime.date | None = None
) -> Enrolment:
    """Suspend (in hospital, away), resume or end an enrolment, with the reason kept in its history."""
    if action not in _STATE_ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    enrolment = _managed(actor, enrolment_id)
    sources, target = _STATE_ACTIONS[action]
    if enrolment.state not in sources:
        raise ValidationError(
            {
                "action": _("This enrolment is %(state)s: it cannot be changed so.")
                % {"state": enrolment.get_state_display()}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    on = on or timezone.localdate()
    if on < enrolment.started_on or on > timezone.localdate():
        raise ValidationError({"on": _("The date lies between the enrolment's start and today.")})
    before = enrolment.state
    enrolment.state = target
    if target == EnrolmentState.ENDED:
        enrolment.ended_on = on
        # Nobody visits a person who left the programme.
        Visit.objects.filter(enrolment=enrolment, done_at__isnull=True).delete()
    enrolment.save(update_fields=["state", "ended_on"])
    _event(enrolment, actor=actor, action=action, from_state=before, note=reason.strip())
    if target == EnrolmentState.ACTIVE:
        _schedule_visit(enrolment, after=on)
    return enrolment


@transaction.atomic
def enrolment_review(*, actor: User, enrolment_id: int, keep: bool, note: str) -> Enrolment:
    """The periodic review: the person is still eligible today and stays (the next review is set), or
    leaves. Keeping someone no rule includes any more is refused with the reason."""
    enrolment = _managed(actor, enrolment_id)
    if enrolment.state == EnrolmentState.ENDED:
        raise ValidationError({"action": _("This enrolment has ended.")})
    today = timezone.localdate()
    if not keep:
        if not note.strip():
            raise ValidationError({"note": _("Give the reason.")})
        before = enrolment.state
        enrolment.state, enrolment.ended_on = EnrolmentState.ENDED, today
        Visit.objects.filter(enrolment=enrolment, done_at__isnull=True).delete()
        enrolment.save(update_fields=["state", "ended_on"])
        _event(enrolment, actor=actor, action="review_end", from_state=before, note=note.strip())
        return enrolment
    groups = eligibility.eligible_by(enrolment.programme, enrolment.person, today)
    if not groups:
        raise ValidationError({"action": _("This person is no longer eligible: end the enrolment instead.")})
    enrolment.review_due_on = _next_review(enrolment.programme, today)
    enrolment.reasons = [{"group": r.name, "rule": eligibility.describe(r)} for r in groups]
    enrolment.save(update_fields=["review_due_on", "reasons"])
    _event(enrolment, actor=actor, action="review", note=note.strip())
    return enrolment


@transaction.atomic
def carer_assign(*, actor: User, enrolment_id: int, carer_id: int) -> Enrolment:
    """Name the person's carer (儿童主任): their open visit goes to the carer."""
    enrolment = _managed(actor, enrolment_id)
    if enrolment.state == EnrolmentState.ENDED:
        raise ValidationError({"carer": _("This enrolment has ended.")})
    enrolment.carer = _check_carer(carer_id, enrolment.person)
    enrolment.save(update_fields=["carer"])
    Visit.objects.filter(enrolment=enrolment, done_at__isnull=True).update(assigned_to=enrolment.carer)
    _event(enrolment, actor=actor, action="carer", carer=carer_id)
    return enrolment


@transaction.atomic
def provider_contract(*, actor: User, enrolment_id: int, entity_id: int | None) -> Enrolment:
    """Name the provider (a legal entity) contracted to serve the person in this programme, or end the
    contract (None): kept in the enrolment's history. Which providers qualify (serving the address, the
    service types) is the programme app's check, made before it calls this."""
    enrolment = _managed(actor, enrolment_id)
    if enrolment.state == EnrolmentState.ENDED:
        raise ValidationError({"provider": _("This enrolment has ended.")})
    enrolment.provider_id = entity_id
    enrolment.save(update_fields=["provider"])
    _event(enrolment, actor=actor, action="provider", provider=entity_id)
    return enrolment


# ---- visits -----------------------------------------------------------------------------------------


def _visitor(enrolment: Enrolment) -> User | None:
    """Who visits: the named carer, else the worker of the person's grid when there is exactly one."""
    if enrolment.carer_id is not None:
        return enrolment.carer
    area = enrolment.person.area
    if area.level != Level.GRID:
        return None
    workers = list(User.objects.filter(is_active=True, grants__role=Role.GRID_WORKER, grants__area=area).distinct()[:2])
    return workers[0] if len(workers) == 1 else None


def _schedule_visit(enrolment: Enrolment, *, after: datetime.date) -> Visit | None:
    """The next visit, ``interval`` days after ``after``, if a visit rule includes the person."""
    if (
        enrolment.state != EnrolmentState.ACTIVE
        or Visit.objects.filter(enrolment=enrolment, done_at__isnull=True).exists()
    ):
        return None
    interval = eligibility.visit_interval(enrolment.programme, enrolment.person, timezone.localdate())
    if interval is None:
        return None
    return Visit.objects.create(
        enrolment=enrolment, due_on=after + datetime.timedelta(days=interval), assigned_to=_visitor(enrolment)
    )


def _visit_for(actor: User, visit_id: int) -> Visit:
    """A visit of an enrolment the actor reaches, or the actor's own (assigned) visit; else a 404."""
    visible = access.enrolments_visible(actor)
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("enrolment__programme", "enrolment__person__area", "enrolment__area")
        .filter(Q(enrolment__in=visible) | Q(assigned_to=actor), pk=visit_id)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


@transaction.atomic
def visit_record(
    *,
    actor: User,
    visit_id: int,
    outcome: str,
    note: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> Visit:
    """Record a visit from the phone: only the worker it is assigned to (or the person's carer) records
    it, with the place the phone gave. The next visit is scheduled from today."""
    visit = _visit_for(actor, visit_id)
    if visit.done_at is not None:
        raise ValidationError({"visit": _("This visit is already recorded.")})
    if actor.pk not in (visit.assigned_to_id, visit.enrolment.carer_id):
        raise ValidationError({"visit": _("This visit is assigned to someone else: only they record it.")})
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the visit.")})
    if len(note) > 2000:
        raise ValidationError({"note": _("The note is at most 2,000 characters.")})
    if (lon is None) != (lat is None) or (lon is not None and lat is not None and not valid_point(lon, lat)):
        raise ValidationError({"place": _("The place the phone gave is not a valid position.")})
    visit.done_at, visit.done_by, visit.outcome = timezone.now(), actor, outcome
    visit.note, visit.lon, visit.lat = note.strip(), lon, lat
    visit.save()
    record_event(
        actor=actor,
        action="programmes.visit",
        obj=visit,
        data={
            "programme": visit.enrolment.programme.code,
            "outcome": outcome,
            "late": visit.due_on < timezone.localdate(),
        },
    )
    _schedule_visit(visit.enrolment, after=timezone.localdate())
    return visit


@transaction.atomic
def visit_assign(*, actor: User, visit_id: int, user_id: int) -> Visit:
    """Give an open visit to another worker of the person's community (the grid has several, or none)."""
    visit = _visit_for(actor, visit_id)
    if not access.reaches(actor, visit.enrolment.programme, visit.enrolment.area.path, Capability.PROGRAMME_MANAGE):
        raise Http404
    if visit.done_at is not None:
        raise ValidationError({"visit": _("This visit is already recorded.")})
    visit.assigned_to = _check_carer(user_id, visit.enrolment.person)
    visit.save(update_fields=["assigned_to"])
    record_event(actor=actor, action="programmes.visit_assign", obj=visit, data={"to": user_id})
    return visit


def visits_schedule(*, on: datetime.date | None = None) -> int:
    """Give every active enrolment a visit rule includes its next visit (after a rule changed, or for
    enrolments made before it existed). One transaction per enrolment: never a long write."""
    on = on or timezone.localdate()
    made = 0
    waiting = Enrolment.objects.filter(state=EnrolmentState.ACTIVE, programme__visit_rules__isnull=False).exclude(
        visits__done_at__isnull=True, visits__isnull=False
    )
    for enrolment_id in list(waiting.values_list("pk", flat=True).distinct()):
        with transaction.atomic():
            enrolment = (
                Enrolment.objects.select_for_update().select_related("programme", "person__area").get(pk=enrolment_id)
            )
            last = enrolment.visits.filter(done_at__isnull=False).order_by("-done_at").first()
            after = timezone.localdate(last.done_at) if last is not None and last.done_at else enrolment.started_on
            if _schedule_visit(enrolment, after=after) is not None:
                made += 1
    return made


def visits_escalate(*, now: datetime.datetime | None = None) -> int:
    """Tell the head of the community about each visit overdue past its programme's grace days (once)."""
    from shequ.accounts.system import system_actor

    today = timezone.localdate(now or timezone.now())
    actor = system_actor()
    count = 0
    overdue = Visit.objects.filter(done_at__isnull=True, escalated_at__isnull=True).select_related(
        "enrolment__programme", "enrolment__area"
    )
    for visit in overdue.iterator():
        if visit.due_on + datetime.timedelta(days=visit.enrolment.programme.visit_grace_days) >= today:
            continue
        with transaction.atomic():
            locked = (
                Visit.objects.select_for_update()
                .filter(pk=visit.pk, done_at__isnull=True, escalated_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            locked.escalated_at = timezone.now()
            locked.save(update_fields=["escalated_at"])
            community = _community(visit.enrolment.area)
            heads = User.objects.filter(
                is_active=True, grants__role=Role.COMMUNITY_STAFF, grants__is_head=True, grants__area=community
            ).distinct()
            text = _("A %(programme)s visit due on %(due)s has not been made.") % {
                "programme": visit.enrolment.programme.name,
                "due": visit.due_on.isoformat(),
            }
            for head in heads:
                message_queue(channel=Channel.SITE, recipient=head, body=text, topic=f"programmes.visit:{visit.pk}")
            record_event(
                actor=actor, action="programmes.visit_escalate", obj=visit, data={"due": visit.due_on.isoformat()}
            )
            count += 1
    return count


def _community(area: Area) -> Area:
    node = area
    while node.level > Level.COMMUNITY and node.parent is not None:
        node = node.parent
    return node
