from __future__ import annotations

import datetime
from typing import Literal

from django.db import transaction
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.accounts.access import require_capability
from shequ.accounts.roles import Capability
from shequ.privacy.fields import masked
from shequ.tasks import start_import

from . import resources, selectors, services
from .importing import import_create, job_progress
from .models import ImportJob, Person

router = Router(tags=["registry"])


class TagOut(Schema):
    id: int
    tag_code: str
    tag_name: str
    grade: str
    source: str
    valid_from: datetime.date
    valid_to: datetime.date | None

    @staticmethod
    def resolve_tag_code(obj) -> str:
        return obj.tag.code

    @staticmethod
    def resolve_tag_name(obj) -> str:
        return obj.tag.name


class TagIn(Schema):
    tag_code: str = Field(..., max_length=40)
    source: str = Field(..., max_length=100)
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    grade: str = Field("", max_length=20)


class TagEndIn(Schema):
    on: datetime.date


class ResidentOut(Schema):
    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    sex: str
    birth_date: datetime.date
    residence_type: str
    status: str
    area_code: str
    address: str
    household_id: int | None
    tags: list[TagOut]

    @staticmethod
    def resolve_tags(obj: Person) -> list:
        return list(obj.tags.all())

    @staticmethod
    def resolve_id_number_masked(obj: Person) -> str:
        return masked(obj, "id_number")

    @staticmethod
    def resolve_phone_masked(obj: Person) -> str:
        return masked(obj, "phone")

    @staticmethod
    def resolve_area_code(obj: Person) -> str:
        return obj.area.code

    @staticmethod
    def resolve_address(obj: Person) -> str:
        return obj.address.label if obj.address_id else ""


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


class ImportOut(Schema):
    id: int
    community_code: str
    filename: str
    status: str
    total_rows: int
    error_rows: int
    created: int
    updated: int
    unchanged: int
    message: str
    progress: dict

    @staticmethod
    def resolve_community_code(obj: ImportJob) -> str:
        return obj.area.code

    @staticmethod
    def resolve_progress(obj: ImportJob) -> dict:
        return job_progress(obj)


@router.get("/residents", response=list[ResidentOut], operation_id="residents_list")
@paginate
def residents_list(request, q: str = "", tag: list[str] = Query([]), area: str = ""):
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
def resident_register(request, payload: PersonIn):
    """Register one resident by the roster's rules (errors name the fields)."""
    person = services.person_register(actor=request.user, **payload.dict())
    return Status(201, selectors.person_get(actor=request.user, person_id=person.pk))


@router.get("/residents/{person_id}", response=ResidentOut, operation_id="resident_get")
def resident_get(request, person_id: int):
    return selectors.person_get(actor=request.user, person_id=person_id)


@router.post("/residents/{person_id}/tags", response={201: TagOut}, operation_id="resident_tag_add")
def resident_tag_add(request, person_id: int, payload: TagIn):
    """Record a special-group tag with its source and validity."""
    return Status(201, services.tag_add(actor=request.user, person_id=person_id, **payload.dict()))


@router.post("/resident-tags/{tag_id}/end", response=TagOut, operation_id="resident_tag_end")
def resident_tag_end(request, tag_id: int, payload: TagEndIn):
    """End a tag's validity; the record stays."""
    return services.tag_end(actor=request.user, tag_id=tag_id, on=payload.on)


@router.get("/households/{household_id}", response=HouseholdOut, operation_id="household_get")
def household_get(request, household_id: int):
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    return {
        "id": household.pk,
        "number": household.number,
        "address": household.address.label,
        "area_code": household.area.code,
        "members": members,
    }


def _row(row: dict) -> dict:
    return {
        "area_code": row["area"].code,
        "area_name": row["area"].name,
        "total": row["total"],
        "complete": row["complete"],
        "rate": row["rate"],
    }


@router.get("/digitisation/{code}", response=DigitisationOut, operation_id="digitisation")
def digitisation(request, code: str):
    """The digitisation rate of an area and of each area below it (plan target 100%)."""
    result = selectors.digitisation(actor=request.user, area_code=code[:20])
    return {**_row(result), "children": [_row(r) for r in result["children"]]}


