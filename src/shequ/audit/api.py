from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors
from .models import Alert, AuditEvent
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
    checkpoint_at: datetime | None
    checkpoint_count: int | None


class AlertOut(Schema):
    id: int
    at: datetime
    kind: str
    actor_id: int | None
    area_code: str
    data: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None


@router.get("/audit/events", response=list[AuditEventOut], operation_id="audit_events")
@paginate
def audit_events(request: ActorHttpRequest, action: str = "") -> QuerySet[AuditEvent]:
    """The audit trail of the auditor's area, newest first. ``action``: one code ("residents.tag_add"), or
    a group ending in a dot ("residents.")."""
    require_capability(request.user, Capability.AUDIT_READ)
    return selectors.audit_events(actor=request.user, action=action)


@router.get("/audit/verify", response=ChainOut, operation_id="audit_verify")
def audit_verify(request: ActorHttpRequest) -> ChainOut:
    """Recompute the whole hash chain (auditors only)."""
    require_capability(request.user, Capability.AUDIT_READ)
    report = verify_chain()
    return ChainOut(
        ok=report.ok,
        checked=report.checked,
        first_broken_id=report.first_broken_id,
        reason=report.reason,
        checkpoint_at=report.checkpoint.at if report.checkpoint else None,
        checkpoint_count=report.checkpoint.count if report.checkpoint else None,
    )


@router.get("/audit/alerts", response=list[AlertOut], operation_id="audit_alerts")
@paginate
def audit_alerts(request: ActorHttpRequest) -> QuerySet[Alert]:
    """The alerts of the auditor's area: open ones first, then newest first."""
    require_capability(request.user, Capability.AUDIT_READ)
    return selectors.alerts(actor=request.user)
