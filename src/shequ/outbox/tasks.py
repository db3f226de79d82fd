"""Delivering notifications in the background (Celery; see shequ.tasks for the broker and the beat
schedule, which runs the sweep every minute)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="shequ.outbox.deliver")
def deliver_task(message_id: int) -> None:
    from .services import outbox_deliver

    outbox_deliver(message_id)


@shared_task(name="shequ.outbox.sweep")
def sweep_task() -> int:
    from .services import outbox_sweep

    return outbox_sweep()


def deliver_later(message_id: int) -> None:
    """Queue the delivery of one message (after the transaction that wrote it committed)."""
    _queue_dirs()
    deliver_task.delay(message_id)


def _queue_dirs() -> None:
    # The embedded queue's folders (shequ.tasks.make_queue_dirs, which this layer may not import): a
    # web process may queue a message before the worker made them.
    if settings.SHEQU_CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    for name in ("messages", "control"):
        (settings.SHEQU_QUEUE_DIR / name).mkdir(parents=True, exist_ok=True)
