import sys
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shequ.accounts.models import User
from shequ.imports.models import ImportJob
from shequ.imports.services import import_create, import_run
from shequ.imports.workers import yield_to_web


class Command(BaseCommand):
    help = "Import a resident roster (.xlsx or CSV) into a community, with a progress bar. --job reruns a job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument("--community", help="12-digit community code")
        parser.add_argument("--as-user", dest="username", help="the account the import is made as")
        parser.add_argument("--job", type=int, help="rerun (finish) an existing job, e.g. after a crash")

    def handle(
        self,
        *args: Any,
        file: Path | None,
        community: str | None,
        username: str | None,
        job: int | None,
        **options: Any,
    ) -> None:
        if job is None:
            if not (file and community and username):
                raise CommandError("give FILE --community CODE --as-user NAME, or --job ID")
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no account {username}")
            with open(file, "rb") as handle, transaction.atomic():
                created = import_create(
                    actor=user,
                    kind="residents",
                    area_code=community,
                    filename=file.name,
                    content=File(handle),
                    background=False,
                )
            job = created.pk
        yield_to_web()
        result = import_run(job_id=job, progress=self._bar)
        sys.stderr.write("\n")
        self.stdout.write(f"job {result.pk}: {result.get_status_display()} — {result.message}")
        if result.status == ImportJob.Status.REJECTED:
            raise CommandError("rejected; the error report is on the import page")

    def _bar(self, phase: str, done: int, total: int) -> None:
        width = 40
        filled = int(width * done / total) if total else 0
        count = f"{done}/{total}" if total else f"{done}"
        sys.stderr.write(f"\r{phase:<9} [{'#' * filled}{'.' * (width - filled)}] {count}")
        sys.stderr.flush()
