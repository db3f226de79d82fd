"""The casework API: the staff queue and a resident's own cases, filing, the workflow's transitions,
taking a case, ratings, figures, and the service catalogue.

Who reads what is the selectors' business: staff read the cases of their area, a resident the cases of
the people registered with their phone; anything else is a 404. A transition the case's state or the
actor's role does not allow is a 409 whose ``detail`` says why in the request's language; a value the
services refuse is a 422 naming its field.
"""

import datetime
import json
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.accounts.models import User
from shequ.lib.capabilities import Capability
from shequ.lib.pagination import BoundedLimitOffsetPagination
from shequ.lib.scoping import granted_paths, require_capability
from shequ.privacy.schemas import MaskedIdentityOut

from . import catalogue, selectors, services
from .models import OPEN_STATES, Case, CaseEvent, CaseState, ChannelChoice, ServiceItem
from .workflow import Action, transitions_from

router = Router(tags=["casework"])

StateFilter = Literal["", "open", *CaseState.values]  # type: ignore[valid-type]
ChannelFilter = Literal["", *ChannelChoice.values]  # type: ignore[valid-type]
ChannelIn = Literal[*ChannelChoice.values]  # type: ignore[valid-type]
ActionIn = Literal[*[a.value for a in Action]]  # type: ignore[valid-type]
ConsentIn = Literal["", *services.CONSENT_METHODS]  # type: ignore[valid-type]


class ErrorOut(Schema):
    detail: str


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else ""


def _is_overdue(case: Case, now: datetime.datetime) -> bool:
    # A case waiting for the resident is not overdue: its clock stands still.
    return (
        case.deadline_at is not None
        and case.deadline_at < now
        and case.state in OPEN_STATES
        and case.state != CaseState.WAITING
    )


class CaseRow(Schema):
    """A case in a queue or a resident's list: no personal data beyond the applicant's name."""

    id: int
    number: str
    kind: str
    item_code: str
    item_name: str
    state: str
    channel: str
    area_code: str = Field(..., alias="area.code")
    area_name: str = Field(..., alias="area.name")
    applicant_name: str
    assigned_to: str
    submitted_at: datetime.datetime
    deadline_at: datetime.datetime | None
    deadline_uncertain: bool
    overdue: bool

    @staticmethod
    def resolve_item_code(obj: Case) -> str:
        return obj.item.code if obj.item is not None else ""

    @staticmethod
    def resolve_item_name(obj: Case) -> str:
        return obj.item.name if obj.item is not None else ""

    @staticmethod
    def resolve_applicant_name(obj: Case) -> str:
        return obj.applicant.name if obj.applicant is not None else ""

    @staticmethod
    def resolve_assigned_to(obj: Case) -> str:
        return _name(obj.assigned_to)

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return _is_overdue(obj, timezone.now())


class ApplicantOut(MaskedIdentityOut):
    """The applicant, masked as every page shows them."""

    id: int
    name: str


class EventOut(Schema):
    at: datetime.datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str
    public: bool

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str:
        return _name(obj.actor)


class MaterialOut(Schema):
    code: str
    name: str


class MaterialRequestOut(Schema):
    materials: list[MaterialOut]
    note: str
    requested_at: datetime.datetime


class AttachmentOut(Schema):
    id: int
    material: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime


class RatingOut(Schema):
    level: int
    reason: str
    rated_at: datetime.datetime


class CaseOut(CaseRow):
    """One case: its facts, the form's values, its timeline (a resident sees the public steps only), the
    open request for materials, files and rating, and the actions its state leads to."""

    item_version: int | None
    applicant: ApplicantOut | None
    form: dict[str, Any] = Field(..., alias="form_values")
    description: str
    consent_method: str
    consent_note: str
    proxy_reason: str
    address_text: str
    lon: float | None
    lat: float | None
    closed_at: datetime.datetime | None
    timeline: list[EventOut] = Field(..., alias="timeline_events")
    material_request: MaterialRequestOut | None = Field(..., alias="open_material_request")
    attachments: list[AttachmentOut]
    rating: RatingOut | None = Field(..., alias="the_rating")
    next_actions: list[str]

    @staticmethod
    def resolve_item_version(obj: Case) -> int | None:
        return obj.item_version.version if obj.item_version is not None else None

    @staticmethod
    def resolve_next_actions(obj: Case) -> list[str]:
        return [t.action.value for t in transitions_from(obj.state)]


def _is_staff_reader(actor: User, case: Case) -> bool:
    return any(case.area.path.startswith(path) for path in granted_paths(actor, Capability.CASE_READ))


