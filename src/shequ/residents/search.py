"""Substring search of names and addresses through an index of character bigrams, on both databases,
and the phone's last four digits through a blind index of their own.

Given names are one or two characters ("淑英"), so a trigram index (pg_trgm, FTS5's trigram tokenizer)
cannot find them: every pair of adjacent characters is indexed instead. A query of two or more
characters takes the rows holding its bigrams from the index and keeps those that really contain it
(``LIKE '%query%'``). The database keeps the index itself, so the import's set-based SQL, a
registration, an edit and a move all stay searchable without the application doing anything:

- PostgreSQL: GIN expression indexes over ``shequ_bigrams(name)`` and over the bigrams of the address
  written as ``Address.label`` writes it (``shequ_address_text``: "牛园小区7栋2单元501室");
- SQLite: two tables of (bigram, row id) kept by triggers on the people and addresses, filled from a
  table of positions (triggers cannot use a recursive CTE, and plain SQL needs no application function,
  so any connection that writes keeps them right). A migration that rebuilds ``residents_person`` or
  ``residents_address`` on SQLite drops their triggers: call ``install`` again after it
  (``tests/residents/test_search.py`` checks the triggers exist).

Table names are written out (not taken from the models): the migration that made the index used them.
"""

# The SQL here is built from this module's constants; every searched value is a parameter.
# ruff: noqa: S608, S611

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection, connections
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import F, Func, Q, TextField
from django.db.models.expressions import RawSQL

from shequ.privacy.crypto import blind_index
from shequ.privacy.fields import BlindIndexField

PERSON = "residents_person"
ADDRESS = "residents_address"
PERSON_GRAMS = "shequ_person_gram"
ADDRESS_GRAMS = "shequ_address_gram"
POSITIONS = "shequ_gram_position"
LONGEST = 200  # characters of a name (50) or an address written out (120 + 3 × 20 + 4 marks): positions kept

TAIL_DIGITS = 4  # counter staff ask for the last four digits of a phone
TAIL_PURPOSE = "phone_tail"
PHONE_TAIL = re.compile(rf"^\d{{{TAIL_DIGITS}}}$")
SAMPLE = 10_000  # SQLite: rows counted per bigram, at most, to choose the rarest one


class PhoneTailIndexField(BlindIndexField):
    """The keyed hash of the last four digits of the source phone: an exact lookup of the tail among the
    people one may read. Its own purpose keeps it apart from the whole phone's index; only 10,000 values
    exist, so it is no secret from whoever holds the key, and a lookup by it is counted like any other
    (``privacy.lookups``)."""

    def index_of(self, plaintext: str) -> str:
        return phone_tail_index(plaintext)


def phone_tail_index(phone: str) -> str:
    """The blind index of a phone's last four digits ("" for no phone), as ``Person.phone_tail_index``."""
    return blind_index(phone[-TAIL_DIGITS:], purpose=TAIL_PURPOSE) if phone else ""


# --- the index ----------------------------------------------------------------------------------------

# The address as Address.label writes it: "7栋" finds building 7 of any estate.
_ADDRESS_TEXT_SQL = (
    "{p}street_address"
    " || CASE WHEN {p}building <> '' THEN {p}building || '栋' ELSE '' END"
    " || CASE WHEN {p}unit <> '' THEN {p}unit || '单元' ELSE '' END"
    " || CASE WHEN {p}room <> '' THEN {p}room || '室' ELSE '' END"
)

_POSTGRESQL = [
    # Every pair of adjacent characters, once each; '{}' for fewer than two characters.
    "CREATE OR REPLACE FUNCTION shequ_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "AS $$ SELECT COALESCE(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) "
    "FROM generate_series(1, char_length(t) - 1) AS i $$",
    "CREATE OR REPLACE FUNCTION shequ_address_text(street_address text, building text, unit text, room text) "
    f"RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_ADDRESS_TEXT_SQL.format(p='')} $$",
    f"CREATE INDEX IF NOT EXISTS person_name_bigrams ON {PERSON} USING gin (shequ_bigrams(name))",
    f"CREATE INDEX IF NOT EXISTS address_text_bigrams ON {ADDRESS} "
    "USING gin (shequ_bigrams(shequ_address_text(street_address, building, unit, room)))",
]


