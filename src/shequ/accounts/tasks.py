"""Periodic work of the accounts app (the schedule is in shequ.tasks)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="shequ.accounts.login_failures_purge")
def login_failures_purge_task() -> int:
    from .services import login_failures_purge

    return login_failures_purge()
