"""Benchmark: importing a resident roster, and searching the pool it makes.

    .venv/bin/python benchmarks/import_residents.py --rows 1000000 \\
        --database postgres://postgres@127.0.0.1:5432/shequ_bench

The database is created if missing and emptied first (never point this at real data). Figures:

- import: rows per second of the whole import (read the CSV, validate every row, encrypt identity
  numbers and phones, compute the blind indexes, write people, addresses, households and history in one
  transaction), against the baseline measured in the same run: PostgreSQL's raw ``COPY`` of the same
  CSV into an unindexed table of text columns (no baseline on SQLite).
- search: latency of ``residents.selectors.residents`` by identity number, name and address (p50, p99)
  and the number of queries each search takes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        server, name = url.rsplit("/", 1)
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)


def roster(rows: int, grids: list[str], seed: int = 1) -> bytes:
    """A roster of ``rows`` distinct people (valid identity numbers), households of about three."""
    from stdnum.cn import ric

    from shequ.residents.importers import COLUMNS

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in COLUMNS])
    start = datetime.date(1930, 1, 1)
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "秀英桂兰玉兰建国建华志强丽娟海燕国庆明军红梅文静淑珍"
    for n in range(rows):
        birth = start + datetime.timedelta(days=n // 1000 * 7 % 30000)
        body = f"210102{birth:%Y%m%d}{n % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
        household = n // 3
        writer.writerow(
            [
                name,
                number,
                f"139{n:08d}",
                "户籍",
                f"H{household}",
                "户主" if n % 3 == 0 else "子女",
                f"和平路{household // 400}号",
                str(household % 40),
                str(household % 6 + 1),
                str(100 + household % 30),
                grids[household % len(grids)] if grids else "",
                "汉族",
                "2015-06-01",
            ]
        )
    return out.getvalue().encode("utf-8")


def copy_baseline(url: str, content: bytes) -> float:
    """Seconds for PostgreSQL to COPY the same CSV into an unindexed table of text columns."""
    import psycopg

    from shequ.residents.importers import COLUMNS

    columns = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS copy_baseline ({columns})")
        conn.execute("TRUNCATE copy_baseline")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE copy_baseline")
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/shequ_bench")
    parser.add_argument("--searches", type=int, default=300)
    args = parser.parse_args()

    prepare_database(args.database)
    os.environ["SHEQU_DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from shequ.registry import selectors

    from shequ.accounts.models import Grant, User
    from shequ.areas.models import Area, Level
    from shequ.imports.services import import_create, import_run
    from shequ.residents.models import Person

    call_command("migrate", verbosity=0)
    call_command("load_areas", stdout=io.StringIO())
    community = Area.objects.filter(level=Level.COMMUNITY, code__startswith="210102").order_by("code").first()
    for n in range(1, 4):
        Area.objects.get_or_create(
            code=f"{community.code}{n:03d}",
            defaults=dict(
                code_system="local",
                name=f"第{n}网格",
                level=Level.GRID,
                parent=community,
                path=f"{community.path}{community.code}{n:03d}/",
            ),
        )
    user = User.objects.create(username="bench")
    Grant.objects.create(user=user, role="community_staff", area=community)

    content = roster(args.rows, ["第1网格", "第2网格", "第3网格"])
    vendor = connection.vendor
    print(f"{vendor}: {args.rows:,} rows, {len(content) / 1e6:.1f} MB CSV")
    baseline = copy_baseline(args.database, content) if vendor == "postgresql" else None

    job = import_create(actor=user, kind="residents", area_code=community.code, filename="bench.csv", content=content)
    started = time.perf_counter()
    job = import_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    assert job.status == "done", job.message
    assert Person.objects.count() == args.rows
    ours = args.rows / elapsed
    print(f"import  : {elapsed:8.2f} s  {ours:10,.0f} rows/s  (validate + encrypt + index + write)")
    if baseline:
        print(f"baseline: {baseline:8.2f} s  {args.rows / baseline:10,.0f} rows/s  (raw COPY, unindexed text table)")
        print(f"ratio   : {100 * ours / (args.rows / baseline):.1f}% of COPY throughput (target >= 50%)")

    # Search: identity numbers and phones through the blind index, names by prefix, addresses.
    rng = random.Random(2)
    reader = list(csv.reader(io.StringIO(content.decode())))[1:]
    samples = [reader[rng.randrange(len(reader))] for _ in range(args.searches)]
    kinds = {"identity number": lambda r: r[1], "name": lambda r: r[0], "address": lambda r: r[6]}
    for label, pick in kinds.items():
        times, counts = [], set()
        for row in samples:
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                list(selectors.residents(actor=user, query=pick(row))[:50])
                times.append((time.perf_counter() - started) * 1000)
            counts.add(len(queries))
        print(
            f"search by {label:<15}: p50 {statistics.median(times):6.1f} ms  p99 {percentile(times, 0.99):6.1f} ms"
            f"  queries per search {sorted(counts)}  (target p99 < 50 ms)"
        )


if __name__ == "__main__":
    main()
