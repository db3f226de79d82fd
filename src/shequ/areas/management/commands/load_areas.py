from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.services import DATA_DIR, load_divisions


class Command(BaseCommand):
    help = (
        "Load one city's division tree (city, districts, streets, communities/villages) from the national "
        "NBS files. Running it again changes nothing unless the files changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="2101", help="4-digit city code, e.g. 2101 沈阳市, 2102 大连市")
        parser.add_argument("--source", type=Path, default=DATA_DIR, help="folder with the division CSV files")

    def handle(self, *args: Any, city: str, source: Path, **options: Any) -> None:
        if not (city.isdigit() and len(city) in (4, 6, 12)):
            raise CommandError("--city takes the city's 4-digit code, e.g. 2101")
        try:
            report = load_divisions(actor=None, city_code=city[:4], source=source)
        except (ValidationError, FileNotFoundError) as exc:
            raise CommandError(str(exc.messages[0] if isinstance(exc, ValidationError) else exc)) from exc
        self.stdout.write(
            f"city {city[:4]}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.other_codes} other-system codes"
        )
