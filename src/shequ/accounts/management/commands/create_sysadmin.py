import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shequ.accounts.services import sysadmin_bootstrap


class Command(BaseCommand):
    help = "Create a system administrator over a loaded city (asks for the password)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--city", default="2101", help="4-digit city code")

    def handle(self, *args, username, city, **options):
        password = getpass.getpass("Password: ")
        try:
            sysadmin_bootstrap(username=username, password=password, area_code=city.ljust(12, "0"))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"system administrator {username} ready"))
