"""Every read of the eldercare pages, scoped from the actor through the core's ``access`` (out of reach is
a 404), and the plain figures the indicators call (``retrofits_completed``, ``care_visit_completion``,
``family_beds``): those take an area and a day, not an actor, since an indicator is the area's."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.accounts.roles import Programme as Domain
from shequ.areas.models import Area
from shequ.entities.models import LegalEntity
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import CapabilityMissing
from shequ.programmes.common import access
from shequ.programmes.common import selectors as core
from shequ.programmes.common.eligibility import describe, in_force
from shequ.programmes.common.models import Benefit, Enrolment, EnrolmentState, Programme, Visit
from shequ.residents.models import Person

from .models import BedVisit, FamilyBed, RetrofitItem, RetrofitProject, RetrofitStage, RetrofitTarget

ELDERCARE = Domain.ELDERCARE


def eldercare_programmes(actor: User, capability: str = Capability.PROGRAMME_READ) -> list[Programme]:
    """The eldercare programmes the actor reaches with ``capability`` (a programme officer of another
    domain reaches none)."""
    return [p for p in access.visible_programmes(actor, capability) if p.domain == ELDERCARE]


def require_eldercare(actor: User, capability: str = Capability.PROGRAMME_READ) -> list[Programme]:
    """The actor's eldercare programmes; none is a page their role never has ("no permission")."""
    programmes = eldercare_programmes(actor, capability)
    if not programmes:
        raise CapabilityMissing
    return programmes


def programme_of(actor: User, code: str, capability: str = Capability.PROGRAMME_READ) -> Programme:
    for programme in eldercare_programmes(actor, capability):
        if programme.code == code:
            return programme
    raise CapabilityMissing


def _eldercare_enrolments(actor: User, capability: str = Capability.PROGRAMME_READ) -> QuerySet[Enrolment]:
    return access.enrolments_visible(actor, capability).filter(programme__domain=ELDERCARE)


# ---- care visits ---------------------------------------------------------------------------------------


def my_visits(*, actor: User) -> QuerySet[Visit]:
    """The actor's open eldercare visits (their phone's list), the most overdue first."""
    return (
        core.my_visits(actor=actor).filter(enrolment__programme__domain=ELDERCARE).select_related("enrolment__person")
    )


def overdue_visits(*, actor: User, area_code: str = "", on: datetime.date | None = None) -> QuerySet[Visit]:
    """Open eldercare visits past their day among the enrolments the actor reaches (in an area of theirs)."""
    rows = core.overdue_visits(actor=actor, on=on).filter(enrolment__programme__domain=ELDERCARE)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        rows = rows.filter(enrolment__area__path__startswith=area.path) if area is not None else rows.none()
    return rows.select_related("done_by")


def visit_get(*, actor: User, visit_id: int) -> Visit:
    """An eldercare visit the actor reaches or is assigned, or a 404."""
    visit = core.visit_get(actor=actor, visit_id=visit_id)
    if visit.enrolment.programme.domain != ELDERCARE:
        raise Http404
    return visit


def visits_summary(*, actor: User, on: datetime.date | None = None) -> dict[str, int]:
    """The workbench's visits box: my visits due today, my overdue visits, overdue visits in my area (for
    those who run the programmes there)."""
    on = on or timezone.localdate()
    mine = my_visits(actor=actor)
    area_overdue = 0
    if eldercare_programmes(actor, Capability.PROGRAMME_MANAGE):
        area_overdue = overdue_visits(actor=actor, on=on).count()
    return {
        "due_today": mine.filter(due_on=on).count(),
        "my_overdue": mine.filter(due_on__lt=on).count(),
        "area_overdue": area_overdue,
    }


def grace_passed(visit: Visit, on: datetime.date) -> bool:
    """Whether the visit is past its programme's grace days (it is, or will be, escalated)."""
    return visit.due_on + datetime.timedelta(days=visit.enrolment.programme.visit_grace_days) < on


# ---- the basic service list ---------------------------------------------------------------------------


def service_list(*, actor: User) -> list[tuple[Programme, list[tuple[Benefit, list[Any]]]]]:
    """The eldercare programmes' benefits with their groups in force today (the basic service list)."""
    today = timezone.localdate()
    found = []
    for programme in require_eldercare(actor):
        benefits = []
        for benefit in programme.benefits.order_by("ordering", "code"):
            groups = [(rule, describe(rule)) for rule in in_force(benefit.rules.select_related("area"), today)]
            benefits.append((benefit, groups))
        if benefits:
            found.append((programme, benefits))
    return found


# ---- retrofits -----------------------------------------------------------------------------------------


def retrofit_projects(*, actor: User, stage: str = "", area_code: str = "") -> QuerySet[RetrofitProject]:
    visible = _eldercare_enrolments(actor)
    rows = RetrofitProject.objects.filter(enrolment__in=visible).select_related("enrolment__person", "area")
    if stage:
        rows = rows.filter(stage=stage)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        rows = rows.filter(area__path__startswith=area.path) if area is not None else rows.none()
    return rows.order_by("-created_at", "-pk")


def retrofit_get(*, actor: User, project_id: int) -> RetrofitProject:
    project = retrofit_projects(actor=actor).filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


def may_manage(actor: User, enrolment: Enrolment) -> bool:
    return core.may_manage(actor, enrolment)


def retrofit_items() -> QuerySet[RetrofitItem]:
    return RetrofitItem.objects.filter(is_active=True).order_by("-basic", "ordering", "code")


