import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts.services import sysadmin_bootstrap


class Command(BaseCommand):
    help = (
        "Create the first or the second system administrator over a loaded city (asks for the password); "
        "further ones are granted in the application."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--city", default="2101", help="4-digit city code")

    def handle(self, *args: Any, username: str, city: str, **options: Any) -> None:
        password = getpass.getpass("Password: ")
        try:
            sysadmin_bootstrap(username=username, password=password, area_code=city.ljust(12, "0"))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"system administrator {username} ready"))
