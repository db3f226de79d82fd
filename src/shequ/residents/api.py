from __future__ import annotations

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.masking import age_in_years
from shequ.lib.scoping import require_capability
from shequ.privacy.lookups import LOOKUP_LIMIT
from shequ.privacy.schemas import MaskedIdentityOut

from . import selectors, services
from .models import MoveRequest, Person, PersonStatus, PersonTag
from .selectors import UnitDigitisation

router = Router(tags=["residents"])


class ErrorOut(Schema):
    detail: str


class TagOut(Schema):
    id: int
    tag_code: str = Field(..., alias="tag.code")
    tag_name: str = Field(..., alias="tag.name")
    grade: str
    source: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class TagIn(Schema):
    tag_code: str = Field(..., max_length=40)
    source: str = Field(..., max_length=100)
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    grade: str = Field("", max_length=20)


class TagEndIn(Schema):
    on: datetime.date


class ResidentOut(MaskedIdentityOut):
    """A resident as every role reads it by default: the age, never the birth date (beside the masked
    number it would narrow the number to a handful; a reveal shows the number, and the date in it)."""

    id: int
    name: str
    sex: str
    age: int
    residence_type: str
    status: str
    area_code: str = Field(..., alias="area.code")
    address: str
    household_id: int | None
    tags: list[TagOut]  # the prefetched related manager, read as a list

    @staticmethod
    def resolve_address(obj: Person) -> str:
        return obj.address.label if obj.address is not None else ""

    @staticmethod
    def resolve_age(obj: Person) -> int:
        return age_in_years(obj.birth_date, timezone.localdate())


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    area_code: str
    members: list[ResidentOut]


class DigitisationRow(Schema):
    area_code: str
    area_name: str
    total: int
    complete: int
    rate: float | None


class DigitisationOut(DigitisationRow):
    children: list[DigitisationRow]


@router.get("/residents", response={200: list[ResidentOut], 400: ErrorOut}, operation_id="residents_list")
@paginate
def residents_list(
    request: AuthenticatedHttpRequest,
    q: str = "",
    tag: list[str] = Query([]),
    area: str = "",
    status: str = "active",
) -> QuerySet[Person]:
    """Residents by name (prefix) or address; masked. Each `tag` (age60, age80, alone, minor, or a
    recorded group's code) must hold; `status` keeps those living here (the default), moved out,
    deceased, or all (`all` or empty). Identity numbers and phones are refused here (400): a query string
    is logged and kept in histories; look them up with `POST /api/residents/lookup`. A search by part of a
    name or an address lists at most its first 1,001 matches (a count of 1,001 means: narrow it)."""
    require_capability(request.user, Capability.REGISTRY_READ)
    if status not in {*PersonStatus.values, "all", ""}:
        raise HttpError(400, _("status: one of active, moved_out, deceased, all."))
    if selectors.looks_like_identifier(q):
        raise HttpError(
            400, _("Look up identity numbers and phones with POST /api/residents/lookup, not in the address.")
        )
    return selectors.residents(
        actor=request.user,
        query=q[:60],
        tags=[t[:40] for t in tag[:10]],
        area_code=area[:20],
        status="" if status == "all" else status,
        cap=selectors.SEARCH_CAP,
    )


class LookupIn(Schema):
    """Exactly one of the two."""

    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)


@router.post("/residents/lookup", response={200: list[ResidentOut], 429: ErrorOut}, operation_id="residents_lookup")
def residents_lookup(request: AuthenticatedHttpRequest, payload: LookupIn) -> Status | list[Person]:
    """The residents with this identity number or phone (exact), masked. Each call counts against the
    account's hourly allowance (`SHEQU_LOOKUP_LIMIT_PER_HOUR`) and is audited by the value's blind index;
    past the allowance, 429. Nobody you may read with that value: 404."""
    require_capability(request.user, Capability.REGISTRY_READ)
    try:
        return selectors.resident_lookup(actor=request.user, id_number=payload.id_number, phone=payload.phone)
    except ValidationError as exc:
        if getattr(exc, "code", None) == LOOKUP_LIMIT:
            return Status(429, {"detail": exc.messages[0]})
        raise


