from __future__ import annotations

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import selectors, services
from .models import CoordinateSystem, Facility

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
