from __future__ import annotations

from django.db.models import QuerySet

from shequ.lib.scoping import Actor

from .models import AuditEvent


def audit_events(*, actor: Actor, action: str = "") -> QuerySet[AuditEvent]:
    """The audit trail of the auditor's area, newest first."""
    events = AuditEvent.objects.visible_to(actor).order_by("-id")
    if action:
        events = events.filter(action__startswith=action[:64])
    return events