def _grams_of(table: str, text: str, row: str) -> str:
    """SELECT of the distinct (bigram, row id) of ``text``, for an INSERT."""
    return (
        f"INSERT OR IGNORE INTO {table} (gram, row_id) SELECT substr({text}, n, 2), {row} "
        f"FROM {POSITIONS} WHERE n < length({text})"
    )


def _forget(table: str, text: str, row: str) -> str:
    # Through the primary key (gram, row_id): no second index on the row id is needed.
    return (
        f"DELETE FROM {table} WHERE row_id = {row} AND gram IN "
        f"(SELECT substr({text}, n, 2) FROM {POSITIONS} WHERE n < length({text}))"
    )


def _sqlite_statements() -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {POSITIONS} (n integer PRIMARY KEY)",
        f"INSERT OR IGNORE INTO {POSITIONS} (n) VALUES " + ", ".join(f"({n})" for n in range(1, LONGEST + 1)),
    ]
    watched = {
        (PERSON, PERSON_GRAMS, "name"): "{p}name",
        (ADDRESS, ADDRESS_GRAMS, "street_address, building, unit, room"): _ADDRESS_TEXT_SQL,
    }
    for (table, grams, columns), text in watched.items():
        new, old = text.format(p="NEW."), text.format(p="OLD.")
        statements += [
            f"CREATE TABLE IF NOT EXISTS {grams} (gram text NOT NULL, row_id integer NOT NULL, "
            "PRIMARY KEY (gram, row_id)) WITHOUT ROWID",
            f"CREATE TRIGGER IF NOT EXISTS {grams}_insert AFTER INSERT ON {table} "
            f"BEGIN {_grams_of(grams, new, 'NEW.id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {grams}_update AFTER UPDATE OF {columns} ON {table} "
            f"WHEN ({old}) IS NOT ({new}) "
            f"BEGIN {_forget(grams, old, 'OLD.id')}; {_grams_of(grams, new, 'NEW.id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {grams}_delete AFTER DELETE ON {table} "
            f"BEGIN {_forget(grams, old, 'OLD.id')}; END",
            # Rows already there (install runs again after a table was rebuilt).
            f"DELETE FROM {grams}",
            _grams_of(grams, text.format(p=""), "id").replace(f"FROM {POSITIONS}", f"FROM {table}, {POSITIONS}"),
        ]
    return statements


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the bigram index on the schema editor's database (again: it is idempotent)."""
    vendor = schema_editor.connection.vendor
    statements = _POSTGRESQL if vendor == "postgresql" else _sqlite_statements() if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


def reinstall_if_missing(*, using: str = "default", **kwargs: object) -> None:
    """After every migrate (``post_migrate``): a migration that rebuilt the people's or the addresses'
    table on SQLite dropped its triggers; put them back, with the bigrams of the rows already there."""
    database = connections[using]
    if database.vendor != "sqlite" or PERSON not in database.introspection.table_names():
        return
    with database.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'shequ_%_gram_%'")
        if cursor.fetchone()[0] == 6:
            return
    with database.cursor() as cursor:  # not a schema editor: post_migrate may run inside a transaction
        for statement in _sqlite_statements():
            cursor.execute(statement)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in [
            "DROP INDEX IF EXISTS person_name_bigrams",
            "DROP INDEX IF EXISTS address_text_bigrams",
            "DROP FUNCTION IF EXISTS shequ_address_text(text, text, text, text)",
            "DROP FUNCTION IF EXISTS shequ_bigrams(text)",
        ]:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for grams in (PERSON_GRAMS, ADDRESS_GRAMS):
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {grams}_{event}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {grams}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {POSITIONS}")