def candidates(*, actor: User, code: str, limit: int = 50) -> list[Person]:
    """People the actor may enrol in the programme now (its households, for a retrofit), the first few."""
    programme = programme_of(actor, code, Capability.PROGRAMME_MANAGE)
    return list(core.candidates(actor=actor, programme=programme)[:limit])


def retrofit_targets(*, area: Area) -> list[RetrofitTarget]:
    """The targets set for the area and the areas above it (the city's plan applies to its districts)."""
    steps = [s for s in area.path.split("/") if s]
    paths = ["/" + "/".join(steps[: i + 1]) + "/" for i in range(len(steps))]
    return list(RetrofitTarget.objects.filter(area__path__in=paths).select_related("area").order_by("-due_on"))


# ---- family care beds ----------------------------------------------------------------------------------


def beds(*, actor: User, area_code: str = "") -> QuerySet[FamilyBed]:
    visible = _eldercare_enrolments(actor)
    rows = FamilyBed.objects.filter(enrolment__in=visible).select_related(
        "enrolment__person", "enrolment__area", "provider"
    )
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        rows = rows.filter(enrolment__area__path__startswith=area.path) if area is not None else rows.none()
    return rows.order_by("-set_up_on", "-pk")


def bed_get(*, actor: User, bed_id: int) -> FamilyBed:
    bed = beds(actor=actor).filter(pk=bed_id).first()
    if bed is None:
        raise Http404
    return bed


def bed_visits(*, bed: FamilyBed) -> QuerySet[BedVisit]:
    return bed.visits.select_related("recorded_by").order_by("-at", "-pk")


def providers_for(*, area: Area) -> list[tuple[int, str]]:
    """The legal entities of the area's city a bed may be contracted to."""
    city = "/" + area.path.split("/")[1] + "/"
    rows = LegalEntity.objects.filter(area__path__startswith=city).order_by("name")[:200]
    return [(e.pk, e.name) for e in rows]


# ---- figures ---------------------------------------------------------------------------------------------


def figures_area(*, actor: User, code: str = "") -> Area:
    """The area a figures page shows: the one asked for within the actor's eldercare reach, else the
    broadest area they reach."""
    paths = sorted({p for programme in require_eldercare(actor) for p in access.programme_paths(actor, programme)})
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not any(area.path.startswith(p) for p in paths):
            raise Http404
        return area
    if not paths:
        raise Http404
    return Area.objects.get(path=min(paths, key=len))


def area_figures(
    actor: User, path: str, month_start: datetime.date, on: datetime.date
) -> dict[str, int | float | None]:
    """The eldercare figures of one subtree, among what the actor reaches: care visits this month,
    overdue visits, retrofits by stage and completed, beds and their visits this month."""
    visible = _eldercare_enrolments(actor).filter(area__path__startswith=path)
    visits = Visit.objects.filter(enrolment__in=visible)
    due = visits.filter(due_on__gte=month_start, due_on__lte=on)
    due_count = due.count()
    done_count = due.filter(done_at__isnull=False).count()
    projects = RetrofitProject.objects.filter(enrolment__in=visible)
    stages = dict(projects.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    beds_rows = FamilyBed.objects.filter(enrolment__in=visible.exclude(state=EnrolmentState.ENDED))
    return {
        "visits_due": due_count,
        "visits_done": done_count,
        "visits_rate": round(100 * done_count / due_count, 1) if due_count else None,
        "visits_overdue": visits.filter(done_at__isnull=True, due_on__lt=on).count(),
        "retrofit_assessment": stages.get(RetrofitStage.ASSESSMENT, 0),
        "retrofit_works": stages.get(RetrofitStage.WORKS, 0),
        "retrofit_acceptance": stages.get(RetrofitStage.ACCEPTANCE, 0),
        "retrofit_completed": stages.get(RetrofitStage.COMPLETED, 0),
        "beds": beds_rows.count(),
        "bed_visits": BedVisit.objects.filter(bed__enrolment__in=visible, at__date__gte=month_start).count(),
    }


# ---- plain figures for the indicators (an area and a day; no actor) ------------------------------------


def retrofits_completed(area: Area, on: datetime.date, since: datetime.date | None = None) -> int:
    """Households whose retrofit was accepted in the area's subtree by ``on`` (from ``since``)."""
    rows = RetrofitProject.objects.filter(area__path__startswith=area.path, completed_on__lte=on)
    if since is not None:
        rows = rows.filter(completed_on__gte=since)
    return rows.count()


def care_visit_completion(area: Area, since: datetime.date, on: datetime.date) -> dict[str, int | float | None]:
    """Eldercare visits due in [since, on] in the area's subtree: how many, how many made, how many made by
    their day, and the share made (%; None when none was due)."""
    due = Visit.objects.filter(
        enrolment__programme__domain=ELDERCARE,
        enrolment__area__path__startswith=area.path,
        due_on__gte=since,
        due_on__lte=on,
    )
    total = due.count()
    done = due.filter(done_at__isnull=False).count()
    on_time = due.filter(done_at__isnull=False, done_at__date__lte=F("due_on")).count()
    return {
        "due": total,
        "done": done,
        "on_time": on_time,
        "rate": round(100 * done / total, 1) if total else None,
    }


def family_beds(area: Area, on: datetime.date) -> int:
    """Family care beds set up by ``on`` and open on that day in the area's subtree."""
    return (
        FamilyBed.objects.filter(enrolment__area__path__startswith=area.path, set_up_on__lte=on)
        .filter(Q(enrolment__ended_on__isnull=True) | Q(enrolment__ended_on__gt=on))
        .count()
    )
