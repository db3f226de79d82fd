from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shequ.registry.resources import DATA_DIR, facility_types_load


class Command(BaseCommand):
    help = "Seed the facility-type catalogue from a CSV (types already present keep their edits)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DATA_DIR / "facility_types.csv")

    def handle(self, *args, path, **options):
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        self.stdout.write(f"{facility_types_load(actor=None, path=path)} facility types added")
