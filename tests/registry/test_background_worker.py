"""With SHEQU_CELERY_BROKER_URL set, an uploaded import goes through Redis to a real Celery worker, and
its progress through the Redis cache. (Without it, the same job runs in a thread: test_import.)"""

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
def test_an_import_runs_on_a_celery_worker_through_redis(world, separate_database, tmp_path):
    redis.Redis.from_url(REDIS).ping()  # Redis must be running: CI starts it
    redis.Redis.from_url(REDIS).flushdb()
    env = {
        **os.environ,
        "SHEQU_DATABASE_URL": separate_database,
        "SHEQU_VAR_DIR": str(tmp_path),
        "SHEQU_CELERY_BROKER_URL": REDIS,
        "SHEQU_REDIS_URL": REDIS,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
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
            "from shequ.registry.importing import import_create; from shequ.tasks import start_import; "
            "job = import_create(actor=User.objects.get(username='demo-city'), "
            f"community_code='{world.community_a.code}', filename='r.csv', "
            f"content=Path('{roster}').read_bytes()); start_import(job.pk); print(job.pk)"
        )
        job_id = manage(env, "shell", "-c", submit).stdout.strip().splitlines()[-1]
        check = (
            "from shequ.registry.models import ImportJob, Person; from shequ.registry.importing import job_progress; "
            f"job = ImportJob.objects.get(pk={job_id}); print(job.status, Person.objects.count(), "
            "job_progress(job)['phase'])"
        )
        deadline = time.monotonic() + 120
        while True:
            status = manage(env, "shell", "-c", check).stdout.strip().splitlines()[-1]
            if status.startswith("done") or time.monotonic() > deadline:
                break
            time.sleep(1)
        # Done by the worker (this process never ran it), with the progress the worker left in Redis.
        assert status == "done 300 done", status
    finally:
        worker.terminate()
        worker.wait(30)
