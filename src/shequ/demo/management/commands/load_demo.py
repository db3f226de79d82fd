from django.core.management.base import BaseCommand
from django.utils import translation

from shequ.demo.services import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create demo grids and one account per role on the loaded city (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--city", default="2101")
        parser.add_argument("--quiet", action="store_true", help="do not print the accounts")

    def handle(self, *args, city, quiet, **options):
        translation.activate("zh-hans")
        rows = load_demo(city_code=city)
        if quiet:
            return
        self.stdout.write(f"\n演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})")
        for row in rows:
            self.stdout.write(f"  {row['username']:<18} {row['role']:<10} {row['area']}")
