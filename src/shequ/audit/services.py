"""Writing and checking the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, get_visible_or_404, require_capability

from . import context
from .models import Alert, AuditEvent, FiledUnder

GENESIS_HASH = "0" * 64
# The number of chains the trail is split into on PostgreSQL: concurrent transactions append to different
# stripes (see migration 0003, audit_claim_stripe), so more stripes than concurrent writers (web
# processes + workers) means an audited write rarely waits for another. Changing it is safe: verification
# follows whatever stripes the events name.
STRIPES = 16


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


def _claim_stripe(db: BaseDatabaseWrapper) -> tuple[int, str]:
    """The stripe this transaction appends to, locked until it ends, and the hash of its newest event.

    PostgreSQL: one call to audit_claim_stripe (migration 0003), which takes a free stripe's advisory
    lock and then reads that stripe's head. SQLite: transactions begin IMMEDIATE, writers are already
    serialised, so one chain (stripe 0) is enough."""
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT claimed, last_hash FROM audit_claim_stripe(%s)", [STRIPES])
            stripe, last = cursor.fetchone()
        return stripe, last or GENESIS_HASH
    last = AuditEvent.objects.filter(stripe=0).order_by("-id").values_list("hash", flat=True).first()
    return 0, last or GENESIS_HASH


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
    db = connections[DEFAULT_DB_ALIAS]  # once: every attribute of the ``connection`` proxy is a lookup
    if not db.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    if area is None and obj is not None:
        area = getattr(obj, "audit_area", None)
    request = context.current()
    event = AuditEvent(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        area_path=area.path if area is not None else "",
        ip=request.ip,
        request_id=request.request_id,
        # JSON round trip so the digest sees exactly what the database will return.
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
    )
    # No savepoint of its own: if the insert fails, the caller's transaction fails with it (and a
    # savepoint would cost two more round trips on every audited write).
    if not _append_after_remembered_head(db, event):
        event.stripe, event.prev_hash = _claim_stripe(db)
        _insert(db, event)
    setattr(db, _HEAD_HINT, (event.stripe, event.hash))
    return event


# Where this connection last appended (stripe, hash): most of the time still that stripe's head, so the
# next event is one conditional INSERT. Only a hint: when the stripe is busy or someone else wrote there
# since, the database says so and the writer claims a stripe.
_HEAD_HINT = "shequ_audit_head"


def _append_after_remembered_head(db: BaseDatabaseWrapper, event: AuditEvent) -> bool:
    hint: tuple[int, str] | None = getattr(db, _HEAD_HINT, None)
    if db.vendor != "postgresql" or hint is None:
        return False
    event.stripe, event.prev_hash = hint
    return _insert(db, event, condition=("audit_try_append(%s, %s)", [hint[0], hint[1]]))


_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]


@lru_cache(maxsize=4)
def _insert_sql(vendor: str, condition: str) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(f.column) for f in _FIELDS)
    marks = ", ".join(["%s"] * len(_FIELDS))
    table = quote(AuditEvent._meta.db_table)
    where = f" WHERE {condition}" if condition else ""
    return f"INSERT INTO {table} ({columns}) SELECT {marks}{where} RETURNING id"  # noqa: S608 (model names)


def _insert(db: BaseDatabaseWrapper, event: AuditEvent, condition: tuple[str, list[object]] | None = None) -> bool:
    """Hash and insert ``event`` with one statement (under ``condition``, an SQL test with its
    parameters); False when the condition held back the row."""
    event.hash = _event_digest(event)
    params = [f.get_db_prep_save(getattr(event, f.attname), db) for f in _FIELDS]
    with db.cursor() as cursor:
        cursor.execute(
            _insert_sql(db.vendor, condition[0] if condition else ""), params + (condition[1] if condition else [])
        )
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding = False
    event._state.db = db.alias
    return True


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
class StripeHead:
    """Where one stripe ended: how many events it held, and the id and hash of its newest."""

    count: int
    last_id: int
    last_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """The end of every stripe at one moment, signed with the audit key and kept outside the database
    (a file, and the copy printed for the auditor). Events up to it must all still be there."""

    at: datetime
    stripes: dict[int, StripeHead]
    signature: str = ""

    @property
    def count(self) -> int:
        return sum(head.count for head in self.stripes.values())

    def _payload(self) -> str:
        body = {
            "at": self.at.isoformat(timespec="microseconds"),
            "count": self.count,
            "stripes": {str(k): [h.count, h.last_id, h.last_hash] for k, h in sorted(self.stripes.items())},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def sign(self) -> Checkpoint:
        return replace(self, signature=_checkpoint_mac(self._payload()))

    @property
    def signed(self) -> bool:
        return hmac.compare_digest(self.signature, _checkpoint_mac(self._payload()))

    def line(self) -> str:
        """One line of JSON, as written to the file and printed for the auditor."""
        return json.dumps({**json.loads(self._payload()), "signature": self.signature}, sort_keys=True)

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        """Read a checkpoint line; ValueError when it is not one."""
        try:
            raw = json.loads(line)
            return cls(
                at=datetime.fromisoformat(raw["at"]),
                stripes={int(k): StripeHead(int(v[0]), int(v[1]), str(v[2])) for k, v in raw["stripes"].items()},
                signature=str(raw["signature"]),
            )
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise ValueError(f"not an audit checkpoint: {exc}") from None


def _checkpoint_mac(payload: str) -> str:
    # A prefix keeps a checkpoint's signature apart from any event hash made with the same key.
    message = f"shequ-audit-checkpoint:{payload}".encode()
    return hmac.new(settings.SHEQU_AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()


def checkpoint_path() -> Path:
    return Path(settings.SHEQU_AUDIT_CHECKPOINT_FILE)


def last_checkpoint() -> Checkpoint | None:
    """The newest checkpoint in the file, or None when none was written yet. A last line that is not a
    checkpoint is returned as an unsigned one, so verification reports it rather than skipping it."""
    path = checkpoint_path()
    if not path.exists():
        return None
    with path.open("rb") as file:
        # Lines are a few kilobytes; the tail holds the last whole one.
        file.seek(max(0, path.stat().st_size - 65536))
        lines = file.read().decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return None
    try:
        return Checkpoint.parse(lines[-1])
    except ValueError:
        return Checkpoint(at=timezone.now(), stripes={}, signature="")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""
    # What broke, for the auditor's page: link, content, missing, replaced, unsigned ("" when intact).
    kind: str = ""
    checkpoint: Checkpoint | None = None
    heads: dict[int, StripeHead] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.reason


def _walk(chunk_size: int, checkpoint: Checkpoint | None) -> tuple[ChainReport, dict[int, StripeHead]]:
    """Recompute every link of every stripe in id order; the first event that does not match. Also
    returns, for each stripe of ``checkpoint``, the event found at the position the checkpoint recorded
    as that stripe's newest."""
    heads: dict[int, StripeHead] = {}
    at_checkpoint: dict[int, StripeHead] = {}
    expected = checkpoint.stripes if checkpoint is not None else {}
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        head = heads.get(event.stripe)
        if event.prev_hash != (head.last_hash if head else GENESIS_HASH):
            return ChainReport(checked, event.pk, "the link to the previous event is broken", "link"), at_checkpoint
        if not hmac.compare_digest(event.hash, _event_digest(event)):
            return ChainReport(
                checked, event.pk, "the event's content does not match its hash", "content"
            ), at_checkpoint
        head = heads[event.stripe] = StripeHead((head.count if head else 0) + 1, event.pk, event.hash)
        if event.stripe in expected and head.count == expected[event.stripe].count:
            at_checkpoint[event.stripe] = head
        checked += 1
    return ChainReport(checked, None, heads=heads), at_checkpoint