# --- the search ---------------------------------------------------------------------------------------


def bigrams(text: str) -> list[str]:
    """The distinct pairs of adjacent characters of ``text``, in order."""
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))


def _like(query: str) -> str:
    return "%" + connection.ops.prep_for_like_query(query) + "%"


def _edges(query: str) -> str | None:
    """A pattern that keeps digits at the query's ends from running on in the text ("7栋" is building 7,
    not 17; "501" is room 501, not 1501), or None when the query starts and ends with no digit."""
    if not (query[0].isdigit() or query[-1].isdigit()):
        return None
    start = "(^|[^0-9])" if query[0].isdigit() else ""
    end = "([^0-9]|$)" if query[-1].isdigit() else ""
    return start + re.escape(query) + end


def _rarest(grams_table: str, grams: list[str]) -> str:
    """SQLite: the bigram held by the fewest rows (counted up to SAMPLE each, one query): its rows are
    the candidates that LIKE then checks. PostgreSQL's GIN index intersects the bigrams by itself."""
    if len(grams) == 1:
        return grams[0]
    counts = " UNION ALL ".join(
        f"SELECT %s, (SELECT COUNT(*) FROM (SELECT 1 FROM {grams_table} WHERE gram = %s LIMIT {SAMPLE}))"
        for _gram in grams
    )
    with connection.cursor() as cursor:
        cursor.execute(counts, [value for gram in grams for value in (gram, gram)])
        found: list[tuple[str, int]] = cursor.fetchall()
    return min(found, key=lambda row: row[1])[0]


def _matching(table: str, grams_table: str, text: str, query: str) -> RawSQL:
    """The ids of ``table``'s rows whose ``text`` (SQL over its columns) contains ``query``."""
    params: list[Any]
    if connection.vendor == "postgresql":
        sql = f"SELECT id FROM {table} WHERE shequ_bigrams({text}) @> shequ_bigrams(%s) AND {text} LIKE %s ESCAPE '\\'"
        params = [query, _like(query)]
    else:
        sql = (
            f"SELECT id FROM {table} WHERE id IN (SELECT row_id FROM {grams_table} WHERE gram = %s) "
            f"AND {text} LIKE %s ESCAPE '\\'"
        )
        params = [_rarest(grams_table, bigrams(query)), _like(query)]
    edges = _edges(query)
    if edges:
        sql += f" AND {text} {'~' if connection.vendor == 'postgresql' else 'REGEXP'} %s"
        params.append(edges)
    return RawSQL(sql, params)


def name_contains(query: str) -> Q:
    """People whose name contains ``query`` (two characters or more).

    On PostgreSQL the condition is on the person row itself (the GIN index on ``shequ_bigrams(name)``,
    then LIKE), not an ``IN`` over a second scan of the table: a search that keeps its first matches
    (``selectors.residents(cap=...)``) can then stop reading the table once it has them."""
    if connection.vendor != "postgresql":
        return Q(pk__in=_matching(PERSON, PERSON_GRAMS, "name", query))
    grams = Func(F("name"), function="shequ_bigrams", output_field=ArrayField(TextField()))
    found = Q(DataContains(grams, bigrams(query))) & Q(name__contains=query)
    edges = _edges(query)
    return found & Q(name__regex=edges) if edges else found


def address_contains(query: str) -> Q:
    """People whose address, written as ``Address.label`` writes it, contains ``query`` (two characters
    or more): an estate ("牛园小区"), a building ("7栋"), "7栋2单元"."""
    if connection.vendor == "postgresql":
        text = "shequ_address_text(street_address, building, unit, room)"
    else:
        text = _ADDRESS_TEXT_SQL.format(p="")
    return Q(address_id__in=_matching(ADDRESS, ADDRESS_GRAMS, text, query))
