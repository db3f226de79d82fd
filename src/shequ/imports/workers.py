"""The entry points of the processes that prepare chunks of a big file (see services._prepared).

Nothing Django is imported at the top: a fresh ("spawn") process loads this module before the apps are
ready, then ``start`` sets them up.
"""

from __future__ import annotations

from typing import Any

BACKGROUND_NICENESS = 10


def yield_to_web() -> None:
    """Run this process at a lower priority from now on. An import is background work that may take
    every core for minutes: it gives way to the web processes (a sign-in hashes its password for half
    a second) instead of sharing the cores evenly with them. Only for processes that do nothing but
    background work (the import's workers, the task worker, the import command)."""
    import os

    current = os.nice(0)
    if current < BACKGROUND_NICENESS:
        os.nice(BACKGROUND_NICENESS - current)


def start() -> None:
    import django

    yield_to_web()
    django.setup()  # the apps (translations, the importers), never a database connection


def prepare(kind: str, context: Any, mapping: dict[int, Any], first_number: int, cells: list[list[str]]) -> list[Any]:
    """One part of the file, as read (cells), made into rows and run through the importer's ``prepare``."""
    from shequ.lib.tabular import table_rows

    from .registry import importer_for

    return importer_for(kind).prepare(context, list(table_rows(mapping, cells, first_number)))
