"""The entry points of the processes that prepare chunks of a big file (see services._prepared).

Nothing Django is imported at the top: a fresh ("spawn") process loads this module before the apps are
ready, then ``start`` sets them up.
"""

from __future__ import annotations

from typing import Any


def start() -> None:
    import django

    django.setup()  # the apps (translations, the importers), never a database connection


def prepare(kind: str, context: Any, rows: list[Any]) -> list[Any]:
    from .registry import importer_for

    return importer_for(kind).prepare(context, rows)
