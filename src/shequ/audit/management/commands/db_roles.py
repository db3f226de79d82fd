import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shequ.audit.roles import runtime_role_grant, use_owner_connection


class Command(BaseCommand):
    help = (
        "PostgreSQL: create or update the application's runtime role and grant it its rights (every table, "
        "but only INSERT and SELECT on audit events). Runs as the owner (SHEQU_MIGRATE_DATABASE_URL); run "
        "it again after migrations. See docs/deploy.md, 'Database roles'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", required=True, help="the runtime role, e.g. shequ_app")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="set the role's password from this environment variable (never on the command line)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        use_owner_connection()
        if connection.vendor != "postgresql":
            raise CommandError("db_roles: PostgreSQL only (SQLite has no roles)")
        password = None
        if options["password_env"]:
            password = os.environ.get(options["password_env"])
            if not password:
                raise CommandError(f"--password-env: {options['password_env']} is not set")
        try:
            with connection.cursor() as cursor:
                runtime_role_grant(cursor=cursor, role=options["app_role"], password=password)
        except ValueError as exc:
            raise CommandError(f"--app-{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"role {options['app_role']}: runtime rights granted"))
