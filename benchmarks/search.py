"""Benchmark: substring search of the resident pool (part of a given name, of an estate, a building, a
surname, the last four digits of a phone) through the bigram index, against the same queries as a scan.

    .venv/bin/python benchmarks/search.py --rows 1000000 --database postgres://postgres@127.0.0.1:5432/shequ_search_bench
    .venv/bin/python benchmarks/search.py --rows 200000 --database sqlite:////tmp/shequ-search-bench.sqlite3

The database is created if missing and emptied first (never point this at real data). The pool is made
through the product's own import (``manage.py import_residents`` in a child process, as
``benchmarks/import_residents.py`` does): names from common Chinese surnames and given names, addresses
"牛园小区 7栋2单元501室" over 300 estates of 30 buildings. Every search is what the resident list does: its
first page, ``selectors.residents(actor=community staff, query=..., cap=SEARCH_CAP)[:50]``, and the count
above it, the actor seeing the whole pool (the worst case: one community holds every row). The baseline,
in the same run, is the same page with the name or the address written out matched by ``LIKE '%query%'``
(no index can serve it: a scan).
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
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_residents import GRIDS, percentile, prepare_database, run_import  # noqa: E402

# The most common surnames (roughly by frequency: the list repeats the commonest) and given names, one and
# two characters, as older and younger residents carry them.
SURNAMES = "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = (
    "淑英 秀英 桂英 玉兰 桂兰 秀兰 凤英 淑珍 淑兰 玉珍 秀珍 建国 建华 建军 国庆 国强 志强 志刚 永刚 海燕 丽娟 红梅 "
    "文静 晓燕 春梅 秀云 丽华 伟 静 敏 磊 军 勇 杰 涛 强 洋 艳 娟 霞 平 刚 桂芳 玉梅 子涵 浩然 欣怡 梓轩 雨桐 一诺"
).split()
ESTATE_WORDS = "牛园 和平 幸福 阳光 金桥 锦绣 翠湖 春晖 明珠 华府 长青 东方 滨河 景苑 丽水 新城 嘉园 富民 民主 光明"
ESTATES = [f"{a}{b}" for a in ESTATE_WORDS.split() for b in ("小区", "花园", "家园", "雅居", "新村")]
ESTATES = [f"{name}{'' if n < len(ESTATES) else n // len(ESTATES)}" for n, name in enumerate(ESTATES * 3)]


def roster_rows(rows: int, seed: int = 1) -> Iterator[list[str]]:
    from stdnum.cn import ric

    from shequ.residents.importers import COLUMNS

    rng = random.Random(seed)
    yield [c.header for c in COLUMNS]
    start = datetime.date(1930, 1, 1)
    for n in range(rows):
        birth = start + datetime.timedelta(days=n // 1000 * 7 % 30000)
        body = f"210102{birth:%Y%m%d}{n % 1000:03d}"
        household = n // 3
        values = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": body + ric.calc_check_digit(body + "0"),
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "residence_type": "户籍",
            "household_number": f"H{household}",
            "relation": "户主" if n % 3 == 0 else "子女",
            "street_address": ESTATES[household // 1000 % len(ESTATES)],
            "building": str(household // 40 % 30 + 1),
            "unit": str(household % 6 + 1),
            "room": str(101 + household % 6 * 100 + household // 6 % 4),
            "grid": GRIDS[household % len(GRIDS)],
            "ethnicity": "汉族",
            "moved_in_on": "2015-06-01",
        }
        yield [values.get(c.key, "") for c in COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/shequ_search_bench")
    parser.add_argument("--searches", type=int, default=100, help="searches of each kind")
    parser.add_argument("--keep", action="store_true", help="search the pool already there (no import)")
    args = parser.parse_args()

    if not args.keep:
        prepare_database(args.database)
    os.environ.update(SHEQU_DATABASE_URL=args.database, SHEQU_DEBUG="0", SHEQU_LOOKUP_LIMIT_PER_HOUR="1000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q, QuerySet

    from shequ.accounts.models import Grant, User
    from shequ.areas.models import Area, Level
    from shequ.lib.capabilities import Capability
    from shequ.residents import search, selectors
    from shequ.residents.models import Person

    if not args.keep:
        call_command("migrate", verbosity=0)
        call_command("load_areas", stdout=io.StringIO())
        community = Area.objects.filter(level=Level.COMMUNITY, code__startswith="210102").order_by("code").first()
        assert community is not None
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
        connection.close()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roster.csv"
            with open(path, "w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(roster_rows(args.rows))
            elapsed, _memory, line = run_import(args.database, path, community.code)
        print(f"{connection.vendor}: imported {Person.objects.count():,} residents in {elapsed:.0f} s ({line})")
    user = User.objects.get(username="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE residents_person")
            cursor.execute("VACUUM ANALYZE residents_address")

    rng = random.Random(3)
    phones = [row[[c.header for c in selectors_columns()].index("手机号")] for row in sample_rows(args.rows, 200)]
    kinds: dict[str, list[str]] = {
        "given name, 2 characters": [rng.choice([g for g in GIVEN if len(g) == 2]) for _ in range(args.searches)],
        "estate (牛园小区 …)": [rng.choice(ESTATES) for _ in range(args.searches)],
        "building (7栋)": [f"{rng.randrange(1, 31)}栋" for _ in range(args.searches)],
        "estate and building": [f"{rng.choice(ESTATES)} {rng.randrange(1, 31)}栋" for _ in range(args.searches)],
        "surname (prefix)": [rng.choice(SURNAMES) for _ in range(args.searches)],
        "phone, last 4 digits": [rng.choice(phones)[-4:] for _ in range(args.searches)],
    }
    kinds["given name, 2 characters"][0] = "淑英"
    kinds["estate (牛园小区 …)"][0] = "牛园小区"
    kinds["building (7栋)"][0] = "7栋"

    def page(queryset: QuerySet[Person]) -> None:
        list(queryset.select_related("area", "address").order_by("area__code", "name", "pk")[:50])

    address_text = search._ADDRESS_TEXT_SQL.format(p="")  # the address written out, as the index has it

    def scan(query: str) -> QuerySet[Person]:
        people = Person.objects.visible_to(user, Capability.REGISTRY_READ).filter(status="active")
        if selectors.looks_like_address(query):
            for word in query.split():
                people = people.extra(  # noqa: S610 (the SQL is this file's; the word is a parameter)
                    where=[
                        "residents_person.address_id IN "
                        f"(SELECT id FROM residents_address WHERE {address_text} LIKE %s)"
                    ],
                    params=["%" + word + "%"],
                )
            return people
        return people.filter(Q(name__contains=query))

    print(f"first page (50) of a search by community staff over {Person.objects.count():,} residents:")
    for label, queries in kinds.items():
        times, scans = [], []
        for query in queries:
            started = time.perf_counter()
            # What the list page does: its first page and the count above it, the matches capped.
            found_page = selectors.residents(actor=user, query=query, cap=selectors.SEARCH_CAP)
            list(found_page[:50])
            found_page.count()
            times.append((time.perf_counter() - started) * 1000)
            if "phone" in label:
                continue  # a phone is encrypted: there is nothing to scan
            started = time.perf_counter()
            page(scan(query))
            scans.append((time.perf_counter() - started) * 1000)
        found = selectors.residents(actor=user, query=queries[0]).count()
        baseline = f"  scan p50 {statistics.median(scans):7.1f} p99 {percentile(scans, 0.99):7.1f} ms" if scans else ""
        print(
            f"{label:<26} p50 {statistics.median(times):6.1f} p99 {percentile(times, 0.99):6.1f} ms{baseline}"
            f"  ({queries[0]!r} finds {found:,})"
        )


def selectors_columns() -> list:
    from shequ.residents.importers import COLUMNS

    return COLUMNS


def sample_rows(rows: int, count: int) -> list[list[str]]:
    wanted = set(random.Random(4).sample(range(rows), min(count, rows)))
    return [row for n, row in enumerate(roster_rows(rows)) if n - 1 in wanted]


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
