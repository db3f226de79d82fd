"""./run.sh serves through scripts/serve.sh: gunicorn web processes with debug pages off and static files
from whitenoise, one Celery worker on the embedded file queue with exactly one scheduler inside it, all
under scripts/supervise.py. The first test starts that stack for real on a database of its own (SQLite,
or PostgreSQL when the suite runs there) and checks it from outside, as a browser would; the others check
the supervisor on plain commands. Every wait is bounded; nothing missing is skipped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.conftest import run_manage as manage

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "scripts" / "serve.sh"
SUPERVISE = ROOT / "scripts" / "supervise.py"
WEB_WORKERS = 2
IDENTIFIER = "210102194803120029"  # a valid identity number, to look for where it must not appear


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, seconds: float, probe: Callable[[], object], *, log: Path | None = None) -> object:
    """``probe()`` until it returns something true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{what}: not within {seconds} s\n{tail}")
        time.sleep(0.3)


def processes() -> dict[int, tuple[int, list[str]]]:
    """Every live process: pid -> (parent pid, command line); zombies count as gone."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            found[int(entry.name)] = (int(ppid), [a.decode(errors="replace") for a in argv if a])
    return found


def descendants(pid: int) -> dict[int, list[str]]:
    table = processes()
    result: dict[int, list[str]] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, argv) in table.items():
            if ppid == parent and child not in result:
                result[child] = argv
                frontier.append(child)
    return result


def alive(pids) -> list[int]:
    table = processes()
    return [pid for pid in pids if pid in table]


def flock_holders(path: Path) -> list[int]:
    """The processes holding a flock on ``path`` (from /proc/locks, matched by inode)."""
    inode = path.stat().st_ino
    holders = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.append(int(fields[4]))
    return holders


def test_the_stack_that_run_sh_starts(separate_database, tmp_path):
    """Web processes with debug pages off, static files, exactly one scheduler, and an import uploaded
    through the site that the worker (not the web process) runs, its progress read by a web request."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SHEQU_DEBUG",
            "SHEQU_STATIC_ROOT",
            "SHEQU_ALLOWED_HOSTS",
            "SHEQU_WORKER_CONCURRENCY",
            "GUNICORN_CMD_ARGS",
        }
    }
    env.update(
        SHEQU_DATABASE_URL=separate_database,
        SHEQU_VAR_DIR=str(tmp_path),
        SHEQU_CELERY_BROKER_URL="",
        SHEQU_REDIS_URL="",
        SHEQU_WEB_WORKERS=str(WEB_WORKERS),
        # Left on on purpose: serve.sh must turn it off, or the upload would run inside the web request.
        SHEQU_TASKS_EAGER="1",
    )
    manage(env, "migrate", "-v0")
    manage(env, "load_areas")
    manage(env, "load_demo", "--quiet", "--communities", "0")
    roster = tmp_path / "roster.csv"
    make_roster = (
        "from pathlib import Path; from shequ.areas.models import Area, Level; "
        "from shequ.demo.services import roster_csv; "
        "c = Area.objects.filter(level=Level.COMMUNITY, code__startswith='210102').order_by('code').first(); "
        f"Path({str(roster)!r}).write_bytes(roster_csv(community=c, people=40, seed=5)); print(c.code)"
    )
    community = manage(env, "shell", "-c", make_roster).stdout.split()[-1]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        stack = subprocess.Popen(
            ["bash", str(SERVE), "--no-migrate", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    seen: dict[int, list[str]] = {}
    try:

        def up():
            assert stack.poll() is None, f"serve.sh ended with {stack.returncode}:\n{log.read_text()[-3000:]}"
            try:
                return requests.get(f"{base}/api/health", timeout=5)
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still booting
                return None

        health = wait_for("the site answering /api/health", 45, up, log=log)
        assert health.status_code == 200 and health.json() == {"status": "ok"}

        # A page, and its stylesheet and script from STATIC_ROOT (collected, served by whitenoise).
        session = requests.Session()
        page = session.get(f"{base}/accounts/login/", timeout=10)
        assert page.status_code == 200
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            assert session.get(base + asset, timeout=10).status_code == 200, asset
        assert (tmp_path / "static").is_dir()

        # Debug pages are off: a missing page is the plain 404, telling nothing about the code.
        # An identifier in the address is not repeated either.
        missing = session.get(f"{base}/no-such-page/{IDENTIFIER}/", timeout=10)
        assert missing.status_code == 404
        for leak in ("DEBUG = True", "Traceback", "URLconf", "shequ.urls", "Page not found <span>", IDENTIFIER):
            assert leak not in missing.text

        # The processes: one gunicorn master and its workers; one Celery worker; exactly one scheduler,
        # which holds the lock beside its schedule file and lives under the Celery worker, not gunicorn.
        lock = tmp_path / "celerybeat-schedule.lock"
        holders = wait_for("the scheduler holding its lock", 30, lambda: lock.exists() and flock_holders(lock), log=log)
        seen = descendants(stack.pid)
        gunicorn = [pid for pid, argv in seen.items() if any(a.endswith("gunicorn") for a in argv[:2])]
        celery_main = [pid for pid, argv in seen.items() if "worker" in argv and processes()[pid][0] == stack.pid]
        assert len(gunicorn) == 1 + WEB_WORKERS, seen
        assert len(celery_main) == 1, seen
        assert len(holders) == 1, holders
        assert processes()[holders[0]][0] == celery_main[0]
        assert not [pid for pid, argv in seen.items() if "beat" in argv]  # no separate `celery beat`
        # A second scheduler on the same machine refuses to start.
        second = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "shequ.tasks", "beat"],
            env={**env, "PYTHONPATH": str(ROOT / "src")},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0 and "another scheduler" in second.stderr, second.stderr[-2000:]
        assert flock_holders(lock) == holders

        # An import uploaded through the site: queued by the web process, run by the worker, its
        # progress read back by a web request (another process than the one that wrote it).
        signed_in = session.post(
            f"{base}/accounts/login/",
            data={
                "username": "demo-city",
                "password": "Shequ-demo-2026",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302, signed_in.text[-2000:]
        upload = session.post(
            f"{base}/api/imports",
            data={"community": community, "kind": "residents"},
            files={"file": ("roster.csv", roster.read_bytes(), "text/csv")},
            headers={"X-CSRFToken": session.cookies["csrftoken"]},
            timeout=30,
        )
        assert upload.status_code == 202, upload.text[-2000:]
        job_id = upload.json()["id"]

        def finished():
            job = session.get(f"{base}/api/imports/{job_id}", timeout=10).json()
            return job if job["status"] not in {"pending", "queued", "checking", "writing", "running"} else None

        job = wait_for(f"import job {job_id} done by the worker", 60, finished, log=log)
        assert job["status"] == "done", job
        assert job["created"] == 40, job
        assert job["progress"] == {"phase": "done", "done": 40, "total": 40}, job
        # Run by the Celery worker's pool process (its log format), never by a web process (which logs
        # through Django's format, as an eager run inside the request would).
        wait_for(
            "the worker logging the task",
            10,
            lambda: re.search(
                r"/ForkPoolWorker-\d+\] Task shequ\.imports\.import_run\[[^\]]+\] succeeded", log.read_text()
            ),
            log=log,
        )
        assert "celery.app.trace" not in log.read_text()

        # Ctrl-C (SIGINT to the supervisor) stops everything, gracefully, and leaves nothing behind.
        seen = descendants(stack.pid)
        stack.send_signal(signal.SIGINT)
        assert stack.wait(timeout=60) == 0, log.read_text()[-3000:]
        wait_for("every process of the stack gone", 10, lambda: not alive(seen), log=log)
        assert flock_holders(lock) == []
    finally:
        if stack.poll() is None:
            seen.update(descendants(stack.pid))
            stack.kill()
            stack.wait(10)
        for pid in alive(seen):
            os.kill(pid, signal.SIGKILL)


def start_supervisor(*commands: list[str], grace: float = 10) -> subprocess.Popen:
    argv = [sys.executable, str(SUPERVISE), "--grace", str(grace)]
    for command in commands:
        argv += ["--", *command]
    return subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)


SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def children_of(supervisor: subprocess.Popen, count: int) -> list[int]:
    return wait_for(
        f"{count} commands started",
        20,
        lambda: len(kids := descendants(supervisor.pid)) == count and list(kids),
    )


def test_the_supervisor_stops_everything_when_one_command_ends():
    supervisor = start_supervisor(SLEEPER, [sys.executable, "-c", "import time; time.sleep(1); raise SystemExit(3)"])
    try:
        kids = children_of(supervisor, 2)
        assert supervisor.wait(timeout=30) == 3
        assert "stopping the others" in supervisor.stderr.read()
        assert alive(kids) == []
    finally:
        supervisor.kill()


def test_the_supervisor_passes_sigterm_on_and_kills_what_will_not_stop(tmp_path):
    ready = tmp_path / "ready"
    stubborn = [
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "pathlib.Path(sys.argv[1]).touch(); time.sleep(120)",
        str(ready),
    ]
    supervisor = start_supervisor(SLEEPER, stubborn, grace=2)
    try:
        kids = children_of(supervisor, 2)
        wait_for("the stubborn command ignoring SIGTERM", 20, ready.exists)
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
        assert "killing it" in supervisor.stderr.read()
        assert alive(kids) == []
    finally:
        supervisor.kill()


def test_the_commands_stop_when_the_supervisor_is_killed():
    supervisor = start_supervisor(SLEEPER, SLEEPER)
    kids = children_of(supervisor, 2)
    supervisor.kill()  # no chance to clean up: the kernel sends the commands SIGTERM
    supervisor.wait(10)
    wait_for("the commands gone after their supervisor", 10, lambda: not alive(kids))


@pytest.mark.django_db
def test_the_scheduler_clears_expired_sessions():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from shequ.tasks import app, clear_sessions

    assert app.conf.beat_schedule["clear-expired-sessions"]["task"] == clear_sessions.name
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="y" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1))
    clear_sessions.delay()  # inline in tests (SHEQU_TASKS_EAGER=1), in the worker when served
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]


@pytest.mark.django_db
def test_error_pages_with_debug_off_show_no_identifier(world, client_of, settings):
    """What ./run.sh serves (SHEQU_DEBUG=0 unless asked for): a 404 and a 500 say nothing of the address or
    of the failure, so an identity number in either goes no further."""
    from unittest import mock

    from shequ.residents.models import Person

    for script in (ROOT / "run.sh", SERVE):
        assert 'export SHEQU_DEBUG="${SHEQU_DEBUG:-0}"' in script.read_text()
    settings.DEBUG = False
    client = client_of("community_staff")
    missing = client.get(f"/residents/households/0/{IDENTIFIER}/")
    assert missing.status_code == 404 and IDENTIFIER not in missing.content.decode()
    client.raise_request_exception = False
    person = Person.objects.get(name="甲")
    with mock.patch("shequ.residents.selectors.person_get", side_effect=RuntimeError(f"failed on {person.id_number}")):
        broken = client.get(f"/residents/{person.pk}/")
    assert broken.status_code == 500
    assert person.id_number not in broken.content.decode() and "Traceback" not in broken.content.decode()
