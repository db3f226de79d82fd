from __future__ import annotations

from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors, services
from .models import Area

router = Router(tags=["areas"])

AREA_CODE = r"^[0-9]{1,20}$"


class OtherCodeOut(Schema):
    system: str
    code: str


class AreaOut(Schema):
    code: str
    code_system: str
    name: str
    level: int
    level_name: str = Field(..., alias="get_level_display")
    kind: str
    parent_code: str | None
    is_active: bool

    @staticmethod
    def resolve_parent_code(obj: Area) -> str | None:
        return obj.ancestor_codes[-1] if obj.ancestor_codes else None


class AreaDetailOut(AreaOut):
    other_codes: list[OtherCodeOut]  # the related manager, read as a list


class GridIn(Schema):
    name: str = Field(..., description="网格名称 grid name", max_length=200)


class GridPatch(Schema):
    name: str | None = Field(None, max_length=200)
    is_active: bool | None = None


@router.get("/areas", response=list[AreaOut], operation_id="areas_roots")
def areas_roots(request: ActorHttpRequest) -> list[Area]:
    """The areas of the caller's grants: the tops of the part of the tree they may read."""
    require_capability(request.user, Capability.AREA_READ)
    return selectors.area_roots(actor=request.user)


class AreaFoundOut(AreaOut):
    label: str = Field(..., description="names from the district down, e.g. 和平区 › 浑河湾街道 › 水源地社区")


@router.get("/areas/search", response=list[AreaFoundOut], operation_id="areas_search")
def areas_search(
    request: ActorHttpRequest,
    q: str = Query(..., min_length=1, max_length=50, description="name or code"),
    level: list[Annotated[int, Field(ge=1, le=6)]] = Query(
        [], description="only these levels (3 district … 6 grid); repeat for several"
    ),
) -> list[Area]:
    """Areas in the caller's part of the tree whose name contains q or whose code starts with it (at most
    20, shallowest first): what the area picker offers as one types."""
    require_capability(request.user, Capability.AREA_READ)
    return selectors.area_search(actor=request.user, query=q, levels=tuple(level))


@router.get("/areas/locate", response=AreaOut, operation_id="areas_locate")
def areas_locate(
    request: ActorHttpRequest,
    lon: float = Query(..., ge=-180, le=180, description="WGS-84 longitude"),
    lat: float = Query(..., ge=-90, le=90, description="WGS-84 latitude"),
) -> Area:
    """The district or county whose boundary contains the point (404 outside the caller's tree)."""
    return selectors.district_at(actor=request.user, lon=lon, lat=lat)


@router.get("/areas/{code}", response=AreaDetailOut, operation_id="area_get")
def area_get(request: ActorHttpRequest, code: str = Path(..., pattern=AREA_CODE)) -> Area:
    return selectors.area_get(actor=request.user, code=code)


@router.get("/areas/{code}/children", response=list[AreaOut], operation_id="area_children")
@paginate
def area_children(request: ActorHttpRequest, code: str = Path(..., pattern=AREA_CODE)) -> QuerySet[Area]:
    area = selectors.area_get(actor=request.user, code=code)
    return selectors.area_children(actor=request.user, area=area)


@router.post("/areas/{code}/grids", response={201: AreaOut}, operation_id="grid_create")
def grid_create(request: ActorHttpRequest, payload: GridIn, code: str = Path(..., pattern=AREA_CODE)) -> Status:
    """Create a grid (网格) under a community."""
    return Status(201, services.grid_create(actor=request.user, community_code=code, name=payload.name))


@router.patch("/grids/{code}", response=AreaOut, operation_id="grid_update")
def grid_update(request: ActorHttpRequest, payload: GridPatch, code: str = Path(..., pattern=AREA_CODE)) -> Area:
    """Rename a grid or mark it inactive."""
    return services.grid_update(actor=request.user, grid_code=code, name=payload.name, is_active=payload.is_active)
