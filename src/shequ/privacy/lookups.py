"""Exact lookups by identity number or phone: counted, limited and audited per account.

A masked phone shows 7 of its 11 digits, so its 10,000 candidates could be tried one by one through an
exact search; the limit and the trail make that slow and visible. Call ``identifier_lookup`` before
every exact lookup by an identifier, outside any transaction of your own (a refusal commits its trace
and its alert, then raises).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import Alert, AuditEvent
from shequ.audit.services import alert_raise, record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor

LOOKUP_ACTION = "privacy.lookup"
REFUSED_ACTION = "privacy.lookup_refused"
LOOKUP_LIMIT = "lookup_limit"  # the code of the refusal's ValidationError (an API answers it with 429)
WINDOW = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class _Place:
    path: str


def _home(actor: Actor) -> _Place | None:
    """The one area where the account reads the registry, so that its auditors see the trace; an account
    over several areas files it under none (a city-wide auditor sees it)."""
    paths = actor.granted_paths(Capability.REGISTRY_READ)
    return _Place(paths[0]) if len(paths) == 1 else None


def _lock_account(actor: Actor) -> None:
    """Serialise one account's lookups so that two requests at once cannot both pass the last free one:
    a row lock on the account on PostgreSQL (SQLite transactions begin IMMEDIATE and already take turns)."""
    model = type(actor)
    manager = getattr(model, "_default_manager", None)
    if manager is not None:
        list(manager.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))


def _alert_misses(actor: Actor, home: _Place | None, now: datetime.datetime) -> None:
    misses = AuditEvent.objects.filter(
        actor_id=actor.pk, action=LOOKUP_ACTION, at__gt=now - WINDOW, data__found=False
    ).count()
    if misses < settings.SHEQU_LOOKUP_MISS_ALERT:
        return
    if Alert.objects.filter(kind=Alert.Kind.LOOKUP_MISSES, actor_id=actor.pk, at__gt=now - WINDOW).exists():
        return
    alert_raise(kind=Alert.Kind.LOOKUP_MISSES, actor=actor, area=home, data={"misses": misses})


def identifier_lookup(*, actor: Actor, purpose: str, index: str, found: bool | None = None) -> None:
    """Count one exact lookup by ``actor``, or refuse it.

    ``purpose`` says what the lookup serves (``"residents.search"``, ``"imports.elsewhere"``…); ``index``
    is the blind index of the value looked up (hex), never the value. Up to
    ``SHEQU_LOOKUP_LIMIT_PER_HOUR`` lookups in any hour are recorded as ``privacy.lookup`` events; past
    that the attempt is recorded as ``privacy.lookup_refused``, the auditors get one ``lookup_limit`` alert
    per account per hour, and a ``ValidationError`` says to wait.

    ``found`` says whether the lookup finds someone the actor may read (None: not known). A masked number
    beside what a role sees, with a region guessed from where the person lives, leaves a few dozen
    candidates that the allowance lets one try; such trying shows as lookups that find nobody, and
    ``SHEQU_LOOKUP_MISS_ALERT`` of them in an hour alert the auditors (once an hour).
    """
    limit = settings.SHEQU_LOOKUP_LIMIT_PER_HOUR
    now = timezone.now()
    with transaction.atomic():
        _lock_account(actor)
        used = AuditEvent.objects.filter(actor_id=actor.pk, action=LOOKUP_ACTION, at__gt=now - WINDOW).count()
        allowed = used < limit
        home = _home(actor)
        record_event(
            actor=actor,
            action=LOOKUP_ACTION if allowed else REFUSED_ACTION,
            area=home,
            data={"purpose": purpose, "index": index, **({"found": found} if found is not None else {})},
        )
        if allowed and found is False:
            _alert_misses(actor, home, now)
        if (
            not allowed
            and not Alert.objects.filter(kind=Alert.Kind.LOOKUP_LIMIT, actor_id=actor.pk, at__gt=now - WINDOW).exists()
        ):
            alert_raise(kind=Alert.Kind.LOOKUP_LIMIT, actor=actor, area=home, data={"limit": limit, "purpose": purpose})
    if not allowed:
        raise ValidationError(
            _(
                "You have looked up %(limit)d identity numbers or phones in the last hour, the most allowed. "
                "Try again later; the auditors have been told."
            )
            % {"limit": limit},
            code=LOOKUP_LIMIT,
        )
