"""Every read of the children app.

Two kinds. The indicator functions (``station_coverage``, ``care_coverage``, ``childcare_places``,
``homes``) take an area path and a day and return counts: no actor, nothing personal, what the
indicators catalogue and the figure pages both roll up through ``per_child_area``. The care records
(children, their assessments and visits, the list of children lacking a visit) are scoped from the actor
by the programme core's rule (``access``): the child's carer, the children's programme officers and the
street's officers; anyone else gets a 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import granted_paths, require_capability
from shequ.programmes.common import access, eligibility
from shequ.programmes.common import selectors as core
from shequ.programmes.common.models import EligibilityRule, Enrolment, EnrolmentState, Programme, Visit
from shequ.programmes.common.selectors import AreaRow
from shequ.residents.models import Person, PersonStatus
from shequ.resources.models import Facility

from .models import (
    CATEGORIES,
    CHILDCARE,
    CHILDREN_HOME,
    FACILITY_TYPES,
    PROGRAMME,
    STATION,
    WOMEN_HOME,
    ChildAssessment,
    Target,
)

Figures = dict[str, int | float | None]


def programme() -> Programme | None:
    return Programme.objects.filter(code=PROGRAMME, is_active=True).first()


def month_start(on: datetime.date) -> datetime.date:
    """The first day of the month of ``on``: "visited this month" counts from here."""
    return on.replace(day=1)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# ---- figures ------------------------------------------------------------------------------------


def _group_filter(programme_: Programme | None, category: str, on: datetime.date) -> Q:
    """The children of one category on the day: the programme's own rules for that tag (so the figures
    follow the age limit an administrator set), or the tag and under 18 when the programme has none."""
    rules: list[EligibilityRule] = []
    if programme_ is not None:
        rules = [r for r in eligibility.in_force(programme_.rules.select_related("area"), on) if category in r.tags]
    if not rules:
        rules = [EligibilityRule(tags=[category], below_age=18)]
    q = Q(pk__in=[])
    for rule in rules:
        # The rule's group restricted to this one tag (a rule naming several tags counts each on its own).
        one = EligibilityRule(
            tags=[category],
            below_age=rule.below_age,
            min_age=rule.min_age,
            living_alone=rule.living_alone,
            area=rule.area,
            valid_from=rule.valid_from,
        )
        q |= eligibility.criteria_filter(one, on)
    return q


class AreaFigures:
    """Everything the children's figures of one area and the areas below it need, read once: a fixed
    number of queries whatever the number of areas (``per_child_area`` asks for each child's subtree).
    Each measure takes the path of a subtree of the root."""

    def __init__(self, root: str, on: datetime.date | None = None) -> None:
        self.on = on or timezone.localdate()
        areas = Area.objects.filter(is_active=True, path__startswith=root)
        self.streets = list(areas.filter(level=Level.STREET).values_list("path", flat=True))
        self.communities = list(areas.filter(level=Level.COMMUNITY).values_list("path", flat=True))
        self.facilities: dict[str, list[tuple[str, int]]] = {code: [] for code in FACILITY_TYPES}
        self.names: dict[str, list[tuple[str, str]]] = {code: [] for code in FACILITY_TYPES}
        for code, path, capacity, name in (
            Facility.objects.filter(is_active=True, type__code__in=FACILITY_TYPES, area__path__startswith=root)
            .order_by("name", "pk")
            .values_list("type__code", "area__path", "capacity", "name")
        ):
            self.facilities[code].append((path, capacity or 0))
            self.names[code].append((path, name))
        people = Person.objects.filter(status=PersonStatus.ACTIVE, area__path__startswith=root)
        self.population = list(people.values("area__path").annotate(n=Count("pk")).values_list("area__path", "n"))
        programme_ = programme()
        self.groups = {
            category: list(people.filter(_group_filter(programme_, category, self.on)).values_list("pk", "area__path"))
            for category in CATEGORIES
        }
        self.covered: set[int] = set()
        if programme_ is not None:
            self.covered = set(
                Enrolment.objects.filter(
                    programme=programme_,
                    state=EnrolmentState.ACTIVE,
                    carer__isnull=False,
                    area__path__startswith=root,
                    visits__done_at__date__gte=month_start(self.on),
                    visits__done_at__date__lte=self.on,
                ).values_list("person_id", flat=True)
            )

    def _having(self, units: list[str], type_code: str, path: str) -> tuple[int, int]:
        """Of the units (streets, communities) in ``path``, how many, and how many with a facility of the type."""
        inside = [u for u in units if u.startswith(path)]
        places = [p for p, _n in self.facilities[type_code] if p.startswith(path)]
        return len(inside), sum(1 for u in inside if any(p.startswith(u) for p in places))

    def stations(self, path: str) -> Figures:
        streets, covered = self._having(self.streets, STATION, path)
        return {"streets": streets, "covered": covered, "rate": _rate(covered, streets)}

    def homes(self, path: str) -> Figures:
        communities, with_children = self._having(self.communities, CHILDREN_HOME, path)
        _n, with_women = self._having(self.communities, WOMEN_HOME, path)
        return {"communities": communities, CHILDREN_HOME: with_children, WOMEN_HOME: with_women}

    def named(self, path: str, type_code: str) -> list[str]:
        """The names of the active facilities of a type in the subtree (which homes a community has)."""
        return [name for p, name in self.names[type_code] if p.startswith(path)]

    def places(self, path: str) -> Figures:
        places = sum(n for p, n in self.facilities[CHILDCARE] if p.startswith(path))
        population = sum(n for p, n in self.population if p.startswith(path))
        per_1000 = round(1000.0 * places / population, 2) if population else None
        return {"places": places, "population": population, "per_1000": per_1000}

    def care(self, path: str, category: str) -> Figures:
        children = [pk for pk, p in self.groups[category] if p.startswith(path)]
        covered = sum(1 for pk in children if pk in self.covered)
        return {"children": len(children), "covered": covered, "rate": _rate(covered, len(children))}

    def row(self, path: str, care: bool) -> dict[str, Any]:
        """Every figure of one subtree (care coverage only for those who read care figures)."""
        return {
            "stations": self.stations(path),
            "homes": self.homes(path),
            "places": self.places(path),
            "care": {c: self.care(path, c) for c in CATEGORIES} if care else None,
        }


def figures_by_area(
    area: Area, *, care: bool, names: bool = False, on: datetime.date | None = None
) -> tuple[dict[str, Any], list[AreaRow]]:
    """The figures of ``area`` and of each area below it (``per_child_area``), read in a fixed number of
    queries; with ``names``, the names of the children's and women's homes too (for a page)."""
    figures = AreaFigures(area.path, on)

    def measure(path: str) -> dict[str, Any]:
        row = figures.row(path, care)
        if names:
            row["names"] = {code: figures.named(path, code) for code in (CHILDREN_HOME, WOMEN_HOME)}
        return row

    return core.per_child_area(area, measure)


# ---- indicator functions ------------------------------------------------------------------------
# A street lies in its own subtree (a street's coverage is 0 or 1 of 1); a community has no street in
# its subtree (no station figure), a grid no community (no homes figure).


def station_coverage(path: str, on: datetime.date | None = None) -> Figures:
    """Streets and townships in the subtree of ``path`` (the street itself when ``path`` is one) with an
    active minor-protection station anywhere in their own subtree, over all of them."""
    return AreaFigures(path, on).stations(path)


def care_coverage(path: str, category: str, on: datetime.date | None = None) -> Figures:
    """Of the children in the subtree who hold ``category``'s tag on the day (as the programme's rule for
    that tag says: under 18), how many are enrolled in ``child_care`` with a named carer and were
    visited in the month of ``on`` (target: all of them)."""
    return AreaFigures(path, on).care(path, category)


def childcare_places(path: str, on: datetime.date | None = None) -> Figures:
    """Inclusive childcare places (the capacity of the active 普惠托育 facilities) per 1,000 residents of
    the subtree (the pool's active persons), as the 十四五 public-service plan counts 托位 per 1,000
    population."""
    return AreaFigures(path, on).places(path)


def homes(path: str, on: datetime.date | None = None) -> Figures:
    """Communities (and villages) in the subtree, and how many have an active children's home and a
    women's home in their own subtree."""
    return AreaFigures(path, on).homes(path)


def targets() -> dict[str, Target]:
    return {t.code: t for t in Target.objects.all()}


def target_value(code: str) -> Decimal | None:
    return Target.objects.filter(code=code).values_list("value", flat=True).first()


# ---- what an actor sees -------------------------------------------------------------------------


def figures_area(*, actor: User, code: str = "") -> Area:
    """The area a figures page shows: the one asked for within the actor's areas, else their broadest
    area. Facilities and counts are no personal data: every staff role reading the area reads them."""
    require_capability(actor, Capability.AREA_READ)
    if code:
        area = Area.objects.visible_to(actor).filter(code=code[:20]).first()
        if area is None:
            raise Http404
        return area
    area = Area.objects.filter(path__in=granted_paths(actor, Capability.AREA_READ)).order_by("level", "code").first()
    if area is None:
        raise Http404
    return area


def reaches_care(actor: User, area: Area) -> bool:
    """Whether the actor reads the programme's care figures for ``area`` (the children's officers and the
    street's officers: children's counts by category are care data)."""
    programme_ = programme()
    return programme_ is not None and access.reaches(actor, programme_, area.path)


def may_enrol(actor: User) -> bool:
    """Whether the actor enrols children and names their carer (the core's pages do it)."""
    programme_ = programme()
    return programme_ is not None and bool(access.programme_paths(actor, programme_, Capability.PROGRAMME_MANAGE))


def _visible(actor: User) -> QuerySet[Enrolment]:
    return access.enrolments_visible(actor).filter(programme__code=PROGRAMME)


def children(*, actor: User, area_code: str = "") -> QuerySet[Enrolment]:
    """The children in ``child_care`` the actor reaches (all of theirs, or one area's)."""
    rows = _visible(actor).select_related("person", "area", "carer").annotate(last_visit=Max("visits__done_at"))
    if area_code:
        area = Area.objects.filter(code=area_code[:20]).first()
        rows = rows.filter(area__path__startswith=area.path) if area is not None else rows.none()
    return rows.order_by("area__path", "person__name", "pk")


@dataclass
class CareRecord:
    enrolment: Enrolment
    assessments: list[ChildAssessment]
    visits: list[Visit]
    is_carer: bool


def care_record(*, actor: User, enrolment_id: int) -> CareRecord:
    """A child's care record: the enrolment, its assessments and visits, or a 404 to anyone but the
    child's carer, the children's programme officers and the street's officers."""
    enrolment = _visible(actor).select_related("programme", "person", "area", "carer").filter(pk=enrolment_id).first()
    if enrolment is None:
        raise Http404
    assessments = list(
        ChildAssessment.objects.filter(enrolment=enrolment)
        .select_related("assessed_by")
        .order_by("-assessed_on", "-pk")
    )
    return CareRecord(enrolment, assessments, core.visits_of(enrolment=enrolment), enrolment.carer_id == actor.pk)


@dataclass
class Lacking:
    """A child of a category not visited this month: enrolled (with or without a carer) or not yet."""

    person: Person
    enrolment: Enrolment | None
    carer: User | None
    last_visit: datetime.datetime | None


def care_area(*, actor: User, code: str = "") -> Area:
    """The area of a care page: the one asked for where the actor reaches the programme, else the broadest
    such area; a 404 for those who reach it nowhere (a carer alone has their own list instead)."""
    programme_ = programme()
    paths = access.programme_paths(actor, programme_) if programme_ is not None else []
    if not paths:
        raise Http404
    if code:
        area = Area.objects.filter(code=code[:20]).first()
        if area is None or not any(area.path.startswith(p) for p in paths):
            raise Http404
        return area
    return Area.objects.get(path=paths[0])


def lacking_visits(*, actor: User, area: Area, category: str, on: datetime.date | None = None) -> list[Lacking]:
    """The children of ``category`` in ``area`` (which the actor reaches, ``care_area``) who were not
    visited this month: those enrolled whose last visit is older, and those not yet enrolled at all."""
    if category not in CATEGORIES:
        raise Http404
    on = on or timezone.localdate()
    programme_ = programme()
    if programme_ is None:
        return []
    group = _group_filter(programme_, category, on)
    start = month_start(on)
    enrolled = (
        _visible(actor)
        .filter(state=EnrolmentState.ACTIVE, area__path__startswith=area.path)
        .filter(person__in=Person.objects.filter(group, status=PersonStatus.ACTIVE))
        .select_related("person__area", "carer")
        .annotate(last_visit=Max("visits__done_at"))
        .order_by("person__area__path", "person__name", "pk")
    )
    rows = [
        Lacking(e.person, e, e.carer, e.last_visit)
        for e in enrolled
        if e.last_visit is None or timezone.localdate(e.last_visit) < start
    ]
    waiting = core.candidates(actor=actor, programme=programme_, on=on).filter(group, area__path__startswith=area.path)
    rows += [Lacking(p, None, None, None) for p in waiting.order_by("area__path", "name", "pk")]
    return rows


def my_visits(*, actor: User) -> QuerySet[Visit]:
    """The open ``child_care`` visits assigned to the actor: the carer's list on the phone."""
    return core.my_visits(actor=actor).filter(enrolment__programme__code=PROGRAMME)


def visit_get(*, actor: User, visit_id: int) -> Visit:
    visit = core.visit_get(actor=actor, visit_id=visit_id)
    if visit.enrolment.programme.code != PROGRAMME:
        raise Http404
    return visit
