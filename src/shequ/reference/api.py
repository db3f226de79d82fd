from __future__ import annotations

from ninja import Field, Router, Schema

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import selectors, services
from .models import FacilityType

router = Router(tags=["reference"])


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


@router.get("/facility-types", response=list[FacilityTypeOut], operation_id="facility_types_list")
def facility_types_list(request: AuthenticatedHttpRequest) -> list[FacilityType]:
    """The facility-type catalogue (GB 50180-2018 Appendix B, MOFCOM 2021), as the city keeps it."""
    require_capability(request.user, Capability.AREA_READ)
    return list(selectors.facility_types(include_inactive=True))


@router.patch("/facility-types/{code}", response=FacilityTypeOut, operation_id="facility_type_update")
def facility_type_update(request: AuthenticatedHttpRequest, code: str, payload: FacilityTypePatch) -> FacilityType:
    """City administrators correct and extend the catalogue."""
    return services.facility_type_update(actor=request.user, code=code[:60], **payload.dict())
