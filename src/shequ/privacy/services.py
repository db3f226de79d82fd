"""Revealing personal data: a permission, a reason, and an audit event, every time."""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, get_visible_or_404, scoped_rows

from . import crypto
from .fields import ROW_KEY, encrypted_fields

logger = logging.getLogger(__name__)

REASON_MIN = 4
REASON_MAX = 200


@transaction.atomic
def reveal(*, actor: Actor, model: type[models.Model], pk: int, field: str, reason: str) -> str:
    """Return the plaintext of one personal field of one row, recording who asked and why.

    Anyone may see their own account's data; otherwise the row must lie where the actor holds the
    reveal capability, and a row they cannot reach is a 404 whether or not it exists.
    """
    if field not in {f.name for f in encrypted_fields(model)}:
        raise ValidationError({"field": _("This field cannot be revealed.")})
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {"reason": _("Give the reason for viewing (at least %(min)d characters).") % {"min": REASON_MIN}}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason has at most %(max)d characters.") % {"max": REASON_MAX}})
    own_account = model._meta.label_lower == "accounts.user" and str(pk) == str(actor.pk)
    rows = (
        model._default_manager.all()
        if own_account
        else scoped_rows(model).visible_to(actor, Capability.PERSONAL_REVEAL)
    )
    obj = get_visible_or_404(rows, pk=pk)
    record_event(actor=actor, action="privacy.reveal", obj=obj, data={"field": field, "reason": reason})
    value: str = getattr(obj, field)
    return value


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
        key_column = connection.ops.quote_name(model._meta.get_field(ROW_KEY).column)
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
