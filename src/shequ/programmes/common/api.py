"""The programme core's API: the programmes a worker reaches, enrolments (list, one, enrol, change), a
person's entitlements, the worker's own visits and recording one. Scoped by ``access``: out of reach is a
404; a value the services refuse is a 422 naming its field."""

import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.pagination import BoundedLimitOffsetPagination
from shequ.lib.scoping import CapabilityMissing

from . import access, selectors, services
from .models import Enrolment, EnrolmentState, Programme, Visit, VisitOutcome

router = Router(tags=["programmes"])

StateFilter = Literal["", *EnrolmentState.values]  # type: ignore[valid-type]


class ErrorOut(Schema):
    detail: str


class ProgrammeOut(Schema):
    code: str
    name: str
    domain: str
    restricted: bool
    per_household: bool


class EnrolmentOut(Schema):
    id: int
    programme: str = Field(..., alias="programme.code")
    person_id: int
    person_name: str = Field(..., alias="person.name")
    area_code: str = Field(..., alias="area.code")
    state: str
    started_on: datetime.date
    ended_on: datetime.date | None
    review_due_on: datetime.date | None
    carer_id: int | None
    reasons: list[dict[str, str]]


class EnrolIn(Schema):
    programme: str = Field(..., max_length=40)
    person_id: int = Field(..., ge=1, le=2**31 - 1)
    on: datetime.date | None = None
    note: str = Field("", max_length=500)


class ChangeIn(Schema):
    action: Literal["suspend", "resume", "end"]
    reason: str = Field(..., max_length=500)
    on: datetime.date | None = None


class EntitlementOut(Schema):
    benefit: str
    name: str
    programme: str
    amount: Decimal | None
    unit: str
    groups: list[str]


class VisitOut(Schema):
    id: int
    enrolment_id: int
    programme: str = Field(..., alias="enrolment.programme.code")
    person_name: str = Field(..., alias="enrolment.person.name")
    due_on: datetime.date
    done_at: datetime.datetime | None
    outcome: str


class VisitIn(Schema):
    outcome: Literal[*VisitOutcome.values]  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


@router.get("/programmes", response=list[ProgrammeOut], operation_id="programmes_list")
def programmes_list(request: AuthenticatedHttpRequest) -> list[Programme]:
    found = access.visible_programmes(request.user)
    if not found:
        raise CapabilityMissing
    return found


@router.get("/programmes/enrolments", response=list[EnrolmentOut], operation_id="enrolments_list")
@paginate(BoundedLimitOffsetPagination)
def enrolments_list(
    request: AuthenticatedHttpRequest,
    programme: str = "",
    state: StateFilter = "",
    area: str = "",
) -> QuerySet[Enrolment]:
    chosen = selectors.programme_get(actor=request.user, code=programme) if programme else None
    if chosen is None and not access.visible_programmes(request.user):
        raise CapabilityMissing
    return selectors.enrolments(actor=request.user, programme=chosen, state=state, area_code=area[:20]).order_by(
        "-started_on", "-pk"
    )


@router.post("/programmes/enrolments", response={201: EnrolmentOut, 404: ErrorOut}, operation_id="enrolment_create")
def enrolment_create(request: AuthenticatedHttpRequest, payload: EnrolIn) -> Status:
    made = services.enrol(
        actor=request.user,
        programme_code=payload.programme,
        person_id=payload.person_id,
        on=payload.on,
        note=payload.note,
    )
    return Status(201, selectors.enrolment_get(actor=request.user, enrolment_id=made.pk))


@router.get(
    "/programmes/enrolments/{enrolment_id}", response={200: EnrolmentOut, 404: ErrorOut}, operation_id="enrolment_get"
)
def enrolment_get(request: AuthenticatedHttpRequest, enrolment_id: int) -> Enrolment:
    return selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)


@router.post(
    "/programmes/enrolments/{enrolment_id}/change",
    response={200: EnrolmentOut, 404: ErrorOut},
    operation_id="enrolment_change",
)
def enrolment_change(request: AuthenticatedHttpRequest, enrolment_id: int, payload: ChangeIn) -> Enrolment:
    services.enrolment_change(
        actor=request.user, enrolment_id=enrolment_id, action=payload.action, reason=payload.reason, on=payload.on
    )
    return selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)


@router.get(
    "/programmes/people/{person_id}/entitlements",
    response={200: list[EntitlementOut], 404: ErrorOut},
    operation_id="person_entitlements",
)
def person_entitlements(request: AuthenticatedHttpRequest, person_id: int) -> list[EntitlementOut]:
    person = selectors.person_reachable(actor=request.user, person_id=person_id)
    entitled, _enrolled = selectors.person_programmes(actor=request.user, person=person)
    return [
        EntitlementOut(
            benefit=e.benefit.code,
            name=e.benefit.name,
            programme=e.benefit.programme.code,
            amount=e.amount,
            unit=e.benefit.unit,
            groups=[group for group, _rule, _gives in e.groups],
        )
        for e in entitled
    ]


@router.get("/programmes/visits/mine", response=list[VisitOut], operation_id="visits_mine")
@paginate(BoundedLimitOffsetPagination)
def visits_mine(request: AuthenticatedHttpRequest) -> QuerySet[Visit]:
    return selectors.my_visits(actor=request.user)


@router.post(
    "/programmes/visits/{visit_id}/record", response={200: VisitOut, 404: ErrorOut}, operation_id="visit_record"
)
def visit_record(request: AuthenticatedHttpRequest, visit_id: int, payload: VisitIn) -> Visit:
    services.visit_record(
        actor=request.user,
        visit_id=visit_id,
        outcome=payload.outcome,
        note=payload.note,
        lon=payload.lon,
        lat=payload.lat,
    )
    return selectors.visit_get(actor=request.user, visit_id=visit_id)
