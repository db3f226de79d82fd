"""The append-only audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ScopedQuerySet


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


_Row = TypeVar("_Row", bound=models.Model)


class AuditorsQuerySet(ScopedQuerySet[_Row]):
    """What auditors read (events, alerts), by the area path kept on each row."""

    default_capability = Capability.AUDIT_READ

    def scope_filter(self, paths: list[str]) -> models.Q:
        # Rows that belong to no area (sign-ins, account changes) are city-wide facts: only an auditor
        # whose grant is a root of the tree sees them.
        q = super().scope_filter(paths)
        if any(path.count("/") == 2 for path in paths):
            q |= models.Q(area_path="")
        return q


class AuditEventQuerySet(AuditorsQuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One thing that happened, written in the same transaction as the change it records.

    Events form chains: ``hash`` is a keyed hash (HMAC-SHA256 with SHEQU_AUDIT_KEY) of the event and
    the previous event's hash in the same ``stripe``, so changing or removing an event breaks every later
    link of its stripe. The trail is split into stripes so that concurrent transactions append to
    different chains instead of queueing on one city-wide lock (services.record_event); a signed
    checkpoint outside the database anchors the end of every stripe (services.checkpoint_write). Updates
    and deletes are refused by the application and, on PostgreSQL, by triggers and the runtime role's
    rights. ``data`` never holds personal data; it names fields and reasons, not values.
    """

    area_path_lookup = "area_path"

    # Indexes: only those the reads use (Meta), since every audited write pays for each of them.
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,  # the (actor, action, at) index leads with it
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The area's materialised path when the event happened (the audit trail sits below the area tree
    # and outlives renames): "" for events of no area.
    area_path = models.CharField(_("area"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Which chain the event links into (events before stripes existed are all stripe 0).
    stripe = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    # Not unique, not indexed: verification walks the chains in id order and finds any repeated or
    # changed hash there.
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [
            # The head of a stripe (its newest event) is read on every append.
            models.Index(fields=["stripe", "id"], name="audit_event_stripe_id"),
            # An account's recent events of one kind (lookups and reveals counted against their limits).
            models.Index(fields=["actor", "action", "at"], name="audit_event_actor_action_at"),
            # The auditor's filters: an action or its prefix, an area's subtree (LIKE 'path%'). On
            # PostgreSQL a pattern index answers both = and LIKE 'x%', so one index each.
            models.Index(fields=["action"], name="audit_event_action", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["area_path"], name="audit_event_area_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def area_code(self) -> str:
        return self.area_path.strip("/").rsplit("/", 1)[-1] if self.area_path else ""


class Alert(models.Model):
    """Something the auditors must look at (a lookup limit passed, an import probing other communities,
    a grant of access to personal data, a run of reveals, a broken audit chain). Shown on the auditor's
    page until one of them acknowledges it. ``data`` names counts and ids, never personal values."""

    area_path_lookup = "area_path"

    class Kind(models.TextChoices):
        LOOKUP_LIMIT = "lookup_limit", _("Identifier lookups over the limit")
        LOOKUP_MISSES = "lookup_misses", _("Many identifier lookups that found nobody")
        IMPORT_PROBE = "import_probe", _("Import naming people registered elsewhere")
        GRANT = "grant", _("Access to personal data granted")
        MASS_REVEAL = "mass_reveal", _("Many reveals in a short time")
        AUDIT_CHAIN = "audit_chain", _("Audit trail does not verify")

    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account concerned"),
    )
    area_path = models.CharField(_("area"), max_length=200, blank=True, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    objects = AuditorsQuerySet["Alert"].as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"alert #{self.pk} {self.kind}"

    @property
    def area_code(self) -> str:
        return self.area_path.strip("/").rsplit("/", 1)[-1] if self.area_path else ""

    @property
    def audit_area(self) -> FiledUnder | None:
        """Where the alert's own events (its acknowledgement) are filed: the alert's area."""
        return FiledUnder(self.area_path) if self.area_path else None


@dataclass(frozen=True)
class FiledUnder:
    """An area known only by its path (the audit trail sits below the area tree)."""

    path: str
