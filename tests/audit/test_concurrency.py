"""Audited writes do not serialise the city: two transactions append at the same time."""

import threading

import pytest
from django.db import connection, transaction

from shequ.audit.models import AuditEvent
from shequ.audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db


def test_two_writers_do_not_wait_for_each_other(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer (BEGIN IMMEDIATE) whatever the audit does")
    holding = threading.Event()
    finished = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        # Appends an event and keeps its transaction open until the second writer is done.
        try:
            with transaction.atomic():
                results["first"] = record_event(actor=None, action="test.concurrent_first")
                holding.set()
                finished.wait(timeout=15)
        finally:
            connection.close()

    def second() -> None:
        try:
            holding.wait(timeout=15)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '3s'")  # a city-wide lock would fail here
                results["second"] = record_event(actor=None, action="test.concurrent_second")
        except Exception as exc:
            results["second"] = exc
        finally:
            finished.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert isinstance(results.get("second"), AuditEvent), results.get("second")
    assert results["first"].stripe != results["second"].stripe
    assert verify_chain().ok
