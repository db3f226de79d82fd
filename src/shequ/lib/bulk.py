"""Writing many rows at once, the fastest way each database offers: COPY on PostgreSQL, one
``executemany`` on SQLite. Values must already be what the column stores (encrypted, indexed, dates
as ISO text): nothing here goes through Django's fields."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

from django.db import connection

BATCH = 5000
# What a database driver takes as a parameter value.
SqlValue = bool | int | float | decimal.Decimal | str | bytes | datetime.date | datetime.datetime | uuid.UUID | None


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def encoded(values: Sequence[object]) -> Sequence[object] | str:
    """A row as the current database's bulk writer takes it fastest: on PostgreSQL one line of COPY text
    (made wherever the row is made, a worker process perhaps), elsewhere the values themselves."""
    if connection.vendor != "postgresql":
        return values
    return "\t".join("\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in values) + "\n"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object] | str]) -> int:
    """Append ``rows`` (tuples in the order of ``columns``, or rows ``encoded`` already) to ``table``;
    returns how many."""
    names = ", ".join(quoted(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted(table)} ({names}) FROM STDIN") as copy:
                lines = []
                for row in rows:
                    lines.append(row if isinstance(row, str) else encoded(row))
                    count += 1
                    if len(lines) >= BATCH:
                        copy.write("".join(lines))  # type: ignore[arg-type]
                        lines = []
                if lines:
                    copy.write("".join(lines))  # type: ignore[arg-type]
            return count
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})"  # noqa: S608 (names from code)
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.cursor.executemany(sql, batch)  # the raw sqlite3 cursor: '?' marks, no rewriting of the SQL
            count += len(batch)
    return count


def execute(sql: str, params: Sequence[SqlValue] | Mapping[str, SqlValue] = ()) -> int:
    """Run one statement; returns the rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def distinct(left: str, right: str) -> str:
    """SQL for "``left`` differs from ``right``", NULL-safe, in the current database's dialect."""
    if connection.vendor == "postgresql":
        return f"({left} IS DISTINCT FROM {right})"
    return f"({left} IS NOT {right})"
