"""The Celery application. Tasks live in each app's ``tasks`` module and are found by autodiscovery;
the broker and options are the ``CELERY_*`` settings (see settings.py).

Deployment: `celery -A shequ.tasks worker` and one `celery -A shequ.tasks beat` on Redis
(SHEQU_CELERY_BROKER_URL). Embedded default: the same worker on a queue of files under var/queue,
which needs no server; ./run.sh starts that worker (with the one scheduler) beside the web processes.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")

app = Celery("shequ")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def make_queue_dirs() -> None:
    """The embedded queue's folders, made when a message is first sent (never on import)."""
    from django.conf import settings

    if settings.SHEQU_CELERY_BROKER_URL:
        return
    for name in ("messages", "control"):
        (settings.SHEQU_QUEUE_DIR / name).mkdir(parents=True, exist_ok=True)
