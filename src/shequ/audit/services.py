"""Writing and checking the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from shequ.lib.scoping import Actor

from . import context
from .models import Alert, AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works: it names the one PostgreSQL advisory lock that orders the chain.
_CHAIN_LOCK_ID = 0x5E9A0D17


class Located(Protocol):
    """Where an event is filed: an area (which the audit trail, below the area tree, knows by its path)."""

    @property
    def path(self) -> str: ...


def _event_digest(event: AuditEvent) -> str:
    """The keyed hash of one event and its predecessor's hash."""
    payload = json.dumps(
        [
            event.prev_hash,
            event.at.isoformat(timespec="microseconds"),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.area_path,
            event.ip,
            event.request_id,
            event.data,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hmac.new(settings.SHEQU_AUDIT_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    # Two transactions appending at once would both link to the same predecessor. PostgreSQL:
    # an advisory lock held to the end of the transaction. SQLite: transactions begin IMMEDIATE,
    # so writers are already serialised.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def record_event(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    area: Located | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records.

    ``actor`` is a user or None (the system); ``obj`` a model instance or None; ``area`` (anything with a
    ``path``) defaults to the object's ``audit_area`` when it has one. If this write fails, the caller's
    transaction rolls back.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    if area is None and obj is not None:
        area = getattr(obj, "audit_area", None)
    request = context.current()
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            area_path=area.path if area is not None else "",
            ip=request.ip,
            request_id=request.request_id,
            data=data or {},
            prev_hash=last or GENESIS_HASH,
        )
        # JSON round trip so the digest sees exactly what the database will return.
        event.data = json.loads(json.dumps(event.data, ensure_ascii=False, default=str))
        event.hash = _event_digest(event)
        event.save()
    return event


def alert_raise(
    *,
    kind: str,
    actor: Actor | None = None,
    area: Located | None = None,
    data: dict[str, Any] | None = None,
) -> Alert:
    """Put an alert on the auditors' list, with its audit event. Must run inside the transaction of the
    fact it reports (a refused request commits its alert and nothing else). ``actor`` is the account the
    alert is about; ``data`` counts and ids, never personal values."""
    if kind not in Alert.Kind.values:
        raise ValueError(f"unknown alert kind {kind!r}")
    alert = Alert.objects.create(
        at=timezone.now(),
        kind=kind,
        actor_id=actor.pk if actor is not None else None,
        area_path=area.path if area is not None else "",
        data=data or {},
    )
    record_event(actor=actor, action="audit.alert", obj=alert, area=area, data={"kind": kind, **(data or {})})
    return alert


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every link in order; report the first event whose hash or link does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.pk, "the link to the previous event is broken")
        if not hmac.compare_digest(event.hash, _event_digest(event)):
            return ChainReport(checked, event.pk, "the event's content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked, None)
