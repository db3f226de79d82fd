"""Benchmark: importing a resident roster at city scale, and searching the pool it makes.

    .venv/bin/python benchmarks/import_residents.py --rows 1000000 \\
        --database postgres://postgres@127.0.0.1:5432/shequ_bench
    .venv/bin/python benchmarks/import_residents.py --rows 1000000 --database sqlite:////tmp/shequ-bench.sqlite3

The database is created if missing and emptied first (never point this at real data). Every import runs
as the product runs it, in a child process (`manage.py import_residents`, debug off), so that its peak
memory (max RSS) is its own. Figures, all from one run:

- import: rows per second of the whole import of a CSV (read, validate every row, encrypt identity
  numbers and phones, compute the blind indexes, write addresses, households, people and their history
  in one transaction), and its peak memory;
- floor (PostgreSQL): the schema's own floor, measured in the same run: the rows the import wrote, taken
  back out already encrypted and written again with COPY straight into the real, emptied tables with all
  their indexes and keys, in one transaction. The import's throughput as a share of the floor's;
- re-import: the same file again (nothing changes), as a share of the first import's time;
- xlsx (--xlsx): the same rows as an .xlsx workbook into emptied tables: time against the CSV and memory;
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
GRIDS = ["第1网格", "第2网格", "第3网格"]


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


def roster_rows(rows: int, seed: int = 1):
    """``rows`` distinct people (valid identity numbers), households of three, with the roster's headings first."""
    from stdnum.cn import ric

    from shequ.residents.importers import COLUMNS

    rng = random.Random(seed)
    yield [c.header for c in COLUMNS]
    start = datetime.date(1930, 1, 1)
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "秀英桂兰玉兰建国建华志强丽娟海燕国庆明军红梅文静淑珍"
    for n in range(rows):
        birth = start + datetime.timedelta(days=n // 1000 * 7 % 30000)
        body = f"210102{birth:%Y%m%d}{n % 1000:03d}"
        household = n // 3
        yield [
            rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            body + ric.calc_check_digit(body + "0"),
            f"139{n:08d}",
            "户籍",
            f"H{household}",
            "户主" if n % 3 == 0 else "子女",
            f"和平路{household // 400}号",
            str(household % 40),
            str(household % 6 + 1),
            str(100 + household % 30),
            GRIDS[household % len(GRIDS)],
            "汉族",
            "2015-06-01",
        ]


def write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(roster_rows(rows))


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民花名册")
    for row in roster_rows(rows):
        sheet.append(row)
    workbook.save(path)


def run_import(database: str, path: Path, community: str) -> tuple[float, float, str]:
    """Seconds, peak memory (MB) and the last line of one import run in its own process."""
    env = {**os.environ, "SHEQU_DATABASE_URL": database, "SHEQU_DEBUG": "0", "SHEQU_TASKS_EAGER": "1"}
    env["PYTHONPATH"] = str(ROOT / "src")
    command = [sys.executable, str(ROOT / "manage.py"), "import_residents", str(path), "--community", community]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*command, "--as-user", "bench"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    output = child.stdout.read().strip() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"import failed: {output}")
    return elapsed, usage.ru_maxrss / 1024, output.splitlines()[-1] if output else ""


TABLES = ["residents_address", "residents_household", "residents_person", "residents_personchange"]


def schema_floor(url: str, folder: Path) -> float:
    """Seconds to COPY the rows the import wrote (already encrypted) back into the emptied real tables,
    with all their indexes, constraints and keys, in one transaction. The rows wait in files, not in this
    process's memory: a child process started later inherits this process's peak memory figure."""
    import psycopg

    with psycopg.connect(url) as conn:
        for table in TABLES:
            with open(folder / f"{table}.copy", "wb") as dump, conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    dump.write(block)
        conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        conn.commit()
        started = time.perf_counter()
        with conn.transaction():
            for table in TABLES:
                with (
                    open(folder / f"{table}.copy", "rb") as dump,
                    conn.cursor().copy(f"COPY {table} FROM STDIN") as copy,
                ):
                    while block := dump.read(1 << 20):
                        copy.write(block)
        elapsed = time.perf_counter() - started
        conn.execute("ANALYZE")
    return elapsed


def empty_pool() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        else:
            for table in reversed(TABLES):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names from this file)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/shequ_bench")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--xlsx", action="store_true", help="also import the rows as an .xlsx workbook")
    args = parser.parse_args()

    prepare_database(args.database)
    os.environ["SHEQU_DATABASE_URL"] = args.database
    os.environ["SHEQU_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from shequ.accounts.models import Grant, User
    from shequ.areas.models import Area, Level
    from shequ.residents import selectors
    from shequ.residents.models import Person

    call_command("migrate", verbosity=0)
    call_command("load_areas", stdout=io.StringIO())
    community = Area.objects.filter(level=Level.COMMUNITY, code__startswith="210102").order_by("code").first()
    for n, name in enumerate(GRIDS, start=1):
        code = f"{community.code}{n:03d}"
        Area.objects.get_or_create(
            code=code,
            defaults=dict(
                code_system="local", name=name, level=Level.GRID, parent=community, path=f"{community.path}{code}/"
            ),
        )
    user = User.objects.create(username="bench")
    Grant.objects.create(user=user, role="community_staff", area=community)
    connection.close()  # the child processes write; this one only reads from here on

    vendor = "postgresql" if args.database.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        write_csv(path, args.rows)
        print(f"{vendor}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB CSV")

        elapsed, memory, line = run_import(args.database, path, community.code)
        assert Person.objects.count() == args.rows, line
        ours = args.rows / elapsed
        print(f"import     : {elapsed:8.2f} s  {ours:10,.0f} rows/s  peak {memory:6.0f} MB  ({line})")
        if vendor == "postgresql":
            floor = schema_floor(args.database, Path(folder))
            print(f"floor      : {floor:8.2f} s  {args.rows / floor:10,.0f} rows/s  (COPY of the encrypted rows)")
            print(f"import/floor: {100 * ours / (args.rows / floor):.0f}% of the schema's floor (target >= 70%)")
        again, again_memory, line = run_import(args.database, path, community.code)
        print(
            f"re-import  : {again:8.2f} s  {args.rows / again:10,.0f} rows/s  peak {again_memory:6.0f} MB  "
            f"({elapsed / again:.1f}x faster than the first; {line})"
        )

        if args.xlsx:
            book = Path(folder) / "roster.xlsx"
            write_xlsx(book, args.rows)
            empty_pool()
            connection.close()
            seconds, xlsx_memory, line = run_import(args.database, book, community.code)
            print(
                f"xlsx import: {seconds:8.2f} s  {args.rows / seconds:10,.0f} rows/s  peak {xlsx_memory:6.0f} MB  "
                f"({seconds / elapsed:.2f}x the CSV's time; {book.stat().st_size / 1e6:.0f} MB; {line})"
            )

    # Search: identity numbers and phones through the blind index, names by prefix, addresses.
    rng = random.Random(2)
    picks = sorted(rng.sample(range(args.rows), min(args.searches, args.rows)))
    samples, wanted = [], set(picks)
    for n, row in enumerate(roster_rows(args.rows)):
        if n - 1 in wanted:
            samples.append(row)
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
    sys.stdout.reconfigure(line_buffering=True)
    main()
