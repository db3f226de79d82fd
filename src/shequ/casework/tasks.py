"""Periodic work of casework (the schedule is in shequ.tasks): the deadline job, as the system actor."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="shequ.casework.check_deadlines")
def check_deadlines_task() -> dict[str, int]:
    from .services import cases_check_deadlines

    run = cases_check_deadlines()
    return {"warned": run.warned, "escalated": run.escalated}
