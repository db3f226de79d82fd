from __future__ import annotations

from .models import AuditEvent


def audit_events(*, actor, action: str = ""):
    """The audit trail of the auditor's area, newest first."""
    events = AuditEvent.objects.visible_to(actor).order_by("-id")
    if action:
        events = events.filter(action__startswith=action[:64])
    return events