def _against(report: ChainReport, checkpoint: Checkpoint, at_checkpoint: dict[int, StripeHead]) -> ChainReport:
    """The intact chain compared with a checkpoint: every stripe must still hold, at the position the
    checkpoint recorded as its newest, the very event recorded there. A chain that lost its newest events
    (DELETE … WHERE id >= N) or everything (TRUNCATE) links up perfectly; only this finds it."""
    at = checkpoint.at.isoformat(timespec="seconds")
    if not checkpoint.signed:
        return replace(report, kind="unsigned", reason=f"the checkpoint of {at} is not signed with the audit key")
    for stripe, expected in sorted(checkpoint.stripes.items()):
        found = at_checkpoint.get(stripe)
        if found is None:
            held = report.heads[stripe].count if stripe in report.heads else 0
            return replace(
                report,
                first_broken_id=expected.last_id,
                kind="missing",
                reason=f"events recorded by the checkpoint of {at} are missing: stripe {stripe} holds "
                f"{held} of its {expected.count} events",
            )
        if found != expected:
            return replace(
                report,
                first_broken_id=expected.last_id,
                kind="replaced",
                reason=f"events recorded by the checkpoint of {at} were removed or replaced (stripe {stripe})",
            )
    return replace(report, checkpoint=checkpoint)


