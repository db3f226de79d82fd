"""Benchmark: the staff work queue with 100,000 open cases on PostgreSQL, served by the production server
(gunicorn through scripts/serve.sh --only web), 50 simulated staff users, and state transitions with the
audit on (issue 9).

    .venv/bin/python benchmarks/casework_queue.py --cases 100000 --database postgres://postgres@127.0.0.1:5432/shequ_bench_cases

The database is created if missing and emptied first (never point this at real data). It is set up as
./run.sh does (divisions, reference data, catalogue, demo), then the open cases are added in bulk over the
demo's residents (the set-up of a benchmark, not a product path: a year of real cases comes through the
services in the city-scale issue). 50 staff accounts (community staff, grid workers and street officers
of the demo's areas) sign in through the sign-in page.

Phases, printed as JSON:
1. ``users``: 50 users, each opening the queue page ``/cases/`` or its API ``/api/cases`` in turn and
   pausing 1-3 s between requests, for ``--seconds``: p50/p99/max latency and the rate served.
   Target: p99 < 100 ms.
2. ``ramp``: closed-loop clients with no pause (1, 2, 4, 8, 16 at once): the throughput at which p99
   passes 100 ms.
3. ``transitions``: accept (submitted -> accepted) at an offered 50 per second through the API for
   ``--seconds``: the rate achieved, latency, and that every transition wrote its audit event.
The baseline named in the same run: the same API request for the health endpoint (``/api/health``:
the server's floor, with no database work) at the same load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PASSWORD = "Bench-queue-2026"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(latencies: list[float], seconds: float, errors: int) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "errors": errors,
        "rate_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else float("nan"),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def fresh_database(url: str) -> None:
    import psycopg

    server, _, name = url.rpartition("/")
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def analyze(url: str) -> None:
    """Statistics and the visibility map of the bulk-made rows, as autovacuum keeps them in service (the
    planner otherwise takes 100,000 fresh cases for a few dozen and joins them all before sorting)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def prepare(env: dict[str, str], cases: int) -> list[str]:
    """Set the database up as ./run.sh does, add the open cases and the staff accounts; the usernames."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_areas", "--city", "2101")
    manage(env, "load_boundaries")
    manage(env, "load_reference_data")
    manage(env, "load_catalogue")
    manage(env, "load_demo", "--city", "2101")
    script = f"""
import random, json
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Level
from shequ.casework.catalogue import catalogue_items, item_version
from shequ.casework.models import Case, CaseState
from shequ.residents.models import Household, Person

rng = random.Random(9)
people = list(Person.objects.select_related("address__area", "area").filter(status="active"))
items = [i for i in catalogue_items() if not i.concerns_place]
versions = {{i.pk: item_version(i) for i in items}}
now = timezone.now()
states = [CaseState.SUBMITTED] * 3 + [CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.WAITING]
batch = []
for n in range({cases}):
    person = rng.choice(people)
    item = rng.choice(items)
    submitted = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
    batch.append(Case(
        number=f"B{{n:012d}}", kind="service", item=item, item_version=versions[item.pk],
        area=person.address.area if person.address_id else person.area, channel=rng.choice(item.channels),
        state=rng.choice(states), applicant=person, form_data="{{}}", submitted_at=submitted,
        time_limit=item.time_limit, time_limit_unit=item.time_limit_unit,
        deadline_at=submitted + timedelta(days=rng.randint(1, 40)),
    ))
    if len(batch) == 5000:
        Case.objects.bulk_create(batch); batch = []
Case.objects.bulk_create(batch)
communities = list(Area.objects.filter(level=Level.COMMUNITY, pk__in=Household.objects.values("area")))
grids = list(Area.objects.filter(level=Level.GRID, parent__in=communities))
streets = list(Area.objects.filter(pk__in=[c.parent_id for c in communities]))
districts = list(Area.objects.filter(pk__in=[s.parent_id for s in streets]))
names = []
with transaction.atomic():
    for n in range(50):
        kind = n % 5
        role, area = ((Role.GRID_WORKER, grids[n % len(grids)]) if kind in (0, 1) else
                      (Role.STREET_OFFICER, streets[n % len(streets)]) if kind == 2 else
                      (Role.COMMUNITY_STAFF, communities[n % len(communities)]))
        user, _ = User.objects.get_or_create(username=f"bench-{{n:02d}}", defaults={{"display_name": f"压测{{n}}"}})
        user.set_password("{PASSWORD}"); user.save()
        Grant.objects.get_or_create(user=user, role=role, area=area)
        names.append(user.username)
    # The transitions are made by accounts over every district of the demo (each case is in one of them).
    for n in range(10):
        user, _ = User.objects.get_or_create(username=f"bench-t{{n}}", defaults={{"display_name": f"受理{{n}}"}})
        user.set_password("{PASSWORD}"); user.save()
        for district in districts:
            Grant.objects.get_or_create(user=user, role=Role.DISTRICT_OFFICER, area=district)