class PersonIn(Schema):
    community_code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=30)
    residence_type: str = Field(..., max_length=10, description="户籍 / 常住 / 流动 / 寄住 or registered …")
    street_address: str = Field(..., max_length=120)
    phone: str = Field("", max_length=20)
    building: str = Field("", max_length=20)
    unit: str = Field("", max_length=20)
    room: str = Field("", max_length=20)
    grid: str = Field("", max_length=50)
    household_number: str = Field("", max_length=40)
    relation: str = Field("", max_length=20)
    ethnicity: str = Field("", max_length=20)
    moved_in_on: str = Field("", max_length=10, description="YYYY-MM-DD")


class MoveRequestOut(Schema):
    """A move request as both communities see it: who (the name the asking side gave), between which
    communities as far as the reader may know, and its state."""

    id: int
    person_name: str = Field(..., alias="person.name")
    to_area_code: str = Field(..., alias="to_area.code")
    state: str
    note: str
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


class MoveDecisionIn(Schema):
    decision: Literal["confirm", "refuse", "withdraw"]
    note: str = Field("", max_length=200)


@router.post("/residents", response={201: ResidentOut, 202: MoveRequestOut}, operation_id="resident_register")
def resident_register(request: AuthenticatedHttpRequest, payload: PersonIn) -> Status:
    """Register one resident by the roster's rules (errors name the fields). A person living in another
    community with the same name is not registered: the answer (202) is the move request sent there."""
    outcome = services.person_register(actor=request.user, **payload.dict())
    if isinstance(outcome, MoveRequest):
        return Status(202, outcome)
    return Status(201, selectors.person_get(actor=request.user, person_id=outcome.pk))


@router.get("/move-requests", response=list[MoveRequestOut], operation_id="move_requests_list")
@paginate
def move_requests_list(request: AuthenticatedHttpRequest, filed: bool = False) -> QuerySet[MoveRequest]:
    """Move requests your communities decide (``filed=false``) or filed (``filed=true``)."""
    require_capability(request.user, Capability.REGISTRY_EDIT)
    incoming, outgoing = selectors.move_requests(actor=request.user)
    return outgoing if filed else incoming


@router.post("/move-requests/{request_id}", response=MoveRequestOut, operation_id="move_request_decide")
def move_request_decide(request: AuthenticatedHttpRequest, request_id: int, payload: MoveDecisionIn) -> MoveRequest:
    """Confirm or refuse (your resident's community) or withdraw (the asking community) a move request."""
    if payload.decision == "withdraw":
        return services.move_request_withdraw(actor=request.user, request_id=request_id)
    return services.move_request_decide(
        actor=request.user, request_id=request_id, confirm=payload.decision == "confirm", note=payload.note
    )


@router.get("/residents/{person_id}", response=ResidentOut, operation_id="resident_get")
def resident_get(request: AuthenticatedHttpRequest, person_id: int) -> Person:
    return selectors.person_get(actor=request.user, person_id=person_id)


class PersonPatch(Schema):
    """The fields to correct; those left out stay. Values as in registration."""

    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30, description="needs the permission to reveal it")
    phone: str | None = Field(None, max_length=20)
    residence_type: str | None = Field(None, max_length=10)
    street_address: str | None = Field(None, max_length=120)
    building: str | None = Field(None, max_length=20)
    unit: str | None = Field(None, max_length=20)
    room: str | None = Field(None, max_length=20)
    grid: str | None = Field(None, max_length=50, description="a grid of the same community, by name")
    relation: str | None = Field(None, max_length=16)
    ethnicity: str | None = Field(None, max_length=20)
    moved_in_on: str | None = Field(None, max_length=10, description="YYYY-MM-DD")


@router.patch("/residents/{person_id}", response=ResidentOut, operation_id="resident_update")
def resident_update(request: AuthenticatedHttpRequest, person_id: int, payload: PersonPatch) -> Person:
    """Correct a resident's details by the rules of registration (errors name the fields); audited, with a
    history entry naming what changed."""
    services.person_update(actor=request.user, person_id=person_id, **payload.dict(exclude_unset=True))
    return selectors.person_get(actor=request.user, person_id=person_id)


