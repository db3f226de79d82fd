from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors
from .models import AuditEvent
from .services import verify_chain

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    area_code: str
    ip: str | None
    request_id: str
    data: dict[str, Any]
    hash: str


class ChainOut(Schema):
    ok: bool
    checked: int
    first_broken_id: int | None
    reason: str


@router.get("/audit/events", response=list[AuditEventOut], operation_id="audit_events")
@paginate
def audit_events(request: ActorHttpRequest, action: str = "") -> QuerySet[AuditEvent]:
    """The audit trail of the auditor's area, newest first."""
    require_capability(request.user, Capability.AUDIT_READ)
    return selectors.audit_events(actor=request.user, action=action)


@router.get("/audit/verify", response=ChainOut, operation_id="audit_verify")
def audit_verify(request: ActorHttpRequest) -> ChainOut:
    """Recompute the whole hash chain (auditors only)."""
    require_capability(request.user, Capability.AUDIT_READ)
    report = verify_chain()
    return ChainOut(ok=report.ok, checked=report.checked, first_broken_id=report.first_broken_id, reason=report.reason)
