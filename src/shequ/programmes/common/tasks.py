"""Periodic jobs of the programme core: schedule the next visits and escalate overdue ones."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="shequ.programmes.visits")
def visits() -> dict[str, int]:
    return {"scheduled": services.visits_schedule(), "escalated": services.visits_escalate()}
