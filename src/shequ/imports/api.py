from __future__ import annotations

from typing import Any

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from shequ.accounts.http import AuthenticatedHttpRequest

from . import selectors, services
from .models import ImportJob

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: int
    kind: str
    community_code: str = Field(..., alias="area.code")
    filename: str
    status: str
    total_rows: int
    error_rows: int
    created: int
    updated: int
    unchanged: int
    message: str
    progress: dict[str, Any]

    @staticmethod
    def resolve_progress(obj: ImportJob) -> dict[str, Any]:
        return services.job_progress(obj)


@router.post("/imports", response={202: ImportOut}, operation_id="import_upload")
def import_upload(
    request: AuthenticatedHttpRequest, community: Form[str], file: File[UploadedFile], kind: Form[str] = "residents"
) -> Status:
    """Upload a file (.xlsx or CSV) of a kind (``residents``: a resident roster) for a community; it is
    checked and imported in the background."""
    job = services.import_create(
        actor=request.user,
        kind=kind[:40],
        area_code=community[:20],
        filename=file.name or "upload",
        content=file,
    )
    return Status(202, job)


@router.get("/imports/{job_id}", response=ImportOut, operation_id="import_get")
def import_get(request: AuthenticatedHttpRequest, job_id: int) -> ImportJob:
    return selectors.import_job_get(actor=request.user, job_id=job_id)
