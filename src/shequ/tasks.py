"""The Celery application. Tasks live in each app's ``tasks`` module and are found by autodiscovery;
the broker and options are the ``CELERY_*`` settings (see settings.py).

Embedded default (./run.sh): one worker process on a queue of files under var/queue, which needs no
server, started by scripts/serve.sh beside the gunicorn web processes with the scheduler (beat) inside
it: ``celery -A shequ.tasks worker --beat``. Deployment: the same with SHEQU_CELERY_BROKER_URL (Redis),
or workers and the one ``celery -A shequ.tasks beat`` as separate services (docs/deploy.md).

Exactly one scheduler: the scheduler below holds an exclusive lock beside its schedule file for as
long as it runs, and a second one on the same machine refuses to start.
"""

from __future__ import annotations

import fcntl
import os
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")

app = Celery("shequ")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Signed-out and timed-out sessions stay in the database until removed.
    "clear-expired-sessions": {"task": "shequ.clear_sessions", "schedule": crontab(hour=3, minute=17)},
    # Failed sign-ins are kept only for the lockout window.
    "purge-login-failures": {"task": "shequ.accounts.login_failures_purge", "schedule": crontab(minute=7)},
    # Uploaded rosters and error reports are kept SHEQU_IMPORT_RETENTION_DAYS, then deleted.
    "purge-imports": {"task": "shequ.imports.imports_purge", "schedule": crontab(hour=3, minute=37)},
    # Warn before case deadlines and escalate overdue cases to the street officers (as the system actor).
    "casework-deadlines": {
        "task": "shequ.casework.check_deadlines",
        "schedule": timedelta(minutes=settings.SHEQU_CASE_ESCALATION_MINUTES),
    },
    # Verify the audit trail and append a signed checkpoint of its end (shequ.audit.tasks).
    "audit-checkpoint": {
        "task": "shequ.audit.checkpoint",
        "schedule": timedelta(minutes=settings.SHEQU_AUDIT_CHECKPOINT_MINUTES),
    },
    # Retry notifications (SMS, site messages) still queued after their first delivery (shequ.outbox.tasks).
    "outbox-sweep": {"task": "shequ.outbox.sweep", "schedule": timedelta(minutes=1)},
    # Schedule the programmes' next care visits and escalate overdue ones (shequ.programmes.common.tasks).
    "programme-visits": {"task": "shequ.programmes.visits", "schedule": crontab(minute=23)},
}


@app.task(name="shequ.clear_sessions")
def clear_sessions() -> None:
    from django.core.management import call_command

    call_command("clearsessions")


def make_queue_dirs() -> None:
    """The embedded queue's folders, made when a message is first sent or a worker starts (never on
    import)."""
    from django.conf import settings

    if settings.SHEQU_CELERY_BROKER_URL:
        return
    for name in ("messages", "control"):
        (settings.SHEQU_QUEUE_DIR / name).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def _worker_dirs(**kwargs: Any) -> None:
    """A worker on the embedded queue reads folders that may not exist yet; its scheduler (``--beat``)
    keeps its schedule under var/."""
    from django.conf import settings

    make_queue_dirs()
    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


class SchedulerAlreadyRunning(SystemExit):
    pass


class SingleScheduler(PersistentScheduler):
    """Celery's file-backed scheduler that refuses to run beside another one on the same schedule file:
    two schedulers would send every periodic task twice."""

    _lock: IO[str] | None = None
    schedule_filename: str  # set by PersistentScheduler (celery-types does not declare it)

    def setup_schedule(self) -> None:
        lock_path = Path(f"{self.schedule_filename}.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = lock_path.open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise SchedulerAlreadyRunning(
                f"another scheduler (celery beat) already runs on {self.schedule_filename}: "
                "exactly one may run; this one stops"
            ) from None
        self._lock = lock  # held until this process ends
        super().setup_schedule()
