from typing import Any

from django.core.management.base import BaseCommand

from shequ.programmes.eldercare.reference import eldercare_reference_load


class Command(BaseCommand):
    help = "Load the retrofit items and the plan's retrofit targets (after load_areas; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        added = eldercare_reference_load()
        self.stdout.write(f"{added['items']} retrofit items, {added['targets']} targets added")