@router.post("/imports", response={202: ImportOut}, operation_id="import_upload")
def import_upload(request, community: Form[str], file: File[UploadedFile]):
    """Upload a roster (.xlsx or CSV) for a community; it is checked and imported in the background."""
    job = import_create(
        actor=request.user, community_code=community[:20], filename=file.name or "roster", content=file.read()
    )
    transaction.on_commit(lambda: start_import(job.pk))
    return Status(202, job)


@router.get("/imports/{job_id}", response=ImportOut, operation_id="import_get")
def import_get(request, job_id: int):
    return selectors.import_job_get(actor=request.user, job_id=job_id)


class FacilityTypeOut(Schema):
    code: str
    name: str
    name_en: str
    source: str
    circle_level: str
    required: bool
    service_radius_m: int | None
    mofcom_tier: str
    is_active: bool


class FacilityTypePatch(Schema):
    name: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    circle_level: str | None = Field(None, max_length=10)
    required: bool | None = None
    service_radius_m: int | None = Field(None, ge=1, le=5000)
    mofcom_tier: str | None = Field(None, max_length=10)
    is_active: bool | None = None


class FacilityOut(Schema):
    id: int
    name: str
    type_code: str
    type_name: str
    area_code: str
    address: str
    lon: float
    lat: float
    floor_area_m2: float | None
    capacity: int | None
    opening_hours: str
    operator_uscc: str | None

    @staticmethod
    def resolve_type_code(obj) -> str:
        return obj.type.code

    @staticmethod
    def resolve_type_name(obj) -> str:
        return obj.type.name

    @staticmethod
    def resolve_area_code(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_operator_uscc(obj) -> str | None:
        return obj.operator.uscc if obj.operator_id else None


class FacilityIn(Schema):
    area_code: str = Field(..., max_length=20)
    type_code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=150)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    coordinates: Literal["wgs84", "gcj02"] = "wgs84"
    address: str = Field("", max_length=200)
    floor_area_m2: float | None = Field(None, gt=0, lt=10_000_000)
    capacity: int | None = Field(None, ge=0, lt=1_000_000)
    opening_hours: str = Field("", max_length=100)
    operator_uscc: str = Field("", max_length=30)


class LegalEntityOut(Schema):
    id: int
    name: str
    uscc: str
    kind: str
    area_code: str
    address: str

    @staticmethod
    def resolve_area_code(obj) -> str:
        return obj.area.code


class LegalEntityIn(Schema):
    area_code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=150)
    uscc: str = Field(..., max_length=30)
    kind: str = Field(..., max_length=16)
    address: str = Field("", max_length=200)


@router.get("/facility-types", response=list[FacilityTypeOut], operation_id="facility_types_list")
def facility_types_list(request):
    """The facility-type catalogue (GB 50180-2018 Appendix B, MOFCOM 2021), as the city keeps it."""
    require_capability(request.user, Capability.AREA_READ)
    return selectors.facility_types(include_inactive=True)


@router.patch("/facility-types/{code}", response=FacilityTypeOut, operation_id="facility_type_update")
def facility_type_update(request, code: str, payload: FacilityTypePatch):
    """City administrators correct and extend the catalogue."""
    return resources.facility_type_update(actor=request.user, code=code[:60], **payload.dict())


@router.get("/facilities", response=list[FacilityOut], operation_id="facilities_list")
@paginate
def facilities_list(request, type: str = "", area: str = ""):
    require_capability(request.user, Capability.AREA_READ)
    return selectors.facilities(actor=request.user, type_code=type[:60], area_code=area[:20])


@router.post("/facilities", response={201: FacilityOut}, operation_id="facility_create")
def facility_create(request, payload: FacilityIn):
    """Add a facility; GCJ-02 coordinates (from Chinese map services) are converted to WGS-84."""
    return Status(201, resources.facility_create(actor=request.user, **payload.dict()))


@router.get("/legal-entities", response=list[LegalEntityOut], operation_id="legal_entities_list")
@paginate
def legal_entities_list(request, q: str = "", kind: str = ""):
    require_capability(request.user, Capability.AREA_READ)
    return selectors.legal_entities(actor=request.user, query=q, kind=kind[:16])


@router.post("/legal-entities", response={201: LegalEntityOut}, operation_id="legal_entity_create")
def legal_entity_create(request, payload: LegalEntityIn):
    """Register a company, social organisation, property company or O2O store, with its credit code."""
    return Status(201, resources.legal_entity_create(actor=request.user, **payload.dict()))
