from typing import Any

from django.core.management.commands import migrate

from shequ.audit.roles import use_owner_connection


class Command(migrate.Command):
    """Django's migrate, run as the tables' owner when SHEQU_MIGRATE_DATABASE_URL is set: the
    application's own role (SHEQU_DATABASE_URL) cannot alter tables (docs/deploy.md, "Database roles")."""

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] == "default" and use_owner_connection():
            self.stderr.write("migrate: running as the owner role of SHEQU_MIGRATE_DATABASE_URL")
        super().handle(*args, **options)
