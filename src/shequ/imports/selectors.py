"""Reads of import jobs: a job, and its error report, is seen by those who hold the importer's
capability over the job's community (its staff, and the street, district and city officers above it).
The uploader sees it through that same capability: an account that lost its grant no longer sees the
jobs it uploaded (the rows are the community's, not the uploader's)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shequ.accounts.models import User
from shequ.lib.scoping import get_visible_or_404, granted_paths, paths_filter

from .models import ImportJob
from .registry import importers


def import_jobs(*, actor: User) -> QuerySet[ImportJob]:
    """Jobs of every kind in the areas where the actor holds that kind's import capability."""
    scope = Q(pk__in=[])
    for importer in importers():
        scope |= Q(kind=importer.kind) & paths_filter("area__path", granted_paths(actor, importer.capability))
    return ImportJob.objects.filter(scope).select_related("area").defer("report")


def import_job_get(*, actor: User, job_id: int) -> ImportJob:
    return get_visible_or_404(import_jobs(actor=actor), pk=job_id)


def import_report(job: ImportJob) -> bytes | None:
    """The error report of a job the caller has found visible (download it through
    ``services.import_report_download``, which audits it), or None."""
    report = ImportJob.objects.filter(pk=job.pk).values_list("report", flat=True).first()
    return bytes(report) if report else None
