"""Running import jobs in the background (Celery; see shequ.tasks for the broker)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="shequ.imports.import_run")
def import_run_task(job_id: int) -> None:
    from .services import import_run
    from .workers import yield_to_web

    if not settings.CELERY_TASK_ALWAYS_EAGER:  # inline, this is the caller's process: leave it be
        yield_to_web()  # the task worker only does background work
    import_run(job_id=job_id)


def start_import(job_id: int) -> None:
    """Queue an import job for the worker (called after the transaction that created it commits)."""
    from shequ.tasks import make_queue_dirs

    make_queue_dirs()
    import_run_task.delay(job_id)


@shared_task(name="shequ.imports.imports_purge")
def imports_purge_task() -> int:
    """The daily purge of uploads and error reports past SHEQU_IMPORT_RETENTION_DAYS (beat: shequ.tasks)."""
    from .services import imports_purge

    return imports_purge()
