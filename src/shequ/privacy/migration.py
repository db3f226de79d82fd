"""Data migrations of encrypted columns, for the apps whose models hold them.

``bind_to_rows`` gives each existing row its ``row_key`` and re-seals its values with the row in the
associated data (before, only the column was): the migration that adds a ``RowKeyField`` runs it
between adding the column (nullable) and making it unique.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from . import crypto

BATCH = 1000

RunPythonCode = Callable[[Any, BaseDatabaseSchemaEditor], None]


def bind_to_rows(label: str, fields: Sequence[str], *, reverse: bool = False) -> RunPythonCode:
    """The RunPython code that binds ``label``'s encrypted ``fields`` to a fresh row key per row (or,
    ``reverse``, back to the column alone). A value that does not decrypt is left as it is."""

    def run(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(label)
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        row_key = model._meta.get_field("row_key")
        columns = [quote(model._meta.get_field(name).column) for name in fields]
        contexts = [f"{model._meta.label_lower}.{name}" for name in fields]
        assignments = ", ".join(f"{column} = %s" for column in columns)
        last = None
        with connection.cursor() as cursor:
            while True:
                where = f"WHERE {pk} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {pk}, {quote(row_key.column)}, {', '.join(columns)} FROM {table} "  # noqa: S608
                    f"{where}ORDER BY {pk} LIMIT %s",
                    ([last] if last is not None else []) + [BATCH],
                )
                rows = cursor.fetchall()
                for key_pk, old_key, *values in rows:
                    key = uuid.uuid4() if not reverse else None
                    sealed = [
                        _reseal(v, c, old_key if reverse else None, key) for v, c in zip(values, contexts, strict=True)
                    ]
                    cursor.execute(
                        f"UPDATE {table} SET {quote(row_key.column)} = %s, {assignments} WHERE {pk} = %s",  # noqa: S608
                        [row_key.get_db_prep_value(key, connection), *sealed, key_pk],
                    )
                if len(rows) < BATCH:
                    return
                last = rows[-1][0]

    return run


def _reseal(stored: str, column: str, old_key: uuid.UUID | str | None, new_key: uuid.UUID | None) -> str:
    if not stored:
        return stored
    try:
        plain = crypto.decrypt(stored, context=crypto.row_context(column, old_key) if old_key else column)
    except (crypto.DecryptionError, ValueError):
        return stored
    return crypto.encrypt(plain, context=crypto.row_context(column, new_key) if new_key else column)
