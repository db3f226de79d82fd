from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shequ.reference.services import DATA_DIR, calendar_seed, facility_types_load, tag_types_load


class Command(BaseCommand):
    help = (
        "Seed the editable reference data of the base databases: the facility-type catalogue and the "
        "special-group tags, and the working-day calendar (last year to next year, from the holidays "
        "package). Entries already present keep their edits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility-types", type=Path, default=DATA_DIR / "facility_types.csv")
        parser.add_argument("--tag-types", type=Path, default=DATA_DIR / "tag_types.csv")

    def handle(self, *args: Any, facility_types: Path, tag_types: Path, **options: Any) -> None:
        for path in (facility_types, tag_types):
            if not path.exists():
                raise CommandError(f"no such file: {path}")
        added_facilities = facility_types_load(actor=None, path=facility_types)
        added_tags = tag_types_load(actor=None, path=tag_types)
        year = timezone.localdate().year
        added_days = calendar_seed(actor=None, years=range(year - 1, year + 2))
        self.stdout.write(
            f"{added_facilities} facility types, {added_tags} tag types and {added_days} calendar days added"
        )
