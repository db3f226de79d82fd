"""An uploaded import goes to a real Celery worker process: through Redis when SHEQU_CELERY_BROKER_URL is
set, through the embedded file queue otherwise; its progress reaches the pages through the cache."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from shequ.demo.services import roster_csv
from tests.conftest import run_manage as manage

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db
@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_an_import_runs_on_a_celery_worker(world, separate_database, tmp_path, broker):
    """Through Redis (a deployment) and through the embedded file queue (./run.sh), the web side only
    queues the job; the separate worker process runs it and its progress reaches the page's cache."""
    env = {
        **os.environ,
        "SHEQU_DATABASE_URL": separate_database,
        "SHEQU_VAR_DIR": str(tmp_path),
        "SHEQU_TASKS_EAGER": "0",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    if broker == "redis":
        redis.Redis.from_url(REDIS).ping()  # Redis must be running: CI starts it
        redis.Redis.from_url(REDIS).flushdb()
        env.update(SHEQU_CELERY_BROKER_URL=REDIS, SHEQU_REDIS_URL=REDIS)
    else:
        env.update(SHEQU_CELERY_BROKER_URL="", SHEQU_REDIS_URL="")
    manage(env, "migrate", "-v0")
    manage(env, "load_areas")
    manage(env, "load_demo", "--quiet", "--communities", "0")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv(community=world.community_a, people=300, seed=9))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shequ.tasks", "worker", "--pool=solo", "--loglevel=WARNING"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        submit = (
            "from pathlib import Path; from shequ.accounts.models import User; "
            "from shequ.imports.services import import_create; "
            "job = import_create(actor=User.objects.get(username='demo-city'), kind='residents', "
            f"area_code='{world.community_a.code}', filename='r.csv', "
            f"content=Path('{roster}').read_bytes()); print(job.pk)"
        )
        job_id = manage(env, "shell", "-c", submit).stdout.strip().splitlines()[-1]
        check = (
            "from shequ.imports.models import ImportJob; from shequ.residents.models import Person; "
            "from shequ.imports.services import job_progress; "
            f"job = ImportJob.objects.get(pk={job_id}); print(job.status, Person.objects.count(), "
            "job_progress(job)['phase'])"
        )
        deadline = time.monotonic() + 120
        while True:
            status = manage(env, "shell", "-c", check).stdout.strip().splitlines()[-1]
            if status.startswith("done") or time.monotonic() > deadline:
                break
            time.sleep(1)
        # Done by the worker (the submitting process only queued it), with the progress it left in the cache.
        assert status == "done 300 done", status
    finally:
        worker.terminate()
        worker.wait(30)
