from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from shequ.lib.scoping import Actor

from .models import Alert, AuditEvent


def audit_events(*, actor: Actor, action: str = "") -> QuerySet[AuditEvent]:
    """The audit trail of the auditor's area, newest first."""
    events = AuditEvent.objects.visible_to(actor).order_by("-id")
    if action:
        events = events.filter(action__startswith=action[:64])
    return events


def alerts(*, actor: Actor) -> QuerySet[Alert]:
    """The alerts of the auditor's area: open ones first, each group newest first."""
    is_open = ExpressionWrapper(Q(acknowledged_at__isnull=True), output_field=BooleanField())
    return Alert.objects.visible_to(actor).annotate(is_open=is_open).order_by("-is_open", "-id")
