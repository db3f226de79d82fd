from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequ.audit.services import ChainBroken, checkpoint_path, checkpoint_write


class Command(BaseCommand):
    help = (
        "Verify the audit trail and append a signed checkpoint of its end to SHEQU_AUDIT_CHECKPOINT_FILE; "
        "prints the checkpoint line for the auditor to keep. The scheduler runs this every "
        "SHEQU_AUDIT_CHECKPOINT_MINUTES."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = checkpoint_write()
        except ChainBroken as broken:
            raise CommandError(
                f"audit chain broken at event #{broken.report.first_broken_id}: {broken.report.reason}; "
                "no checkpoint written"
            ) from None
        self.stderr.write(f"checkpoint of {checkpoint.count} events appended to {checkpoint_path()}")
        self.stdout.write(checkpoint.line())
