from __future__ import annotations

import datetime

from django.db import transaction
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.accounts.access import require_capability
from shequ.accounts.roles import Capability
from shequ.privacy.fields import masked
from shequ.tasks import start_import

from . import selectors
from .importing import import_create, job_progress
from .models import ImportJob, Person

router = Router(tags=["registry"])


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
def residents_list(request, q: str = "", tag: str = "", area: str = ""):
    """Residents by name (prefix), identity number or phone (exact), or address; masked."""
    require_capability(request.user, Capability.REGISTRY_READ)
    return selectors.residents(actor=request.user, query=q[:60], tag=tag[:40], area_code=area[:20])


@router.get("/residents/{person_id}", response=ResidentOut, operation_id="resident_get")
def resident_get(request, person_id: int):
    return selectors.person_get(actor=request.user, person_id=person_id)


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
