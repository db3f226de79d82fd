"""Import jobs: one uploaded file, checked completely, then written completely or not at all."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import AreaScopedModel
from shequ.privacy.sealed import SealedBinaryField


def upload_storage() -> Storage:
    """Where uploads wait for their job: var/imports (a volume every worker machine shares)."""
    return FileSystemStorage(location=settings.VAR_DIR / "imports")


def upload_name(job: ImportJob, filename: str) -> str:
    # Never the user's file name: it may carry a person's name, and it is not needed to find the file.
    return uuid.uuid4().hex


class ImportJob(AreaScopedModel):
    """One upload of a file of one kind (a registered importer) into one area: checked completely,
    then written completely or not at all. The file is kept, sealed, so the job can run in the
    background and be rerun after a crash or a failure; the file and the error report are purged after
    SHEQU_IMPORT_RETENTION_DAYS, the counts and the message stay."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing")
        REJECTED = "rejected", _("Rejected: see the error report")
        DONE = "done", _("Imported")
        # Anything unexpected in the check or the write: nothing was written, the file is kept and the
        # job can be run again.
        FAILED = "failed", _("Failed: an error occurred; nothing was imported")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    # The uploaded file, sealed (privacy.sealed, bound to the job) under a random name, kept until the
    # job has finished so that the background worker can read it as a stream and a crashed or failed
    # job can be run again.
    file = models.FileField(storage=upload_storage, upload_to=upload_name, max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    # The error report holds the bad rows' cells (personal data): sealed like the personal fields.
    report = SealedBinaryField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When the retention period removed the file and the report (services.imports_purge).
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CHECKING, self.Status.WRITING)

    @property
    def file_context(self) -> str:
        """What the sealed upload is bound to: this job (a file moved to another job does not open)."""
        return f"imports.importjob.file:{self.pk}"
