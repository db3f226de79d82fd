"""The API of mutual-aid care (mounted at /api/programmes/volunteers/): staff list volunteers and tasks,
decide registrations, post tasks, confirm hours, record redemptions and read the figures; a resident's
volunteer takes and completes tasks. Who reads what is the selectors' business (out of reach: 404); a
value the services refuse is a 422 naming its field; a task someone else took first is a 409."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.lib.masking import mask_phone
from shequ.lib.pagination import BoundedLimitOffsetPagination

from . import selectors, services
from .models import CareTask, TaskState, Volunteer, VolunteerState
from .selectors import mask_name

router = Router(tags=["volunteers"])


class ErrorOut(Schema):
    detail: str


def _staff(request: AuthenticatedHttpRequest) -> None:
    # Lists and figures are the staff's: anyone else finds nothing here.
    if not selectors.is_staff(request.user):
        raise Http404


class VolunteerOut(Schema):
    """A volunteer as staff lists them: the name and the phone masked."""

    id: int
    name: str
    phone: str
    area_code: str = Field(..., alias="area.code")
    area_name: str = Field(..., alias="area.name")
    state: str
    services: list[str]
    availability: str
    registered_at: datetime.datetime = Field(..., alias="created_at")

    @staticmethod
    def resolve_name(obj: Volunteer) -> str:
        return mask_name(obj.person.name)

    @staticmethod
    def resolve_phone(obj: Volunteer) -> str:
        return mask_phone(obj.person.phone or "")

    @staticmethod
    def resolve_services(obj: Volunteer) -> list[str]:
        return [t.code for t in obj.service_types.all()]


class TaskOut(Schema):
    id: int
    service: str = Field(..., alias="service_type.code")
    area_code: str = Field(..., alias="area.code")
    area_name: str = Field(..., alias="area.name")
    elder_name: str
    starts_at: datetime.datetime
    duration_minutes: int
    state: str
    volunteer_id: int | None
    hours: Decimal | None

    @staticmethod
    def resolve_elder_name(obj: CareTask) -> str:
        return mask_name(obj.elder.name)


@router.get("/volunteers", response=list[VolunteerOut], operation_id="volunteers_list")
@paginate(BoundedLimitOffsetPagination)
def volunteers_list(
    request: AuthenticatedHttpRequest,
    state: str = Query("", max_length=16),
    area: str = Query("", max_length=20),
) -> QuerySet[Volunteer]:
    """Staff: the volunteers registered in your area (names and phones masked)."""
    _staff(request)
    return selectors.staff_volunteers(
        request.user, state=state if state in VolunteerState.values else "", area_code=area
    )


class DecisionIn(Schema):
    confirm: bool
    note: str = Field("", max_length=300)


@router.post(
    "/volunteers/{volunteer_id}/decision",
    response={200: VolunteerOut, 404: ErrorOut},
    operation_id="volunteer_decide",
)
def volunteer_decide(request: AuthenticatedHttpRequest, volunteer_id: int, payload: DecisionIn) -> Volunteer:
    """Staff of the volunteer's area confirm a registration, or refuse it with the reason in ``note``."""
    services.volunteer_decide(actor=request.user, volunteer_id=volunteer_id, confirm=payload.confirm, note=payload.note)
    return selectors.staff_volunteer(request.user, volunteer_id)


class RedemptionIn(Schema):
    hours: Decimal = Field(..., max_digits=6, decimal_places=1)
    beneficiary_id: int
    reason: str = Field(..., max_length=200)
    service: str = Field("", max_length=40)


class RedemptionOut(Schema):
    id: int
    hours: Decimal
    balance: Decimal


@router.post(
    "/volunteers/{volunteer_id}/redemptions",
    response={201: RedemptionOut, 404: ErrorOut},
    operation_id="volunteer_redeem",
)
def volunteer_redeem(request: AuthenticatedHttpRequest, volunteer_id: int, payload: RedemptionIn) -> Status:
    """Staff record a service redeemed with the volunteer's banked hours, for them or their household.
    More than the balance is a 422; nothing is recorded."""
    entry = services.hours_redeem(
        actor=request.user,
        volunteer_id=volunteer_id,
        hours=payload.hours,
        beneficiary_id=payload.beneficiary_id,
        reason=payload.reason,
        service_type_code=payload.service,
    )
    return Status(201, RedemptionOut(id=entry.pk, hours=-entry.hours, balance=services.balance_of(entry.volunteer)))


@router.get("/tasks", response=list[TaskOut], operation_id="volunteer_tasks_list")
@paginate(BoundedLimitOffsetPagination)
def volunteer_tasks_list(
    request: AuthenticatedHttpRequest,
    state: str = Query("", max_length=16),
    area: str = Query("", max_length=20),
) -> QuerySet[CareTask]:
    """Staff: the care tasks of your area, latest first (the elder's name masked)."""
    _staff(request)
    return selectors.staff_tasks(request.user, state=state if state in TaskState.values else "", area_code=area)


