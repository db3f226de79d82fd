from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.demo.services import (
    DEMO_PASSWORD,
    load_demo,
    load_demo_cases,
    load_demo_programmes,
    load_demo_residents,
    load_demo_resources,
)


class Command(BaseCommand):
    help = "Create demo grids, one account per role and synthetic residents on the loaded city (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="2101")
        parser.add_argument("--quiet", action="store_true", help="do not print the accounts")
        parser.add_argument("--communities", type=int, default=4, help="communities given synthetic residents")
        parser.add_argument("--people", type=int, default=300, help="residents per community")
        parser.add_argument(
            "--area",
            default="",
            help="give residents to every community under this area code instead (e.g. 210100000000 with "
            "--people 3370 makes Shenyang's 9.1 million; hours, for benchmarks)",
        )

    def handle(
        self, *args: Any, city: str, quiet: bool, communities: int, people: int, area: str, **options: Any
    ) -> None:
        translation.activate("zh-hans")
        rows = load_demo(city_code=city)
        street = User.objects.get(username="demo-street").grants.get().area
        chosen = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:communities])
        if area:
            root = Area.objects.get(code=area)
            chosen = list(Area.objects.filter(path__startswith=root.path, level=Level.COMMUNITY).order_by("code"))
        created = load_demo_residents(communities=chosen, people_per_community=people)
        facilities = load_demo_resources(communities=chosen)
        cases = load_demo_cases() if chosen else 0  # cases need residents to file for
        programmes = load_demo_programmes(communities=chosen)
        if quiet:
            return
        self.stdout.write(
            f"\n{created} synthetic residents, {facilities} facilities and {cases} cases added in "
            f"{len(chosen)} communities"
        )
        if programmes:
            self.stdout.write("programmes: " + ", ".join(f"{key} {value}" for key, value in programmes.items()))
        self.stdout.write(f"\n演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})")
        for row in rows:
            self.stdout.write(f"  {row['username']:<18} {row['role']:<10} {row['area']}")
        resident = User.objects.get(username="demo-resident")
        self.stdout.write(
            f"\n居民门户 Resident portal: /portal/  手机号 phone {resident.phone}"
            "（验证码 one-time code: /outbox/dev/ 或控制台 or the console）"
        )
