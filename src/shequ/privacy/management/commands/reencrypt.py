from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequ.privacy.services import reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value to the current key version (SHEQU_ENCRYPTION_KEY_VERSION). "
        "Safe to interrupt and rerun; keep the old key configured until this has finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        for label, count in reencrypt_all(batch_size=batch_size).items():
            self.stdout.write(f"{label}: {count} values re-encrypted")
