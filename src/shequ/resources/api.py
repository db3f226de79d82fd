from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import selectors, services
from .models import CoordinateSystem, Facility, FacilityChange

router = Router(tags=["resources"])


class FacilityOut(Schema):
    id: int
    name: str
    type_code: str = Field(..., alias="type.code")
    type_name: str = Field(..., alias="type.name")
    area_code: str = Field(..., alias="area.code")
    address: str
    lon: float
    lat: float
    floor_area_m2: float | None
    capacity: int | None
    opening_hours: str
    operator_uscc: str | None
    is_active: bool

    @staticmethod
    def resolve_operator_uscc(obj: Facility) -> str | None:
        return obj.operator.uscc if obj.operator is not None else None


class FacilityIn(Schema):
    area_code: str = Field(..., max_length=20)
    type_code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=150)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    coordinates: CoordinateSystem = CoordinateSystem.WGS84
    address: str = Field("", max_length=200)
    floor_area_m2: float | None = Field(None, gt=0, lt=10_000_000)
    capacity: int | None = Field(None, ge=0, lt=1_000_000)
    opening_hours: str = Field("", max_length=100)
    operator_uscc: str = Field("", max_length=30)


@router.get("/facilities", response=list[FacilityOut], operation_id="facilities_list")
@paginate
def facilities_list(request: AuthenticatedHttpRequest, type: str = "", area: str = "") -> QuerySet[Facility]:
    require_capability(request.user, Capability.AREA_READ)
    return selectors.facilities(actor=request.user, type_code=type[:60], area_code=area[:20])


@router.post("/facilities", response={201: FacilityOut}, operation_id="facility_create")
def facility_create(request: AuthenticatedHttpRequest, payload: FacilityIn) -> Status:
    """Add a facility; GCJ-02 coordinates (from Chinese map services) are converted to WGS-84."""
    return Status(201, services.facility_create(actor=request.user, **payload.dict()))


class FacilityChangeOut(Schema):
    action: str
    changes: dict[str, list[object]]
    reason: str
    by: str | None = Field(None, alias="actor.username")
    at: datetime


class FacilityDetailOut(FacilityOut):
    history: list[FacilityChangeOut]

    @staticmethod
    def resolve_history(obj: Facility) -> list[FacilityChange]:
        # The facility was read through its scoped selector: its history is in scope with it.
        return selectors.facility_history(facility=obj)


class FacilityPatch(Schema):
    """What changes (a field left out stays; null clears the floor area or the capacity), and why."""

    reason: str = Field(..., max_length=200)
    area_code: str | None = Field(None, max_length=20)
    type_code: str | None = Field(None, max_length=60)
    name: str | None = Field(None, max_length=150)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    coordinates: CoordinateSystem = CoordinateSystem.WGS84
    address: str | None = Field(None, max_length=200)
    floor_area_m2: float | None = Field(None, gt=0, lt=10_000_000)
    capacity: int | None = Field(None, ge=0, lt=1_000_000)
    opening_hours: str | None = Field(None, max_length=100)
    operator_uscc: str | None = Field(None, max_length=30)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


@router.get("/facilities/{facility_id}", response=FacilityDetailOut, operation_id="facility_get")
def facility_get(request: AuthenticatedHttpRequest, facility_id: int = Path(...)) -> Facility:
    """One facility, open or closed, with its history (newest first)."""
    return selectors.facility_get(actor=request.user, facility_id=facility_id)


@router.patch("/facilities/{facility_id}", response=FacilityOut, operation_id="facility_update")
def facility_update(
    request: AuthenticatedHttpRequest, payload: FacilityPatch, facility_id: int = Path(...)
) -> Facility:
    """Edit a facility, with a reason; fields left out stay as they are."""
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason")
    return services.facility_update(actor=request.user, facility_id=facility_id, reason=reason, changes=changes)


@router.post("/facilities/{facility_id}/close", response=FacilityOut, operation_id="facility_close")
def facility_close(request: AuthenticatedHttpRequest, payload: ReasonIn, facility_id: int = Path(...)) -> Facility:
    return services.facility_set_open(actor=request.user, facility_id=facility_id, is_open=False, reason=payload.reason)


@router.post("/facilities/{facility_id}/reopen", response=FacilityOut, operation_id="facility_reopen")
def facility_reopen(request: AuthenticatedHttpRequest, payload: ReasonIn, facility_id: int = Path(...)) -> Facility:
    return services.facility_set_open(actor=request.user, facility_id=facility_id, is_open=True, reason=payload.reason)
