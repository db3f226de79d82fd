"""The children's API, mounted at /api/programmes/children/: the figures of an area (what the indicators
and a dashboard read), the children lacking a visit this month, a child's care record and its
assessments, and the targets. Thin: a selector or a service per operation; out of reach is a 404."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import selectors, services
from .models import CATEGORIES, Grade, Need, RiskLevel, Target

router = Router(tags=["children"])


class ChildrenAreaFiguresOut(Schema):
    code: str
    name: str
    stations: dict[str, int | float | None]
    homes: dict[str, int | float | None]
    places: dict[str, int | float | None]
    # Per category (left_behind_child…): children, covered, rate; only for those who read care records.
    care: dict[str, dict[str, int | float | None]] | None


class ChildrenFiguresOut(Schema):
    area: ChildrenAreaFiguresOut
    children: list[ChildrenAreaFiguresOut]


def _figures(area: Area, values: dict[str, Any]) -> ChildrenAreaFiguresOut:
    return ChildrenAreaFiguresOut(code=area.code, name=area.name, **values)


@router.get("/figures", response=ChildrenFiguresOut, operation_id="children_figures")
def children_figures(request: AuthenticatedHttpRequest, area: str = "") -> ChildrenFiguresOut:
    """Station coverage, homes, childcare places per 1,000 and (for the children's officers and the
    street's) care coverage per category, for an area and each area below it."""
    found = selectors.figures_area(actor=request.user, code=area)
    values, rows = selectors.figures_by_area(found, care=selectors.reaches_care(request.user, found))
    return ChildrenFiguresOut(area=_figures(found, values), children=[_figures(row.area, row.values) for row in rows])


class LackingOut(Schema):
    person_id: int
    name: str
    area: str
    enrolment_id: int | None
    carer: str | None
    last_visit: datetime.datetime | None


@router.get("/lacking-visits", response=list[LackingOut], operation_id="children_lacking_visits")
def children_lacking_visits(
    request: AuthenticatedHttpRequest,
    area: str = "",
    category: Literal[*CATEGORIES] = CATEGORIES[0],  # type: ignore[valid-type]
) -> list[LackingOut]:
    """The children of a group in an area who were not visited this month (enrolled or not yet)."""
    found = selectors.care_area(actor=request.user, code=area)
    rows = selectors.lacking_visits(actor=request.user, area=found, category=category, on=timezone.localdate())
    return [
        LackingOut(
            person_id=r.person.pk,
            name=r.person.name,
            area=r.person.area.name,
            enrolment_id=r.enrolment.pk if r.enrolment else None,
            carer=(r.carer.display_name or r.carer.username) if r.carer else None,
            last_visit=r.last_visit,
        )
        for r in rows
    ]


class AssessmentOut(Schema):
    id: int
    assessed_on: datetime.date
    risk_level: str
    needs: list[str]
    notes: str
    assessed_by: str = Field(..., alias="assessed_by.username")


class ChildVisitOut(Schema):
    id: int
    due_on: datetime.date
    done_at: datetime.datetime | None
    outcome: str
    note: str


class CareRecordOut(Schema):
    enrolment_id: int
    person_id: int
    name: str
    area: str
    state: str
    carer: str | None
    started_on: datetime.date
    assessments: list[AssessmentOut]
    visits: list[ChildVisitOut]


@router.get("/children/{enrolment_id}", response=CareRecordOut, operation_id="children_care_record")
def children_care_record(request: AuthenticatedHttpRequest, enrolment_id: int) -> CareRecordOut:
    """A child's care record: only the carer, the children's programme officers and the street's officers."""
    record = selectors.care_record(actor=request.user, enrolment_id=enrolment_id)
    e = record.enrolment
    return CareRecordOut(
        enrolment_id=e.pk,
        person_id=e.person_id,
        name=e.person.name,
        area=e.area.name,
        state=e.state,
        carer=e.carer.username if e.carer else None,
        started_on=e.started_on,
        assessments=[AssessmentOut.from_orm(a) for a in record.assessments],
        visits=[ChildVisitOut.from_orm(v) for v in record.visits],
    )


class AssessmentIn(Schema):
    risk_level: Literal[*RiskLevel.values]  # type: ignore[valid-type]
    needs: list[Literal[*Need.values]] = Field(default_factory=list, max_length=len(Need.values))  # type: ignore[valid-type]
    notes: str = Field("", max_length=2000)
    assessed_on: datetime.date | None = None


@router.post(
    "/children/{enrolment_id}/assessments",
    response={201: AssessmentOut},
    operation_id="children_assessment_create",
)
def children_assessment_create(request: AuthenticatedHttpRequest, enrolment_id: int, payload: AssessmentIn) -> Status:
    assessment = services.assessment_record(
        actor=request.user,
        enrolment_id=enrolment_id,
        risk_level=payload.risk_level,
        needs=list(payload.needs),
        notes=payload.notes,
        assessed_on=payload.assessed_on,
    )
    return Status(201, assessment)


class TargetOut(Schema):
    code: str
    name: str
    value: Decimal
    unit: str
    year: int
    source: str
    grade: str


@router.get("/targets", response=list[TargetOut], operation_id="children_targets")
def children_targets(request: AuthenticatedHttpRequest) -> list[Target]:
    require_capability(request.user, Capability.AREA_READ)
    return list(selectors.targets().values())


class TargetIn(Schema):
    value: Decimal = Field(..., ge=0, lt=1000000, max_digits=8, decimal_places=2)
    year: int = Field(..., ge=2000, le=2100)
    source: str = Field(..., min_length=1, max_length=300)
    grade: Literal[*Grade.values]  # type: ignore[valid-type]


@router.patch("/targets/{code}", response=TargetOut, operation_id="children_target_update")
def children_target_update(request: AuthenticatedHttpRequest, code: str, payload: TargetIn) -> Target:
    return services.target_update(
        actor=request.user,
        code=code[:60],
        value=payload.value,
        year=payload.year,
        source=payload.source,
        grade=payload.grade,
    )
