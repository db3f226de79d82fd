"""Benchmark: signing in while a big roster in which every row is wrong is being checked (issue 7,
finding 3: a 300,000-row bad file held SQLite's write lock for 13 minutes and every sign-in failed).

    .venv/bin/python benchmarks/import_signin.py --rows 300000 --database sqlite:////tmp/shequ-signin.sqlite3

The database is created if missing and emptied first (never point this at real data). The roster is
imported as the product does it (`manage.py import_residents` in a child process); meanwhile this
process signs in again and again through the sign-in page (Django's test client: middleware, session,
audit event, each on a fresh database connection) until the import has ended, and after each sign-in
writes one session row on its own (the write lock's share of the wait, without the password hashing).
Printed as JSON: the latencies while idle and during the import (p50, p99, max), how many sign-ins
failed, the import's time and the job's status. tests/imports/test_signin_during_import.py runs it with fewer rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, capture_output=True, text=True, check=True
    )


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    server, _, name = url.rpartition("/")
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def bad_roster(community: object, rows: int) -> bytes:
    """A synthetic roster of ``rows`` people in which every row has a wrong mobile number."""
    from shequ.demo.services import roster_csv

    reader = csv.reader(io.StringIO(roster_csv(community=community, people=rows, seed=11).decode()))  # type: ignore[arg-type]
    header = next(reader)
    phone = header.index("手机号")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in reader:
        row[phone] = "1234"
        writer.writerow(row)
    return out.getvalue().encode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(latencies: list[float]) -> dict[str, float]:
    return {
        "count": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--database", required=True)
    parser.add_argument("--var-dir", type=Path, help="default: a temporary folder")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between two sign-ins")
    args = parser.parse_args()

    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="shequ-signin-"))
    os.environ.update(
        SHEQU_DATABASE_URL=args.database,
        SHEQU_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="shequ.settings",
        SHEQU_DEBUG="0",
    )
    fresh_database(args.database)
    manage("migrate", "-v0")
    manage("load_areas")
    manage("load_demo", "--quiet", "--communities", "0")

    import django

    django.setup()
    from django.test import Client

    from shequ.areas.models import Area, Level
    from shequ.demo.services import DEMO_PASSWORD
    from shequ.imports.models import ImportJob

    community = Area.objects.filter(level=Level.COMMUNITY, children__level=Level.GRID).order_by("code").first()
    assert community is not None
    roster = var_dir / "bad-roster.csv"
    roster.write_bytes(bad_roster(community, args.rows))

    errors: list[str] = []

    def sign_in() -> float:
        client = Client(REMOTE_ADDR="10.1.2.3")
        started = time.perf_counter()
        response = client.post("/accounts/login/", {"username": "demo-city", "password": DEMO_PASSWORD})
        took = time.perf_counter() - started
        if response.status_code != 302:
            errors.append(str(response.status_code))
        return took

    def write_probe() -> float:
        """One write of the kind a sign-in makes (a session row), on a fresh connection: it waits only
        if another connection holds the database's write lock."""
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import connection

        started = time.perf_counter()
        SessionStore().create()
        took = time.perf_counter() - started
        connection.close()
        return took

    idle = [sign_in() for _ in range(20)]
    idle_writes = [write_probe() for _ in range(20)]
    started = time.perf_counter()
    importer = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_residents",
            str(roster),
            "--community",
            community.code,
            "--as-user",
            "demo-city",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    during: list[float] = []
    writes: list[float] = []
    while importer.poll() is None:
        during.append(sign_in())
        writes.append(write_probe())
        time.sleep(args.pause)
    import_seconds = time.perf_counter() - started
    job = ImportJob.objects.order_by("-pk").first()
    print(
        json.dumps(
            {
                "rows": args.rows,
                "database": args.database.partition(":")[0],
                "import_seconds": round(import_seconds, 1),
                "job_status": job.status if job else None,
                "error_rows": job.error_rows if job else None,
                "idle": figures(idle),
                "during_import": figures(during) if during else None,
                "session_write_idle": figures(idle_writes),
                "session_write_during_import": figures(writes) if writes else None,
                "failed_sign_ins": len(errors),
                "failures": sorted(set(errors)),
            }
        )
    )


if __name__ == "__main__":
    main()