class HeadIn(Schema):
    person_id: int
    former_relation: str = Field(..., max_length=16, description="the former head's relation to the new head")


class MoveMemberIn(Schema):
    person_id: int
    relation: str = Field(..., max_length=16)


class SplitIn(Schema):
    person_ids: list[int] = Field(..., max_length=100)
    head_id: int
    street_address: str = Field(..., max_length=120)
    building: str = Field("", max_length=20)
    unit: str = Field("", max_length=20)
    room: str = Field("", max_length=20)
    number: str = Field("", max_length=40)


class MergeIn(Schema):
    other_id: int
    other_head_relation: str = Field(..., max_length=16)


def _household(request: AuthenticatedHttpRequest, household_id: int) -> dict[str, object]:
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    return {
        "id": household.pk,
        "number": household.number,
        "address": household.address.label,
        "area_code": household.area.code,
        "members": members,
    }


@router.post("/households/{household_id}/head", response=HouseholdOut, operation_id="household_set_head")
def household_set_head(request: AuthenticatedHttpRequest, household_id: int, payload: HeadIn) -> dict[str, object]:
    """Make a member the head; the former head takes ``former_relation``."""
    services.household_set_head(actor=request.user, household_id=household_id, **payload.dict())
    return _household(request, household_id)


@router.post("/households/{household_id}/members", response=HouseholdOut, operation_id="household_member_move")
def household_member_move(
    request: AuthenticatedHttpRequest, household_id: int, payload: MoveMemberIn
) -> dict[str, object]:
    """Move a resident of the same community into this household."""
    services.member_move(actor=request.user, household_id=household_id, **payload.dict())
    return _household(request, household_id)


@router.post("/households/{household_id}/split", response={201: HouseholdOut}, operation_id="household_split")
def household_split(request: AuthenticatedHttpRequest, household_id: int, payload: SplitIn) -> Status:
    """Some members form a new household at an address; the answer is the new household."""
    new = services.household_split(actor=request.user, household_id=household_id, **payload.dict())
    return Status(201, _household(request, new.pk))


@router.post("/households/{household_id}/merge", response=HouseholdOut, operation_id="household_merge")
def household_merge(request: AuthenticatedHttpRequest, household_id: int, payload: MergeIn) -> dict[str, object]:
    """Merge another household of the same community into this one."""
    services.household_merge(actor=request.user, household_id=household_id, **payload.dict())
    return _household(request, household_id)


@router.post("/residents/{person_id}/tags", response={201: TagOut}, operation_id="resident_tag_add")
def resident_tag_add(request: AuthenticatedHttpRequest, person_id: int, payload: TagIn) -> Status:
    """Record a special-group tag with its source and validity."""
    return Status(201, services.tag_add(actor=request.user, person_id=person_id, **payload.dict()))


@router.post("/resident-tags/{tag_id}/end", response=TagOut, operation_id="resident_tag_end")
def resident_tag_end(request: AuthenticatedHttpRequest, tag_id: int, payload: TagEndIn) -> PersonTag:
    """End a tag's validity; the record stays."""
    return services.tag_end(actor=request.user, tag_id=tag_id, on=payload.on)


@router.get("/households/{household_id}", response=HouseholdOut, operation_id="household_get")
def household_get(request: AuthenticatedHttpRequest, household_id: int) -> dict[str, object]:
    return _household(request, household_id)


def _row(unit: UnitDigitisation) -> DigitisationRow:
    area = unit["area"]
    return DigitisationRow(
        area_code=area.code, area_name=area.name, total=unit["total"], complete=unit["complete"], rate=unit["rate"]
    )


@router.get("/digitisation/{code}", response=DigitisationOut, operation_id="digitisation")
def digitisation(request: AuthenticatedHttpRequest, code: str) -> DigitisationOut:
    """The digitisation rate of an area and of each area below it (plan target 100%)."""
    result = selectors.digitisation(actor=request.user, area_code=code[:20])
    return DigitisationOut(**_row(result).model_dump(), children=[_row(unit) for unit in result["children"]])
