"""Revealing personal data: a permission, a reason, and an audit event, every time; many reveals in a
short time alert the auditors."""

from __future__ import annotations

import datetime
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import Alert, AuditEvent
from shequ.audit.services import alert_raise, record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, get_visible_or_404, require_capability, scoped_rows

from . import crypto
from .fields import ROW_KEY, RowKeyField, encrypted_fields
from .models import RevealReason

logger = logging.getLogger(__name__)

REASON_MIN = 4  # real characters (letters, CJK, digits) the reason's text must have besides its category
REASON_MAX = 200
REVEAL_ACTION = "privacy.reveal"  # one value of one row
REVEALED_ACTION = "privacy.revealed"  # the values of many rows at once (an unmasked export)


def _real_characters(text: str) -> int:
    # Letters (CJK included) and digits; punctuation, symbols, spaces and invisible format characters
    # (zero-width spaces, joiners, direction marks) do not make a reason.
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def reveal_reason(category: str, text: str) -> str:
    """The reason for a reveal, checked and normalised: ``"<category name>: <text>"``.

    ``category`` is the code of an active ``RevealReason``; ``text`` says why in the actor's own words,
    with at least ``REASON_MIN`` letters or digits. Raises ``ValidationError`` naming ``category`` or
    ``reason``. The one check of every reveal: a single value (``reveal``) and an unmasked export.
    """
    chosen = RevealReason.objects.filter(code=category or "", active=True).first()
    if chosen is None:
        raise ValidationError({"category": _("Choose the category of the reason.")})
    # Invisible format characters out, whitespace runs made one space.
    visible = "".join(ch for ch in (text or "") if unicodedata.category(ch) not in ("Cf", "Cc") or ch.isspace())
    text = " ".join(visible.split())
    if _real_characters(text) < REASON_MIN:
        raise ValidationError(
            {"reason": _("Say why you need the value, in at least %(min)d letters or digits.") % {"min": REASON_MIN}}
        )
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": _("The reason has at most %(max)d characters.") % {"max": REASON_MAX}})
    return f"{chosen.name}: {text}"


@transaction.atomic
def reveal(*, actor: Actor, model: type[models.Model], pk: int, field: str, category: str, reason: str) -> str:
    """Return the plaintext of one personal field of one row, recording who asked and why.

    Anyone may see their own account's data; otherwise the row must lie where the actor holds the
    reveal capability, and a row they cannot reach is a 404 whether or not it exists.
    """
    if field not in {f.name for f in encrypted_fields(model)}:
        raise ValidationError({"field": _("This field cannot be revealed.")})
    reason = reveal_reason(category, reason)
    own_account = model._meta.label_lower == "accounts.user" and str(pk) == str(actor.pk)
    rows = (
        model._default_manager.all()
        if own_account
        else scoped_rows(model).visible_to(actor, Capability.PERSONAL_REVEAL)
    )
    obj = get_visible_or_404(rows, pk=pk)
    record_event(
        actor=actor, action=REVEAL_ACTION, obj=obj, data={"field": field, "category": category, "reason": reason}
    )
    _alert_mass_reveals(actor)
    value: str = getattr(obj, field)
    return value


@transaction.atomic
def record_revealed(
    *, actor: Actor, model: type[models.Model], pks: Iterable[object], fields: Sequence[str], reason: str
) -> None:
    """Record that ``fields`` of the rows ``pks`` were shown unmasked (an unmasked export): one audit
    event naming every id, counted towards the mass-reveal alert. ``reason`` comes from
    ``reveal_reason``; the caller has checked the actor's capability over every row."""
    revealable = {f.name for f in encrypted_fields(model)}
    if not fields or not set(fields) <= revealable:
        raise ValueError(f"{model._meta.label_lower}: only {sorted(revealable)} can be revealed")
    ids = [str(pk) for pk in pks]
    record_event(
        actor=actor,
        action=REVEALED_ACTION,
        data={
            "model": model._meta.label_lower,
            "fields": list(fields),
            "ids": ids,
            "count": len(ids),
            "reason": reason,
        },
    )
    _alert_mass_reveals(actor)


@dataclass(frozen=True)
class _Place:
    path: str


