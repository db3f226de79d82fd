"""Races on PostgreSQL: work in threads of their own, each with its own database connection (committed
for real, so the other threads see it), released together by a barrier. SQLite serialises every writer,
so the race tests run on PostgreSQL (CI runs them there)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from shequ.accounts.models import User


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread of its own (its own connection, autocommit) and return its result."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("result")


def race(user_ids: list[int], act: Callable[[User], object]) -> dict[int, object]:
    """Each account does ``act`` in a thread of its own, all released at once: account -> its result or
    the exception it met."""
    barrier = threading.Barrier(len(user_ids))
    results: dict[int, object] = {}

    def one(user_id: int) -> None:
        try:
            user = User.objects.get(pk=user_id)
            barrier.wait(timeout=30)
            results[user_id] = act(user)
        except Exception as exc:
            results[user_id] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(pk,)) for pk in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
