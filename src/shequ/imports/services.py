"""Import jobs: registering an upload, and running it in two phases.

Check phase (no transaction held): the file is read as a stream in chunks; the importer checks each
chunk and keeps what the write needs (a staging table); bad rows are kept for the error report (at
most ``MAX_REPORTED_ROWS``), so memory does not grow with the file. Write phase: only if no row is
bad, the importer writes everything in one transaction with the audit event. A file with any bad row
changes nothing; killing the process mid-way leaves the database as it was, and running the job again
finishes it. Any other error marks the job failed (nothing written, the file kept) and it can be run
again. No write transaction is held while the file is read, checked or its report built: on SQLite
that would lock every other writer (sign-ins) out for as long as the file takes.

The upload is stored sealed (privacy.sealed, bound to the job) and deleted once the job has finished;
the error report is sealed in the database; both are purged after SHEQU_IMPORT_RETENTION_DAYS.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import multiprocessing
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from itertools import chain, islice
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.audit.services import record_event
from shequ.lib.scoping import get_visible_or_404
from shequ.lib.tabular import (
    Column,
    Importer,
    TableFileError,
    TableRow,
    error_report,
    map_header,
    read_table,
    table_rows,
)
from shequ.privacy.sealed import SealedFile, open_sealed

from . import selectors
from .models import ImportJob
from .registry import importer_for
from .workers import prepare as workers_prepare
from .workers import start as workers_start

Progress = Callable[[str, int, int], None]  # phase, done, total
CHUNK = 5000
# The error report lists at most this many bad rows (the message says how many there were in all).
MAX_REPORTED_ROWS = 50_000
MAX_WORKERS = 4  # processes that prepare chunks of a big file
UPLOAD_SUFFIXES = (".xlsx", ".csv")

logger = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"shequ:import:{job_id}:progress"


def job_progress(job: ImportJob) -> dict[str, Any]:
    """What the page shows while a job runs (kept in the cache: the write transaction hides it)."""
    return cache.get(progress_key(job.pk)) or {"phase": job.status, "done": 0, "total": job.total_rows}


def check_upload(*, filename: str, size: int) -> None:
    """The checks every upload passes, on the page and through the API alike: a type the reader knows
    (by name; the reader then checks the content) and at most SHEQU_IMPORT_MAX_UPLOAD_BYTES."""
    limit = int(settings.SHEQU_IMPORT_MAX_UPLOAD_BYTES)
    if size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(max)d MB; split it.") % {"max": limit // (1024 * 1024)}}
        )
    if not filename.lower().endswith(UPLOAD_SUFFIXES):
        raise ValidationError({"file": _("Upload an .xlsx or .csv file.")})


class _Hashing:
    """A file read through once: its SHA-256 is known when the read ends (the file is sealed in the
    same pass)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.source.read(size)
        self.digest.update(block)
        return block


@transaction.atomic
def import_create(
    *,
    actor: User,
    kind: str,
    area_code: str,
    filename: str,
    content: bytes | File,
    background: bool = True,
) -> ImportJob:
    """Register an upload of ``kind`` for an area where the actor may import it, and queue it for the
    background worker once this transaction has committed (``background=False``: the caller runs
    ``import_run`` itself, as the command line does to show a progress bar). ``content`` is the file's
    bytes or an open file (an upload is sealed to storage in blocks, never read whole or stored in
    clear). A file of the wrong type or size is a ValidationError on ``file``."""
    from .tasks import start_import

    try:
        importer = importer_for(kind)
    except KeyError:
        raise Http404 from None
    # An area outside the actor's reach is a 404, whether or not it exists: nothing to probe.
    area = get_visible_or_404(
        Area.objects.visible_to(actor, importer.capability).filter(level__in=importer.area_levels), code=area_code
    )
    upload = ContentFile(content) if isinstance(content, bytes) else content
    check_upload(filename=filename, size=upload.size or 0)
    job = ImportJob.objects.create(
        area=area,
        kind=kind,
        actor=actor,
        # A file name is shown on pages: printable characters only (PostgreSQL cannot even store NUL).
        filename="".join(ch for ch in filename if ch.isprintable())[:200] or "upload",
    )
    upload.seek(0)
    source = _Hashing(upload)
    job.file.save("upload", SealedFile(source, context=job.file_context), save=False)  # type: ignore[arg-type]
    job.sha256 = source.digest.hexdigest()
    job.save(update_fields=["file", "sha256"])
    record_event(actor=actor, action="imports.upload", obj=job, data={"kind": kind, "bytes": upload.size or 0})
    if background:
        transaction.on_commit(lambda: start_import(job.pk))
    return job


