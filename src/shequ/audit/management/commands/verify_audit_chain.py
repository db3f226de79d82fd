from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequ.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; name the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.first_broken_id}: {report.reason} "
                f"({report.checked} events before it are intact)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events"))
