from __future__ import annotations

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import selectors, services
from .models import LegalEntity

router = Router(tags=["entities"])


class LegalEntityOut(Schema):
    id: int
    name: str
    uscc: str
    kind: str
    area_code: str = Field(..., alias="area.code")
    address: str


class LegalEntityIn(Schema):
    area_code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=150)
    uscc: str = Field(..., max_length=30)
    kind: str = Field(..., max_length=16)
    address: str = Field("", max_length=200)


@router.get("/legal-entities", response=list[LegalEntityOut], operation_id="legal_entities_list")
@paginate
def legal_entities_list(request: AuthenticatedHttpRequest, q: str = "", kind: str = "") -> QuerySet[LegalEntity]:
    require_capability(request.user, Capability.AREA_READ)
    return selectors.legal_entities(actor=request.user, query=q, kind=kind[:16])


@router.post("/legal-entities", response={201: LegalEntityOut}, operation_id="legal_entity_create")
def legal_entity_create(request: AuthenticatedHttpRequest, payload: LegalEntityIn) -> Status:
    """Register a company, social organisation, property company or O2O store, with its credit code."""
    return Status(201, services.legal_entity_create(actor=request.user, **payload.dict()))