def _set_status(job: ImportJob, status: str, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, **fields)
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)


def _parts(rows: Iterator[list[str]], size: int) -> Iterator[tuple[int, list[list[str]]]]:
    """The file's data lines in parts of ``size``, each with the row number of its first line."""
    number = 2
    while part := list(islice(rows, size)):
        yield number, part
        number += len(part)


def _prepared(
    importer: Importer, context: Any, mapping: dict[int, Column], parts: Iterator[tuple[int, list[list[str]]]]
) -> Iterator[list[TableRow]]:
    """The parts made into rows and run through ``importer.prepare``, in order. A file of one part is
    prepared here; a bigger one by fresh processes, one per core, while this process only reads the
    file and does the database work, with a few parts in flight so memory stays flat."""
    first = next(parts, None)
    if first is None:
        return
    second = next(parts, None)
    if second is None:
        yield workers_prepare(importer.kind, context, mapping, *first)
        return
    workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS))
    # "spawn": a clean interpreter, never a copy of this one's database connection or threads. A worker
    # that dies breaks the pool (BrokenProcessPool): the job fails and can be run again.
    with ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=workers_start
    ) as pool:
        pending: deque[Future[list[TableRow]]] = deque()
        for number, cells in chain([first, second], parts):
            pending.append(pool.submit(workers_prepare, importer.kind, context, mapping, number, cells))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def import_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Check and write one import job. Safe to call again on a job that crashed or failed. Any error
    but a refused file marks the job failed, with nothing written (the write is one transaction)."""
    job = ImportJob.objects.select_related("area", "actor").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REJECTED):
        return job
    try:
        return _run(job, progress)
    except Exception as exc:
        return _fail(job, exc)


def _run(job: ImportJob, progress: Progress | None) -> ImportJob:
    importer = importer_for(job.kind)

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job.pk), {"phase": phase, "done": done, "total": total}, 3600)
        if progress:
            progress(phase, done, total)

    _set_status(job, ImportJob.Status.CHECKING)
    header: list[str] = []
    total, bad_count = 0, 0
    bad_rows: list[TableRow] = []
    state = None
    if not job.file:  # purged after the retention period
        return _reject(
            job, header=[], rows=[], total=0, bad=0, message=_("The file is no longer kept; upload it again.")
        )
    try:
        with open_sealed(job.file.storage.open(job.file.name, "rb"), context=job.file_context) as source:
            try:
                header, raw_rows = read_table(source)
                mapping = map_header(header, importer.columns)
                state = importer.begin(area=job.area, actor=job.actor)
                parts = _parts(raw_rows, CHUNK)
                for chunk in _prepared(importer, importer.context(state), mapping, parts):
                    importer.check(state, chunk)
                    total += len(chunk)
                    bad = [row for row in chunk if row.errors]
                    bad_count += len(bad)
                    bad_rows += bad[: max(0, MAX_REPORTED_ROWS - len(bad_rows))]
                    report("checking", total, 0)
                if not total:
                    raise TableFileError(_("The file has no data rows."))
                # The whole file's errors; a file the importer refuses as a whole (TableFileError) gets a
                # report naming no row.
                later = importer.finish(state)
            except TableFileError as exc:
                return _reject(job, header=[], rows=[], total=total, bad=0, message=str(exc))
            if later:
                bad_count += len(later)
                bad_rows = _with_later_errors(source, mapping, bad_rows, later)
        if bad_count:
            message = _("%(bad)d of %(total)d rows have errors; nothing was imported.") % {
                "bad": bad_count,
                "total": total,
            }
            return _reject(job, header=header, rows=bad_rows, total=total, bad=bad_count, message=message)
        _set_status(job, ImportJob.Status.WRITING, total_rows=total)
        with transaction.atomic():
            counts = importer.write(
                actor=job.actor, area=job.area, state=state, progress=lambda done: report("writing", done, total)
            )
            record_event(actor=job.actor, action="imports.done", obj=job, data={"kind": job.kind, **counts})
    finally:
        if state is not None:
            importer.end(state)
    _set_status(
        job,
        ImportJob.Status.DONE,
        finished_at=timezone.now(),
        **counts,
        message=_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % counts,
    )
    _forget_file(job)
    report("done", total, total)
    return job


def _with_later_errors(
    source: IO[bytes], mapping: dict[int, Any], bad_rows: list[TableRow], later: dict[int, dict[str, str]]
) -> list[TableRow]:
    """The bad rows of the check, merged with those only the whole file showed (read again for their
    cells), in file order."""
    by_number = {row.number: row for row in bad_rows}
    wanted = set(sorted(later)[:MAX_REPORTED_ROWS])
    source.seek(0)
    _header, raw_rows = read_table(source)
    for row in table_rows(mapping, raw_rows):
        if row.number in wanted:
            by_number.setdefault(row.number, row).errors.update(later[row.number])
    return sorted(by_number.values(), key=lambda row: row.number)[:MAX_REPORTED_ROWS]


def _forget_file(job: ImportJob) -> None:
    """A finished job keeps its counts and error report, not the roster."""
    with suppress(OSError):
        job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")


def _reject(
    job: ImportJob, *, header: list[str], rows: list[TableRow], total: int, bad: int, message: str
) -> ImportJob:
    importer = importer_for(job.kind)
    # Built (streaming) before the transaction: the transaction only writes.
    report = error_report(header, importer.columns, rows, file_error="" if rows else message)
    with transaction.atomic():
        _set_status(
            job,
            ImportJob.Status.REJECTED,
            finished_at=timezone.now(),
            message=message[:300],
            total_rows=total,
            error_rows=bad,
            report=report,
        )
        record_event(
            actor=job.actor,
            action="imports.rejected",
            obj=job,
            data={"kind": job.kind, "rows": total, "error_rows": bad},
        )
    _forget_file(job)
    return job


def _fail(job: ImportJob, exc: Exception) -> ImportJob:
    """An unexpected error in the check or the write: nothing was written (the write is one
    transaction, and it has rolled back), the file is kept, and the job can be run again. The log names
    the error's type and where it was raised, never its message: a database error quotes the values."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    logger.error(
        "import job %s failed: %s.%s at %s:%s",
        job.pk,
        type(exc).__module__,
        type(exc).__qualname__,
        where.filename if where else "?",
        where.lineno if where else "?",
    )
    with transaction.atomic():
        _set_status(
            job,
            ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The import stopped on an error; nothing was imported. It can be run again."),
        )
        record_event(actor=job.actor, action="imports.failed", obj=job, data={"kind": job.kind})
    cache.delete(progress_key(job.pk))
    return job