def _alert_mass_reveals(actor: Actor) -> None:
    """One alert when the actor has revealed ``SHEQU_REVEAL_ALERT_COUNT`` values (rows) or more within the
    window, and none was raised about them within the window already. Runs in the reveal's transaction."""
    window = datetime.timedelta(seconds=settings.SHEQU_REVEAL_ALERT_WINDOW_SECONDS)
    since = timezone.now() - window
    events = AuditEvent.objects.filter(actor_id=actor.pk, at__gte=since, action__in=[REVEAL_ACTION, REVEALED_ACTION])
    revealed = sum(int(data.get("count", 1)) for data in events.values_list("data", flat=True))
    if revealed < settings.SHEQU_REVEAL_ALERT_COUNT:
        return
    if Alert.objects.filter(kind=Alert.Kind.MASS_REVEAL, actor_id=actor.pk, at__gte=since).exists():
        return
    # Filed under the one area where the actor may reveal, so its auditors see it; an actor over several
    # areas (or none: their own account) files it under none, which a city-wide auditor sees.
    paths = actor.granted_paths(Capability.PERSONAL_REVEAL)
    alert_raise(
        kind=Alert.Kind.MASS_REVEAL,
        actor=actor,
        area=_Place(paths[0]) if len(paths) == 1 else None,
        data={"revealed": revealed, "window_seconds": settings.SHEQU_REVEAL_ALERT_WINDOW_SECONDS},
    )


@transaction.atomic
def reveal_reason_save(*, actor: Actor, code: str, name: str, order: int = 100, active: bool = True) -> RevealReason:
    """A city administrator adds a category of reveal reason, or renames, reorders or (de)activates one
    (found by its code). Audited with what changed; nothing is deleted."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    name = " ".join((name or "").split())
    if _real_characters(name) < 2:
        raise ValidationError({"name": _("Enter the name of the category.")})
    reason = RevealReason.objects.select_for_update().filter(code=code).first()
    if reason is None:
        reason = RevealReason(code=code, name=name, order=order, active=active)
        reason.full_clean()
        reason.save()
        record_event(
            actor=actor, action="privacy.reveal_reason_create", obj=reason, data={"name": name, "active": active}
        )
        return reason
    changed: dict[str, list[object]] = {}
    for field, value in (("name", name), ("order", order), ("active", active)):
        if getattr(reason, field) != value:
            changed[field] = [getattr(reason, field), value]
            setattr(reason, field, value)
    if changed:
        reason.full_clean()
        reason.save()
        record_event(actor=actor, action="privacy.reveal_reason_update", obj=reason, data=changed)
    return reason


def reencrypt_all(*, batch_size: int = 1000) -> dict[str, int]:
    """Rewrite every encrypted value that is not under the current key version.

    Works on the stored text directly (the ORM would decrypt and cannot filter on ciphertext),
    one batch per transaction: an interrupted run leaves every value readable, and a rerun carries on.
    A value that does not decrypt (moved from another row, damaged) is left as it is and logged by row.
    """
    version = crypto.current_version()
    totals: dict[str, int] = {}
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        row_key = model._meta.get_field(ROW_KEY)
        assert isinstance(row_key, RowKeyField)  # the field's system check (privacy.E001) says so too
        key_column = connection.ops.quote_name(row_key.column)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        count, last_pk = 0, None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {pk_column} > %s " if last_pk is not None else ""
                cursor.execute(
                    f"SELECT {pk_column}, {key_column}, {columns} FROM {table} {where}"  # noqa: S608
                    f"ORDER BY {pk_column} LIMIT %s",
                    ([last_pk] if last_pk is not None else []) + [batch_size],
                )
                rows = cursor.fetchall()
                for pk, row_key, *values in rows:
                    for field, stored in zip(fields, values, strict=True):
                        if not stored or crypto.key_version_of(stored) == version:
                            continue
                        context = crypto.row_context(field.crypto_context, row_key)
                        try:
                            plain = crypto.decrypt(stored, context=context)
                        except crypto.DecryptionError:
                            logger.warning("%s.%s of row %s does not decrypt", model._meta.label_lower, field.name, pk)
                            continue
                        cursor.execute(
                            f"UPDATE {table} SET {connection.ops.quote_name(field.column)} = %s "  # noqa: S608
                            f"WHERE {pk_column} = %s",
                            [crypto.encrypt(plain, context=context), pk],
                        )
                        count += 1
                if rows:
                    last_pk = rows[-1][0]
            if len(rows) < batch_size:
                break
        if count:
            with transaction.atomic():
                record_event(
                    actor=None,
                    action="privacy.reencrypt",
                    data={"model": model._meta.label_lower, "values": count, "key_version": version},
                )
        totals[model._meta.label_lower] = count
    return totals