def _case_out(actor: User, case_id: int) -> Case:
    """The case as ``CaseOut`` reads it: its timeline, open request, rating and form's values attached."""
    case = selectors.case_for(actor, case_id)
    try:
        form = json.loads(case.form_data or "{}")
    except (TypeError, ValueError):  # an unreadable form (sealed with a key no longer held)
        form = {}
    case.form_values = form if isinstance(form, dict) else {}  # type: ignore[attr-defined]
    case.timeline_events = list(  # type: ignore[attr-defined]
        selectors.timeline(case, for_resident=not _is_staff_reader(actor, case))
    )
    case.open_material_request = selectors.open_material_request(case)  # type: ignore[attr-defined]
    case.the_rating = selectors.case_rating(case)  # type: ignore[attr-defined]
    return case


class QueuePagination(BoundedLimitOffsetPagination):
    """Limit and offset; ``count`` is exact up to 1,000, and 1,001 means more (``selectors.queue_count``)."""

    def _items_count(self, queryset: QuerySet[Case]) -> int:
        return selectors.queue_count(queryset)


@router.get("/cases", response=list[CaseRow], operation_id="cases_list")
@paginate(QueuePagination)
def cases_list(
    request: AuthenticatedHttpRequest,
    state: StateFilter = "",
    item: str = Query("", max_length=40),
    channel: ChannelFilter = "",
    overdue: bool = False,
    mine: bool = False,
    unassigned: bool = False,
    area: str = Query("", max_length=20),
) -> QuerySet[Case]:
    """Staff: the queue of your area's cases, earliest deadline first (``state=open`` for every open
    state; ``overdue`` past their deadline and not waiting for the resident; ``mine`` taken by you;
    ``area`` an area code within yours). A resident: the cases of the people registered with your phone,
    newest first. ``count`` is the total of the filtered list up to 1,000 (1,001: more than that); the
    same few queries whatever the limit."""
    actor = request.user
    if selectors.is_case_staff(actor):
        rows = selectors.staff_cases(
            actor,
            state=state,
            overdue=overdue,
            mine=mine,
            unassigned=unassigned,
            area_path=selectors.case_area(actor, area).path if area else "",
            channel=channel,
            item=item,
        )
    else:
        rows = selectors.resident_cases(actor)
        if state == "open":
            rows = rows.filter(state__in=OPEN_STATES)
        elif state:
            rows = rows.filter(state=state)
        if channel:
            rows = rows.filter(channel=channel)
        if overdue or mine or unassigned or area:
            rows = rows.none()
        if item:
            rows = rows.filter(item__code=item)
        rows = rows.prefetch_related("area", "assigned_to")
    return rows


class CaseFiguresOut(Schema):
    area_code: str
    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    by_channel: dict[str, int]
    by_state: dict[str, int]
    average_working_days: float | None
    ratings: dict[str, int]
    satisfaction: float | None


@router.get("/cases/figures", response=CaseFiguresOut, operation_id="cases_figures")
def cases_figures(request: AuthenticatedHttpRequest, area: str = Query("", max_length=20)) -> CaseFiguresOut:
    """Figures of the cases of an area within yours (all of yours without ``area``): channels, on-time
    rate, average handling time in working days, overdue cases, ratings and the share satisfied (4-5)."""
    require_capability(request.user, Capability.CASE_READ)
    chosen = selectors.case_area(request.user, area) if area else None
    result = selectors.figures(request.user, chosen)
    return CaseFiguresOut(
        area_code=chosen.code if chosen is not None else "",
        total=result.total,
        open=result.open,
        overdue=result.overdue,
        closed=result.closed,
        closed_on_time=result.closed_on_time,
        on_time_rate=result.on_time_rate,
        by_channel=result.by_channel,
        by_state=result.by_state,
        average_working_days=result.average_working_days,
        ratings={str(level): n for level, n in result.ratings.items()},
        satisfaction=result.satisfaction,
    )


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut}, operation_id="case_get")
def case_get(request: AuthenticatedHttpRequest, case_id: int) -> Case:
    """One case for staff of its area or its applicant; personal data masked."""
    return _case_out(request.user, case_id)


