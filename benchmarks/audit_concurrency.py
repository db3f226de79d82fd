"""Benchmark: audited writes under concurrency on PostgreSQL.

    .venv/bin/python benchmarks/audit_concurrency.py --writers 16 --seconds 10 \\
        --database postgres://postgres@127.0.0.1:5432/shequ_audit_bench

The database is created if missing and emptied first (never point this at real data). It loads Shenyang's
divisions and gives one community ``--writers`` grids and as many staff accounts. ``--writers`` processes
then each run a typical audited write for ``--seconds``: the product's own ``areas.services.grid_update``
renaming the writer's own grid as the writer's own account (a scoped lookup that locks the row, the
siblings' names checked, the row saved and its audit event recorded, in one transaction). The baseline,
measured in the same run, is the same service with ``record_event`` replaced by nothing. Both are measured
``--rounds`` times, alternating (baseline, audited, baseline, audited, ...) so that a noisy moment of the
shared machine does not fall on one side only. Figures: transactions per second both ways, the ratio
(target ≥ 0.80), and whether the whole chain verifies afterwards. ``--stripes 1`` puts every event on one
chain behind one lock, like the design before stripes, for comparison.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def prepare_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["SHEQU_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_TASKS_EAGER", "1")
    # Verification compares with this database's checkpoints only (none), not a developer's var/audit.
    os.environ["SHEQU_AUDIT_CHECKPOINT_FILE"] = f"/tmp/audit-bench-{os.getpid()}-checkpoints.jsonl"
    import django

    django.setup()


def _no_event(**kwargs: Any) -> None:
    """The baseline's record_event: nothing."""


def writer(args: tuple[str, int, str, int, bool, int, float, float]) -> int:
    """One writer process: the chosen write, audited or not, from ``start`` until ``stop``; returns how
    many times. ``grid``: rename the writer's grid; ``tag``: record a group tag of the writer's resident."""
    import datetime

    write, staff_id, grid_code, person_id, audited, stripes, start, stop = args
    from django.db import connection

    from shequ.accounts.models import User
    from shequ.areas import services as area_services
    from shequ.audit import services as audit_services
    from shequ.residents import services as resident_services

    connection.close()  # never share the parent's connection
    audit_services.STRIPES = stripes
    # The pool's processes serve both sides: set the services' record_event for this side every time.
    for module in (area_services, resident_services):
        module.record_event = audit_services.record_event if audited else _no_event  # type: ignore[attr-defined]
    staff = User.objects.get(pk=staff_id)
    done = 0
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < stop:
        if write == "grid":
            area_services.grid_update(actor=staff, grid_code=grid_code, name=f"{grid_code[-3:]}号网格{done}")
        else:
            resident_services.tag_add(
                actor=staff,
                person_id=person_id,
                tag_code="party_member",
                source="街道党工委",
                valid_from=datetime.date(2020, 1, 1),
            )
        done += 1
    connection.close()
    return done


def measure(
    pool: Any, write: str, jobs: list[tuple[int, str, int]], audited: bool, stripes: int, seconds: float
) -> float:
    start = time.time() + 0.5  # every writer starts at the same moment
    counts = pool.map(
        writer,
        [(write, staff, grid, person, audited, stripes, start, start + seconds) for staff, grid, person in jobs],
    )
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="postgres://... (emptied first)")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="per round and side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stripes", type=int, default=0, help="audit stripes (default: the product's)")
    parser.add_argument(
        "--write",
        choices=["grid", "tag"],
        default="grid",
        help="grid: rename one's grid (areas.services.grid_update); tag: record a resident's group tag "
        "(residents.services.tag_add)",
    )
    options = parser.parse_args()
    if not options.database.startswith("postgres"):
        parser.error("PostgreSQL only: SQLite serialises every writer whatever the audit does")

    prepare_database(options.database)
    setup_django(options.database)
    from django.core.management import call_command
    from django.db import connection

    from shequ.accounts.models import Grant, User
    from shequ.accounts.roles import Role
    from shequ.areas.models import Area, Level
    from shequ.areas.services import grid_create, load_divisions
    from shequ.audit.services import STRIPES, verify_chain
    from shequ.reference.services import tag_types_load
    from shequ.residents.models import Person

    stripes = options.stripes or STRIPES
    call_command("migrate", verbosity=0)
    load_divisions(actor=None, city_code="2101")
    tag_types_load(actor=None)
    community = Area.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    assert community is not None
    # One staff account per writer, as concurrent requests come from different people.
    jobs = []
    for n in range(options.writers):
        staff = User.objects.create(username=f"bench-staff-{n}")
        Grant.objects.create(user=staff, role=Role.COMMUNITY_STAFF, area=community)
        person = Person.objects.create(
            area=community,
            name=f"居民{n}",
            id_number=f"21010219600101{n:03d}X",
            sex="M",
            birth_date="1960-01-01",
            residence_type="registered",
        )
        jobs.append(
            (staff.pk, grid_create(actor=staff, community_code=community.code, name=f"网格{n}").code, person.pk)
        )
    connection.close()

    plain: list[float] = []
    audited: list[float] = []
    with multiprocessing.get_context("fork").Pool(options.writers) as pool:
        for _ in range(options.rounds):
            plain.append(measure(pool, options.write, jobs, False, stripes, options.seconds))
            audited.append(measure(pool, options.write, jobs, True, stripes, options.seconds))
            print(f"round: without audit {plain[-1]:,.0f} tx/s, with audit {audited[-1]:,.0f} tx/s", flush=True)

    plain_rate, audited_rate = sum(plain) / len(plain), sum(audited) / len(audited)
    began = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - began
    print(
        f"write: {options.write}, CPUs: {os.cpu_count()}, writers: {options.writers}, audit stripes: {stripes}, "
        f"{options.rounds} × {options.seconds:g} s per side"
    )
    print(f"without audit (baseline): {plain_rate:,.0f} transactions/s")
    print(f"with audit:               {audited_rate:,.0f} transactions/s")
    print(f"ratio:                    {audited_rate / plain_rate:.2f} (target ≥ 0.80)")
    print(
        f"chain: {'verifies' if report.ok else 'BROKEN: ' + report.reason} "
        f"({report.checked:,} events in {verify_seconds:.1f} s)"
    )
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
