"""Killing an import with SIGKILL leaves a consistent database, and rerunning the job completes it.

The import runs as `manage.py import_residents` in its own process against its own database (a SQLite
file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), as it would in production.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shequ.demo.services import roster_csv
from tests.conftest import run_manage as manage

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000


def count(env, what):
    code = {
        "people": "from shequ.residents.models import Person as M; print(M.objects.count())",
        "status": "from shequ.imports.models import ImportJob as M; print(M.objects.get().status)",
    }[what]
    return manage(env, "shell", "-c", code).stdout.strip().splitlines()[-1]


@pytest.mark.django_db
def test_sigkill_during_the_write_leaves_nothing_half_written(world, separate_database, tmp_path):
    env = {**os.environ, "SHEQU_DATABASE_URL": separate_database, "SHEQU_VAR_DIR": str(tmp_path)}
    manage(env, "migrate", "-v0")
    manage(env, "load_areas")
    manage(env, "load_demo", "--quiet", "--communities", "0")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv(community=world.community_a, people=ROWS, seed=5))

    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_residents",
            str(roster),
            "--community",
            world.community_a.code,
            "--as-user",
            "demo-city",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = b""
    while b"writing" not in seen:
        chunk = process.stderr.read1(4096)
        assert chunk, f"the import ended before writing: {seen[-500:]!r}"
        seen += chunk
    process.send_signal(signal.SIGKILL)
    process.wait(30)

    assert count(env, "status") == "writing"  # killed mid-way, before the commit
    assert count(env, "people") == "0"  # and nothing of it is in the database
    job_id = (
        manage(env, "shell", "-c", "from shequ.imports.models import ImportJob; print(ImportJob.objects.get().pk)")
        .stdout.strip()
        .splitlines()[-1]
    )
    rerun = manage(env, "import_residents", "--job", job_id)
    assert "导入" in rerun.stdout or "Imported" in rerun.stdout
    assert count(env, "status") == "done"
    assert count(env, "people") == str(ROWS)
