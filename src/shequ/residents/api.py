from __future__ import annotations

import datetime

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability
from shequ.privacy.schemas import MaskedIdentityOut

from . import selectors, services
from .models import Person, PersonTag
from .selectors import UnitDigitisation

router = Router(tags=["residents"])


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
    id: int
    name: str
    sex: str
    birth_date: datetime.date
    residence_type: str
    status: str
    area_code: str = Field(..., alias="area.code")
    address: str
    household_id: int | None
    tags: list[TagOut]  # the prefetched related manager, read as a list

    @staticmethod
    def resolve_address(obj: Person) -> str:
        return obj.address.label if obj.address is not None else ""


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


@router.get("/residents", response=list[ResidentOut], operation_id="residents_list")
@paginate
def residents_list(
    request: AuthenticatedHttpRequest, q: str = "", tag: list[str] = Query([]), area: str = ""
) -> QuerySet[Person]:
    """Residents by name (prefix), identity number or phone (exact), or address; masked. Each `tag`
    (age60, age80, alone, minor, or a recorded group's code) must hold."""
    require_capability(request.user, Capability.REGISTRY_READ)
    return selectors.residents(actor=request.user, query=q[:60], tags=[t[:40] for t in tag[:10]], area_code=area[:20])


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
    relation: str = Field("", max_length=10)
    ethnicity: str = Field("", max_length=20)
    moved_in_on: str = Field("", max_length=10, description="YYYY-MM-DD")


@router.post("/residents", response={201: ResidentOut}, operation_id="resident_register")
def resident_register(request: AuthenticatedHttpRequest, payload: PersonIn) -> Status:
    """Register one resident by the roster's rules (errors name the fields)."""
    person = services.person_register(actor=request.user, **payload.dict())
    return Status(201, selectors.person_get(actor=request.user, person_id=person.pk))


@router.get("/residents/{person_id}", response=ResidentOut, operation_id="resident_get")
def resident_get(request: AuthenticatedHttpRequest, person_id: int) -> Person:
    return selectors.person_get(actor=request.user, person_id=person_id)


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
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    return {
        "id": household.pk,
        "number": household.number,
        "address": household.address.label,
        "area_code": household.area.code,
        "members": members,
    }


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
