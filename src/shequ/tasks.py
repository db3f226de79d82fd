"""Background work. With SHEQU_CELERY_BROKER_URL (Redis) set, tasks go to Celery workers
(`celery -A shequ.tasks worker`); in the embedded default they run in a thread of the web process."""

from __future__ import annotations

import os
import threading

import django
from celery import Celery
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
if not apps.ready:  # started as a worker (`celery -A shequ.tasks worker`), not from the web process
    django.setup()

app = Celery("shequ")
app.conf.update(
    broker_url=settings.SHEQU_CELERY_BROKER_URL or "memory://",
    task_acks_late=True,  # a job whose worker dies is delivered again; import_run finishes it
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


@app.task(name="shequ.registry.import_run")
def import_run_task(job_id: int) -> None:
    from shequ.registry.importing import import_run

    import_run(job_id=job_id)


def _in_thread(job_id: int) -> None:
    from shequ.registry.importing import import_run

    try:
        import_run(job_id=job_id)
    finally:
        close_old_connections()


def start_import(job_id: int) -> None:
    """Run an import job in the background, after the transaction that created it has committed."""
    if settings.SHEQU_CELERY_BROKER_URL:
        import_run_task.delay(job_id)
    else:
        threading.Thread(target=_in_thread, args=(job_id,), daemon=True, name=f"import-{job_id}").start()
