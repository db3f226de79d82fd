from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from shequ.imports.services import imports_purge


class Command(BaseCommand):
    help = (
        "Delete the uploaded files and error reports of import jobs older than SHEQU_IMPORT_RETENTION_DAYS "
        "(the jobs keep their counts and messages). Celery beat runs this daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = imports_purge()
        days = settings.SHEQU_IMPORT_RETENTION_DAYS
        self.stdout.write(f"{purged} import jobs older than {days} days purged")
