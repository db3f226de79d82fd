from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.audit.services import Checkpoint, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail: recompute every link of every stripe and compare with the last checkpoint "
        "(or the one given). Exits non-zero, naming the first broken event, when it does not verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="LINE",
            help="a checkpoint line as printed by audit_checkpoint (the auditor's own copy) instead of the file's last",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["checkpoint"]:
            try:
                checkpoint = Checkpoint.parse(options["checkpoint"])
            except ValueError as exc:
                raise CommandError(f"--checkpoint: {exc}") from None
        report = verify_chain(checkpoint=checkpoint)
        if not report.ok:
            where = f" at event #{report.first_broken_id}" if report.first_broken_id else ""
            raise CommandError(
                f"audit chain broken{where}: {report.reason} ({report.checked} events checked before it)"
            )
        against = (
            f", up to the checkpoint of {report.checkpoint.at.isoformat(timespec='seconds')} "
            f"({report.checkpoint.count} events)"
            if report.checkpoint
            else ", no checkpoint yet"
        )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events{against}"))
