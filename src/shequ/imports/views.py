from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.areas.widgets import label_picker
from shequ.lib.feedback import errors_text, submit
from shequ.lib.scoping import require_capability
from shequ.lib.tabular import Importer, template_workbook, xlsx_response

from . import selectors, services
from .forms import ImportForm
from .registry import importer_for


def _importer(kind: str) -> Importer:
    try:
        return importer_for(kind)
    except KeyError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    """Upload a file of one kind; the job runs in the background and its page shows the progress."""
    importer = _importer(kind)
    require_capability(request.user, importer.capability)
    areas = Area.objects.visible_to(request.user, importer.capability).filter(level__in=importer.area_levels)
    form = ImportForm(request.POST or None, request.FILES or None, areas=areas, levels=importer.area_levels)
    label_picker(form, "community", request.user)
    if request.method == "POST":
        job = submit(
            form,
            lambda data: services.import_create(
                actor=request.user,
                kind=kind,
                area_code=data["community"],
                filename=data["file"].name,
                content=data["file"],
            ),
        )
        if job is not None:
            return redirect("imports:job", job_id=job.pk)
    jobs = selectors.import_jobs(actor=request.user).filter(kind=kind)[:20]
    return render(request, "imports/imports.html", {"form": form, "jobs": jobs, "importer": importer})


@login_required
def template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    importer = _importer(kind)
    require_capability(request.user, importer.capability)
    return xlsx_response(template_workbook(importer.columns, str(importer.label)), f"{kind}-template.xlsx")


@login_required
def job(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponseBase:
    """The job page; with htmx, only the status block (polled every second while the job runs)."""
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    context = {
        "job": job,
        "progress": services.job_progress(job),
        "importer": _importer(job.kind),
        "retention_days": settings.SHEQU_IMPORT_RETENTION_DAYS,
    }
    template = "imports/_job_status.html" if request.headers.get("HX-Request") else "imports/import_job.html"
    return render(request, template, context)


@login_required
def report(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponseBase:
    content = services.import_report_download(actor=request.user, job_id=job_id)
    if not content:
        return redirect("imports:job", job_id=job_id)
    return xlsx_response(content, f"import-{job_id}-errors.xlsx")


@login_required
@require_http_methods(["POST"])
def retry(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponseBase:
    """Run a failed job again (its file is still kept)."""
    try:
        services.import_retry(actor=request.user, job_id=job_id)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("imports:job", job_id=job_id)