print("USERS", json.dumps(names))
print("OPEN", Case.objects.exclude(state__in=["completed", "rejected", "withdrawn"]).count())
"""
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(out.strip().splitlines()[-1], file=sys.stderr)
    names: list[str] = json.loads(re.search(r"USERS (.*)", out).group(1))  # type: ignore[union-attr]
    return names


class Session:
    """One signed-in staff user on a keep-alive connection."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.get("/accounts/login/")
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        )
        status, _ = self.request(
            "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {username} failed: {status}")

    def request(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.request("GET", path)


def run_users(sessions: list[Session], paths: list[str], seconds: float, pause: tuple[float, float]) -> dict:
    """Each session requests the paths in turn, pausing between requests; the summary of all of them and,
    with more than one path, of each."""
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(session: Session, offset: int) -> None:
        rng = random.Random(offset)
        n = offset
        time.sleep(rng.uniform(0, pause[1]))
        while time.monotonic() < stop:
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            status, _ = session.get(path)
            took = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies[path].append(took)
                else:
                    errors[0] += 1
            if pause[1]:
                time.sleep(rng.uniform(*pause))

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(s, i)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    result: dict = summary([x for values in latencies.values() for x in values], took, errors[0])
    if len(paths) > 1:
        result["by_path"] = {path: summary(values, took, 0) for path, values in latencies.items()}
    return result


def run_transitions(sessions: list[Session], case_ids: list[int], rate: float, seconds: float) -> dict:
    """Offer ``rate`` accepts per second (open loop: sent on schedule whatever the answers take)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    total = min(len(case_ids), int(rate * seconds))
    queue = list(case_ids[:total])
    begin = time.monotonic()

    def worker(session: Session, index: int) -> None:
        while True:
            with lock:
                if not queue:
                    return
                k = total - len(queue)
                case_id = queue.pop(0)
            due = begin + k / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            started = time.perf_counter()
            status, _ = session.request(
                "POST",
                f"/api/cases/{case_id}/actions",
                json.dumps({"action": "accept"}),
                {"Content-Type": "application/json"},
            )
            took = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(took)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(s, i)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summary(latencies, time.monotonic() - begin, errors[0]) | {"offered_per_s": rate}


QUERY_COUNT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from shequ.accounts.models import User

# The same URLs as the load, through Django's test client in one process: the queries each request makes
# (session, account, grants, count and page), counted by Django itself.
counts = {}
for username in ("bench-00", "bench-02", "bench-03"):
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get("/api/cases?limit=1")  # warm per-process caches, as the served workers are
    for path in PATHS:
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        counts[f"{username} {path}"] = [status, len(queries)]
print("COUNTS", json.dumps(counts))
"""


def shell(env: dict[str, str], script: str) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/shequ_bench_cases")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database of an earlier run")
    parser.add_argument("--api-only", action="store_true", help="load the API only, not the queue page")
    args = parser.parse_args()

    # A var directory of its own: the served processes' cache, queue and collected static files.
    var_dir = Path("/tmp/shequ-bench-cases-var")
    env = dict(
        os.environ,
        SHEQU_DATABASE_URL=args.database,
        PYTHONPATH=str(ROOT / "src"),
        SHEQU_DEBUG="0",
        SHEQU_VAR_DIR=str(var_dir),
    )
    env.pop("SHEQU_TASKS_EAGER", None)
    if not args.skip_setup:
        fresh_database(args.database)
        usernames = prepare(env, args.cases)
    else:
        manage(env, "migrate", "--noinput", "-v0")
        usernames = [f"bench-{n:02d}" for n in range(50)]
    analyze(args.database)
    server = subprocess.Popen(
        ["bash", "scripts/serve.sh", "--only", "web", "--no-migrate", f"127.0.0.1:{args.port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(240):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                probe.request("GET", "/api/health")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.5)
        sessions = [Session(args.port, usernames[n % len(usernames)]) for n in range(args.users)]
        page_status, _ = sessions[0].get("/cases/")
        paths = ["/api/cases?limit=50"] if args.api_only or page_status != 200 else ["/cases/", "/api/cases?limit=50"]
        for s in sessions:  # warm every worker's connection and caches
            s.get(paths[0])
        result: dict[str, object] = {
            "cases": args.cases,
            "users": args.users,
            "seconds": args.seconds,
            "paths": paths,
            "queue_page_status": page_status,
            "cpus": os.cpu_count(),
            "load_before": load(),
        }
        counts = shell(
            env, f"PATHS = {json.dumps(paths + ['/api/cases?limit=5', '/api/cases?limit=500'])}\n" + QUERY_COUNT
        )
        result["queries_per_request"] = json.loads(re.search(r"COUNTS (.*)", counts).group(1))  # type: ignore[union-attr]
        result["baseline_health"] = run_users(sessions, ["/api/health"], args.seconds / 2, (1, 3)) | {"load": load()}
        result["users_queue"] = run_users(sessions, paths, args.seconds, (1, 3)) | {"load": load()}
        ramp = []
        for clients in (1, 2, 4, 8, 16):
            step = run_users(sessions[:clients], paths, 15, (0, 0))
            ramp.append({"clients": clients} | step | {"load": load()})
        result["ramp"] = ramp
        passing = [s for s in ramp if s["p99_ms"] > 100]
        result["throughput_when_p99_passes_100ms"] = passing[0]["rate_per_s"] if passing else None
        acceptors = [Session(args.port, f"bench-t{n}") for n in range(10)]
        count_accepts = (
            "from shequ.audit.models import AuditEvent; "
            "print(AuditEvent.objects.filter(action='casework.accept').count())"
        )
        ids = shell(
            env,
            "from shequ.casework.models import Case; import json; "
            f"print(json.dumps(list(Case.objects.filter(state='submitted', number__startswith='B')"
            f".order_by('?').values_list('pk', flat=True)[:{int(50 * min(args.seconds, 30)) + 100}])))",
        )
        submitted = json.loads(ids.strip().splitlines()[-1])
        audit_before = int(shell(env, count_accepts).strip().splitlines()[-1])
        result["transitions"] = run_transitions(acceptors, submitted, 50, min(args.seconds, 30)) | {"load": load()}
        audit_after = int(shell(env, count_accepts).strip().splitlines()[-1])
        result["transitions"]["audit_events_written"] = audit_after - audit_before  # type: ignore[index]
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
