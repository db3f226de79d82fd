from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.services import DATA_DIR, load_boundaries


class Command(BaseCommand):
    help = "Attach district polygons from a GeoJSON file whose features carry an `adcode` property."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=DATA_DIR / "shenyang_districts.geojson")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        changed = load_boundaries(actor=None, geojson_path=path)
        self.stdout.write(f"{changed} boundaries updated")