class TaskIn(Schema):
    elder_id: int
    service: str = Field(..., max_length=40)
    starts_at: datetime.datetime
    duration_minutes: int = Field(..., ge=1, le=720)
    description: str = Field("", max_length=300)


@router.post("/tasks", response={201: TaskOut, 404: ErrorOut}, operation_id="volunteer_task_post")
def volunteer_task_post(request: AuthenticatedHttpRequest, payload: TaskIn) -> Status:
    """Staff post a care task for an elder (60+) of their area."""
    task = services.task_post(
        actor=request.user,
        elder_id=payload.elder_id,
        service_type_code=payload.service,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        description=payload.description,
    )
    return Status(201, task)


class PublicTaskOut(Schema):
    """A task as a volunteer reads it: the elder's name and address only once they took it."""

    id: int
    service: str
    community: str
    street: str
    starts_at: datetime.datetime
    duration_minutes: int
    state: str
    elder_name: str
    address: str


def _public(view: selectors.TaskView) -> PublicTaskOut:
    return PublicTaskOut(
        id=view.task.pk,
        service=view.task.service_type.code,
        community=view.community,
        street=view.street,
        starts_at=view.task.starts_at,
        duration_minutes=view.task.duration_minutes,
        state=view.task.state,
        elder_name=view.elder_name,
        address=view.address,
    )


@router.get("/tasks/open", response=list[PublicTaskOut], operation_id="volunteer_open_tasks")
def volunteer_open_tasks(request: AuthenticatedHttpRequest) -> list[PublicTaskOut]:
    """A resident's confirmed volunteer: the open tasks of their street, their community's first (no
    names, no addresses). Anyone else: an empty list."""
    return [_public(view) for view in selectors.open_tasks(request.user)]


@router.post(
    "/tasks/{task_id}/take",
    response={200: PublicTaskOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="volunteer_task_take",
)
def volunteer_task_take(request: AuthenticatedHttpRequest, task_id: int) -> Status | PublicTaskOut:
    """Take an open task near you: exactly one volunteer wins; the others get a 409."""
    try:
        services.task_take(actor=request.user, task_id=task_id)
    except services.TaskTaken as exc:
        return Status(409, {"detail": exc.messages[0]})
    return _public(selectors.resident_task(request.user, task_id))


class HoursIn(Schema):
    hours: Decimal = Field(..., max_digits=4, decimal_places=1)


@router.post(
    "/tasks/{task_id}/complete",
    response={200: PublicTaskOut, 404: ErrorOut},
    operation_id="volunteer_task_complete",
)
def volunteer_task_complete(request: AuthenticatedHttpRequest, task_id: int, payload: HoursIn) -> PublicTaskOut:
    """The volunteer who took the task records it done with the hours served (in half hours)."""
    services.task_complete(actor=request.user, task_id=task_id, hours=payload.hours)
    return _public(selectors.resident_task(request.user, task_id))


class ConfirmedOut(Schema):
    id: int
    state: str
    hours: Decimal | None
    confirmed_as: str


@router.post(
    "/tasks/{task_id}/confirm", response={200: ConfirmedOut, 404: ErrorOut}, operation_id="volunteer_task_confirm"
)
def volunteer_task_confirm(request: AuthenticatedHttpRequest, task_id: int) -> CareTask:
    """The elder's family (a resident whose people include the elder or their household) or staff of the
    task's area confirm the hours: they are banked. The volunteer's own confirmation is a 422."""
    return services.task_confirm(actor=request.user, task_id=task_id)


class VolunteerFigureRow(Schema):
    area_code: str
    area_name: str
    volunteers: int
    pending: int
    tasks_open: int
    tasks_done: int
    hours_served: float
    hours_banked: float
    hours_redeemed: float


class VolunteerFiguresOut(Schema):
    total: VolunteerFigureRow
    areas: list[VolunteerFigureRow]


@router.get("/figures", response={200: VolunteerFiguresOut, 404: ErrorOut}, operation_id="volunteer_figures")
def volunteer_figures(request: AuthenticatedHttpRequest, area: str = Query("", max_length=20)) -> VolunteerFiguresOut:
    """Staff: volunteers, tasks and hours of an area within yours (your broadest without ``area``) and of
    each area below it."""
    _staff(request)
    chosen = selectors.figures_area(request.user, area)
    total, rows = selectors.figures_by_area(chosen)
    return VolunteerFiguresOut(
        total=_figure_row(chosen, total),
        areas=[_figure_row(r.area, r.values) for r in rows],
    )


def _figure_row(area: Area, values: dict[str, Any]) -> VolunteerFigureRow:
    return VolunteerFigureRow(area_code=area.code, area_name=area.name, **values)