def verify_chain(*, chunk_size: int = 2000, checkpoint: Checkpoint | None = None) -> ChainReport:
    """Recompute every link of every stripe, then compare with ``checkpoint`` (by default the last one in
    the checkpoint file). A broken chain raises an audit_chain alert for the auditors (once, while it is
    open)."""
    checkpoint = checkpoint or last_checkpoint()
    report, at_checkpoint = _walk(chunk_size, checkpoint)
    if report.ok and checkpoint is not None:
        report = _against(report, checkpoint, at_checkpoint)
    if not report.ok:
        _alert_broken(report)
    return report


def _alert_broken(report: ChainReport) -> None:
    data = {"event": report.first_broken_id, "broken": report.kind, "checked": report.checked}
    with transaction.atomic():
        open_alerts = Alert.objects.filter(kind=Alert.Kind.AUDIT_CHAIN, acknowledged_at__isnull=True)
        if not open_alerts.filter(data__event=report.first_broken_id).exists():
            alert_raise(kind=Alert.Kind.AUDIT_CHAIN, data=data)


class ChainBroken(Exception):
    def __init__(self, report: ChainReport) -> None:
        super().__init__(report.reason)
        self.report = report


def checkpoint_write() -> Checkpoint:
    """Verify the chain (against the previous checkpoint), then append a signed checkpoint of its end to
    the checkpoint file and return it. A broken chain is never checkpointed (that would bless the damage):
    ChainBroken, and the auditors have their alert."""
    report = verify_chain()
    if not report.ok:
        raise ChainBroken(report)
    checkpoint = Checkpoint(at=timezone.now(), stripes=report.heads).sign()
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(checkpoint.line() + "\n")
        file.flush()
        os.fsync(file.fileno())
    return checkpoint


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert_id: int) -> Alert:
    """An auditor marks an alert of their area as seen; acknowledging twice changes nothing."""
    require_capability(actor, Capability.AUDIT_READ)
    alert = get_visible_or_404(Alert.objects.visible_to(actor).select_for_update(), pk=alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by_id = actor.pk
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_event(actor=actor, action="audit.alert_acknowledge", obj=alert, data={"kind": alert.kind})
    return alert


EXPORT_MAX_ROWS = 10_000  # an export larger than this is narrowed with the filters first


@transaction.atomic
def trail_export(*, actor: Actor, events: models.QuerySet[AuditEvent], area_path: str = "") -> list[AuditEvent]:
    """The events an auditor exports (at most ``EXPORT_MAX_ROWS``), the export itself recorded: filed
    under the area filtered on, or the auditor's own area."""
    require_capability(actor, Capability.AUDIT_READ)
    rows = list(events[: EXPORT_MAX_ROWS + 1])
    if len(rows) > EXPORT_MAX_ROWS:
        raise ValidationError(_("Narrow the filters to at most %(max)d events to export.") % {"max": EXPORT_MAX_ROWS})
    paths = actor.granted_paths(Capability.AUDIT_READ)
    where = area_path or (paths[0] if paths else "")
    record_event(
        actor=actor, action="audit.export", area=FiledUnder(where) if where else None, data={"rows": len(rows)}
    )
    return rows
