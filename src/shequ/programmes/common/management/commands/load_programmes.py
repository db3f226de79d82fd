from typing import Any

from django.core.management.base import BaseCommand

from shequ.programmes.common.seeding import load_programmes


class Command(BaseCommand):
    help = (
        "Load the programmes each programme app ships (rules, benefits, visit rules); keeps an administrator's edits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_programmes()
        self.stdout.write(f"programmes: {created} created")
