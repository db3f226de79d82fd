from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.casework.catalogue import SEED_PATH, catalogue_load


class Command(BaseCommand):
    help = (
        "Seed the service catalogue (一网通办 service items) from a JSON file, each new item with its "
        "version 1. Items already present keep the administrator's edits; running it again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=SEED_PATH)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"no such file: {file}")
        try:
            added = catalogue_load(actor=None, path=file)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{added} service items added")