class CaseIn(Schema):
    """``online``: a resident for one of the people registered with their phone. ``proxy`` (with the
    consent and the reason) and ``door``: staff of the applicant's area. An item that concerns a place
    needs no applicant but an ``area`` code (and may give the place)."""

    item: str = Field(..., max_length=40)
    channel: ChannelIn
    applicant_id: int | None = None
    form: dict[str, Any] = Field(default_factory=dict)
    description: str = Field("", max_length=2000)
    consent_method: ConsentIn = Field("", description="in_person, signature, phone or guardian (proxy)")
    consent_note: str = Field("", max_length=200)
    proxy_reason: str = Field("", max_length=200)
    area: str = Field("", max_length=20, description="the area a place request concerns")
    address_text: str = Field("", max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


@router.post("/cases", response={201: CaseOut, 404: ErrorOut}, operation_id="case_file")
def case_file(request: AuthenticatedHttpRequest, payload: CaseIn) -> Status:
    """File a case. The form's values are checked against the item's form: every wrong value is a 422
    naming its field; a duplicate open case of a one-at-a-time item is refused on ``item``."""
    place_area = selectors.place_area(payload.area)
    case = services.case_file(
        actor=request.user,
        channel=payload.channel,
        filing=services.Filing(
            item_code=payload.item,
            applicant_id=payload.applicant_id,
            form=payload.form,
            description=payload.description,
            lon=payload.lon,
            lat=payload.lat,
            address_text=payload.address_text,
        ),
        consent_method=payload.consent_method,
        consent_note=payload.consent_note,
        proxy_reason=payload.proxy_reason,
        place_area=place_area,
    )
    return Status(201, _case_out(request.user, case.pk))


class CaseActionIn(Schema):
    action: ActionIn  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)
    materials: list[str] = Field(default_factory=list, max_length=50, description="codes of the missing materials")


@router.post(
    "/cases/{case_id}/actions",
    response={200: CaseOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="case_act",
)
def case_act(request: AuthenticatedHttpRequest, case_id: int, payload: CaseActionIn) -> Status | Case:
    """Move the case along one transition of the workflow. One the case's state or your role does not
    allow is a 409 saying why; nothing changes."""
    try:
        services.case_act(
            actor=request.user,
            case_id=case_id,
            action=payload.action,
            note=payload.note,
            materials=[m[:40] for m in payload.materials],
        )
    except services.TransitionRefused as exc:
        return Status(409, {"detail": exc.messages[0]})
    return _case_out(request.user, case_id)


@router.post("/cases/{case_id}/take", response={200: CaseOut, 404: ErrorOut, 409: ErrorOut}, operation_id="case_take")
def case_take(request: AuthenticatedHttpRequest, case_id: int) -> Status | Case:
    """Take the case to handle it. If someone else has it: 409 naming them."""
    try:
        services.case_take(actor=request.user, case_id=case_id)
    except services.CaseTaken as exc:
        return Status(409, {"detail": exc.messages[0]})
    return _case_out(request.user, case_id)


@router.post("/cases/{case_id}/release", response={200: CaseOut, 404: ErrorOut}, operation_id="case_release")
def case_release(request: AuthenticatedHttpRequest, case_id: int) -> Case:
    """Give the case back to the queue (whoever has it, or staff who decide in its area)."""
    services.case_release(actor=request.user, case_id=case_id)
    return _case_out(request.user, case_id)


class RatingIn(Schema):
    level: int = Field(..., ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    reason: str = Field("", max_length=2000, description="required for levels 1 and 2")


@router.post("/cases/{case_id}/rating", response={201: RatingOut, 404: ErrorOut}, operation_id="case_rate")
def case_rate(request: AuthenticatedHttpRequest, case_id: int, payload: RatingIn) -> Status:
    """The applicant rates a completed or rejected case, once (好差评); a low rating opens a follow-up."""
    return Status(
        201, services.case_rate(actor=request.user, case_id=case_id, level=payload.level, reason=payload.reason)
    )


class CatalogueRow(Schema):
    code: str
    name: str
    department: str
    time_limit: int
    time_limit_unit: str
    channels: list[str]
    concerns_place: bool
    version: int


class FormFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool = False
    choices: list[str] = []


class MaterialSpecOut(Schema):
    code: str
    name: str
    required: bool = False


class CatalogueItemOut(CatalogueRow):
    legal_basis: str
    description: str
    materials: list[MaterialSpecOut]
    form: list[FormFieldOut]
    one_open_per_applicant: bool


def _require_catalogue_reader(actor: User) -> None:
    # Staff read it by their capabilities; a resident reads what they may apply for.
    if not catalogue.can_read(actor) and not selectors.resident_persons(actor).exists():
        raise Http404


@router.get("/catalogue/items", response=list[CatalogueRow], operation_id="catalogue_items_list")
def catalogue_items_list(request: AuthenticatedHttpRequest) -> QuerySet[ServiceItem]:
    """The service catalogue's items on offer, by code."""
    _require_catalogue_reader(request.user)
    return catalogue.catalogue_items()


@router.get(
    "/catalogue/items/{code}", response={200: CatalogueItemOut, 404: ErrorOut}, operation_id="catalogue_item_get"
)
def catalogue_item_get(request: AuthenticatedHttpRequest, code: str) -> ServiceItem:
    """One item on offer: its form, the materials it asks for, its time limit and channels."""
    _require_catalogue_reader(request.user)
    return catalogue.catalogue_item(code[:40])
