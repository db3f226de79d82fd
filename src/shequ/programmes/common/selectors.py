"""Every read of the programme core, scoped from the actor (``access``): out of reach is a 404."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.residents.models import Person, PersonStatus

from . import access, eligibility
from .models import Enrolment, EnrolmentState, Programme, Visit


def programme_get(*, actor: User, code: str) -> Programme:
    """A programme the actor reaches (anywhere, or as someone's carer), or a 404."""
    for programme in access.visible_programmes(actor):
        if programme.code == code:
            return programme
    raise Http404


def enrolments(
    *, actor: User, programme: Programme | None = None, area_code: str = "", state: str = ""
) -> QuerySet[Enrolment]:
    rows = access.enrolments_visible(actor).select_related("programme", "person", "area", "carer")
    if programme is not None:
        rows = rows.filter(programme=programme)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        rows = rows.filter(area__path__startswith=area.path) if area is not None else rows.none()
    if state:
        rows = rows.filter(state=state)
    return rows


def enrolment_get(*, actor: User, enrolment_id: int) -> Enrolment:
    enrolment = enrolments(actor=actor).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise Http404
    return enrolment


def may_manage(actor: User, enrolment: Enrolment) -> bool:
    return access.reaches(actor, enrolment.programme, enrolment.area.path, Capability.PROGRAMME_MANAGE)


def candidates(*, actor: User, programme: Programme, on: datetime.date | None = None) -> QuerySet[Person]:
    """The people the actor may enrol in the programme: living in their reach, eligible on the day, not
    enrolled yet (a programme officer sees no one else of the pool)."""
    on = on or timezone.localdate()
    paths = access.programme_paths(actor, programme, Capability.PROGRAMME_MANAGE)
    if not paths:
        return Person.objects.none()
    scope = Q()
    for path in paths:
        scope |= Q(area__path__startswith=path)
    people = Person.objects.filter(scope, status=PersonStatus.ACTIVE)
    enrolled = Enrolment.objects.filter(programme=programme).exclude(state=EnrolmentState.ENDED)
    people = people.exclude(pk__in=enrolled.values("person_id"))
    if programme.per_household:
        people = people.exclude(household_id__in=enrolled.exclude(household__isnull=True).values("household_id"))
    return eligibility.eligible_people(programme, people, on).select_related("area").order_by("birth_date", "pk")


def person_reachable(*, actor: User, person_id: int) -> Person:
    """A person the actor reaches through the pool, through one of their enrolments, or as someone a
    programme they run may enrol; else a 404."""
    person = Person.objects.select_related("area", "household", "address").filter(pk=person_id).first()
    if person is None:
        raise Http404
    if Person.objects.visible_to(actor, Capability.REGISTRY_READ).filter(pk=person_id).exists():
        return person
    if access.enrolments_visible(actor).filter(person_id=person_id).exists():
        return person
    for programme in access.visible_programmes(actor, Capability.PROGRAMME_MANAGE):
        if candidates(actor=actor, programme=programme).filter(pk=person_id).exists():
            return person
    raise Http404


def person_programmes(*, actor: User, person: Person) -> tuple[list[eligibility.Entitlement], list[Enrolment]]:
    """What the person is entitled to today and why (every programme's benefits), and the enrolments of
    theirs the actor reaches."""
    today = timezone.localdate()
    return eligibility.entitlements(person, today), list(
        enrolments(actor=actor).filter(person=person).order_by("state", "-started_on")
    )


def my_visits(*, actor: User) -> QuerySet[Visit]:
    """The open visits assigned to the actor (their phone's list), the most overdue first."""
    return (
        Visit.objects.filter(assigned_to=actor, done_at__isnull=True)
        .select_related("enrolment__programme", "enrolment__person__address", "enrolment__area")
        .order_by("due_on", "pk")
    )


def overdue_visits(
    *, actor: User, programme: Programme | None = None, on: datetime.date | None = None
) -> QuerySet[Visit]:
    """Open visits past their day among the enrolments the actor reaches."""
    on = on or timezone.localdate()
    visible = access.enrolments_visible(actor)
    if programme is not None:
        visible = visible.filter(programme=programme)
    return (
        Visit.objects.filter(enrolment__in=visible, done_at__isnull=True, due_on__lt=on)
        .select_related("enrolment__programme", "enrolment__person", "enrolment__area", "assigned_to")
        .order_by("due_on", "pk")
    )


def visit_get(*, actor: User, visit_id: int) -> Visit:
    visible = access.enrolments_visible(actor)
    visit = (
        Visit.objects.select_related("enrolment__programme", "enrolment__person__address", "enrolment__area")
        .filter(Q(enrolment__in=visible) | Q(assigned_to=actor), pk=visit_id)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def visits_of(*, enrolment: Enrolment) -> list[Visit]:
    return list(enrolment.visits.select_related("assigned_to", "done_by").order_by("-due_on", "-pk"))


# ---- figures by area ---------------------------------------------------------------------------------


@dataclass
class AreaRow:
    area: Area
    values: dict[str, int | float | None]


def children_of(area: Area) -> list[Area]:
    return list(Area.objects.filter(parent=area, is_active=True).order_by("code"))


def per_child_area(
    area: Area, measure: Callable[[str], dict[str, int | float | None]]
) -> tuple[dict[str, int | float | None], list[AreaRow]]:
    """A figure for ``area`` and for each of its child areas: ``measure(path)`` computes it for the
    subtree of one path. The domains' figure pages and indicator functions all roll up through here."""
    return measure(area.path), [AreaRow(child, measure(child.path)) for child in children_of(area)]


def enrolment_counts(actor: User, programme: Programme, path: str) -> dict[str, int | float | None]:
    rows = access.enrolments_visible(actor).filter(programme=programme, area__path__startswith=path)
    states = dict(rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {"active": states.get(EnrolmentState.ACTIVE, 0), "suspended": states.get(EnrolmentState.SUSPENDED, 0)}


def visit_counts(
    actor: User, programme: Programme, path: str, month_start: datetime.date
) -> dict[str, int | float | None]:
    """Visits due this month, made this month, and overdue now, in one subtree."""
    visible = access.enrolments_visible(actor).filter(programme=programme, area__path__startswith=path)
    visits = Visit.objects.filter(enrolment__in=visible)
    today = timezone.localdate()
    return {
        "done": visits.filter(done_at__date__gte=month_start).count(),
        "overdue": visits.filter(done_at__isnull=True, due_on__lt=today).count(),
        "unvisited": visible.filter(state=EnrolmentState.ACTIVE)
        .exclude(visits__done_at__date__gte=month_start)
        .count(),
    }


def carers_for(*, enrolment: Enrolment) -> list[tuple[int, str]]:
    """The workers who may be the person's carer: staff with a grant over the person's area."""
    from shequ.accounts.models import Grant

    from .services import CARER_ROLES

    path = enrolment.area.path
    grants = Grant.objects.filter(role__in=CARER_ROLES, user__is_active=True).select_related("user", "area")
    found: dict[int, str] = {}
    for grant in grants.filter(area__path__in=_ancestor_paths(path)):
        found[grant.user_id] = grant.user.display_name or grant.user.username
    return sorted(found.items(), key=lambda item: item[1])


def _ancestor_paths(path: str) -> list[str]:
    """``/a/b/c/`` → ``/a/``, ``/a/b/``, ``/a/b/c/`` (an area's path and its ancestors')."""
    steps = [s for s in path.split("/") if s]
    return ["/" + "/".join(steps[: i + 1]) + "/" for i in range(len(steps))]


def figures_area(*, actor: User, programme: Programme, code: str = "") -> Area:
    """The area a figures page shows: the one asked for if the actor reaches the programme there, else the
    broadest area they reach it in (a carer alone reaches no area: a 404)."""
    paths = access.programme_paths(actor, programme)
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not any(area.path.startswith(p) for p in paths):
            raise Http404
        return area
    if not paths:
        raise Http404
    return Area.objects.get(path=paths[0])