@transaction.atomic
def import_retry(*, actor: User, job_id: int) -> ImportJob:
    """Queue a failed job again (its file is kept until the retention period ends)."""
    from .tasks import start_import

    job = selectors.import_job_get(actor=actor, job_id=job_id)
    if job.status != ImportJob.Status.FAILED:
        raise ValidationError(_("Only a job that failed can be run again."))
    _set_status(job, ImportJob.Status.PENDING)
    record_event(actor=actor, action="imports.retry", obj=job, data={"kind": job.kind})
    transaction.on_commit(lambda: start_import(job.pk))
    return job


@transaction.atomic
def import_report_download(*, actor: User, job_id: int) -> bytes | None:
    """The error report of a job the actor may see (see selectors.import_jobs), or None when there is
    none (or it was purged). Every download is an audit event: the report holds personal data."""
    job = selectors.import_job_get(actor=actor, job_id=job_id)
    report = selectors.import_report(job)
    if report is not None:
        record_event(actor=actor, action="imports.report_download", obj=job, data={"kind": job.kind})
    return report


def imports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploads and error reports of jobs uploaded more than SHEQU_IMPORT_RETENTION_DAYS ago
    (the job keeps its counts and message), and stray files in the upload folder as old (left by an
    upload whose transaction rolled back). Returns how many jobs were purged."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=int(settings.SHEQU_IMPORT_RETENTION_DAYS))
    purged = 0
    expired = ImportJob.objects.filter(created_at__lt=cutoff, purged_at__isnull=True).exclude(
        file="", report__isnull=True
    )
    for job in expired.only("pk", "file", "kind", "area").select_related("area").iterator():
        with transaction.atomic():
            _forget_file(job)
            ImportJob.objects.filter(pk=job.pk).update(report=None, purged_at=timezone.now())
            record_event(actor=None, action="imports.purged", obj=job, data={"kind": job.kind})
        purged += 1
    _purge_stray_files(cutoff)
    return purged


def _purge_stray_files(cutoff: datetime.datetime) -> None:
    storage = ImportJob._meta.get_field("file").storage
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:
        return
    kept = set(ImportJob.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        if name not in kept and storage.get_modified_time(name) < cutoff:
            with suppress(OSError):
                storage.delete(name)
