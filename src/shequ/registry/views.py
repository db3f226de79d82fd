from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.access import has_capability, require_capability
from shequ.accounts.forms import RevealForm
from shequ.accounts.roles import Capability
from shequ.areas.models import Area, Level
from shequ.tasks import start_import

from . import resources, selectors, services
from .forms import (
    ExportForm,
    FacilityForm,
    FacilityTypeForm,
    ImportForm,
    LeaveForm,
    PersonForm,
    ResidentFilterForm,
    TagForm,
)
from .importing import import_create, job_progress
from .models import Person, TagType
from .roster import template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_errors(form) -> str:
    """A form's errors as one message naming each field, for pages that answer with a redirect."""
    return "；".join(f"{form.fields[k].label if k in form.fields else ''}：{v[0]}" for k, v in form.errors.items())


def _tag_choices():
    computed = [
        ("age60", _("Aged 60 and over")),
        ("age80", _("Aged 80 and over")),
        ("alone", _("Living alone")),
        ("minor", _("Minors")),
    ]
    return computed + list(TagType.objects.filter(is_active=True).values_list("code", "name"))


def _filtered(request):
    form = ResidentFilterForm(request.GET or None, tag_choices=_tag_choices())
    data = form.cleaned_data if form.is_valid() else {}
    people = selectors.residents(
        actor=request.user, query=data.get("q", ""), tags=data.get("tag", []), area_code=data.get("area", "")
    )
    return form, people


@login_required
def resident_list(request):
    require_capability(request.user, Capability.REGISTRY_READ)
    form, people = _filtered(request)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/resident_list.html",
        {
            "form": form,
            "page": page,
            "export_form": ExportForm(),
            "can_reveal": has_capability(request.user, Capability.PERSONAL_REVEAL),
        "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_new(request):
    """Register one resident without a roster file."""
    require_capability(request.user, Capability.REGISTRY_EDIT)
    communities = selectors.editable_communities(actor=request.user)[:3000]
    form = PersonForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["moved_in_on"] = data["moved_in_on"].isoformat() if data["moved_in_on"] else ""
        try:
            person = services.person_register(actor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:resident", person_id=person.pk)
    return render(request, "registry/resident_new.html", {"form": form})


@login_required
@require_POST
def resident_export(request):
    require_capability(request.user, Capability.REGISTRY_READ)
    _form, people = _filtered(request)
    export = ExportForm(request.POST)
    reason = export.cleaned_data["reason"] if export.is_valid() else ""
    try:
        content = services.residents_export(actor=request.user, people=people, reveal_reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{request.path.rsplit('export/', 1)[0]}?{request.GET.urlencode()}")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="residents.xlsx"'
    return response


@login_required
def resident_detail(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "person": person,
            "history": person.changes.order_by("at"),
            "tags": person.tags.select_related("tag"),
            "reveal_form": RevealForm(),
            "leave_form": LeaveForm(),
            "tag_form": TagForm(tag_types=TagType.objects.filter(is_active=True)),
            "can_edit": Person.objects.visible_to(request.user, Capability.REGISTRY_EDIT).filter(pk=person.pk).exists(),
        },
    )


@login_required
@require_POST
def resident_leave(request, person_id: int):
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.person_leave(actor=request.user, person_id=person_id, **form.cleaned_data)
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("registry:resident", person_id=person_id)


@login_required
@require_POST
def resident_tag_add(request, person_id: int):
    form = TagForm(request.POST, tag_types=TagType.objects.filter(is_active=True))
    if form.is_valid():
        try:
            services.tag_add(actor=request.user, person_id=person_id, **form.cleaned_data)
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        selectors.person_get(actor=request.user, person_id=person_id)  # 404 before saying anything more
        messages.error(request, _form_errors(form))
    return redirect("registry:resident", person_id=person_id)


@login_required
def household_detail(request, household_id: int):
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    return render(request, "registry/household.html", {"household": household, "members": members})


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    require_capability(request.user, Capability.REGISTRY_EDIT)
    communities = selectors.editable_communities(actor=request.user)[:3000]
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_create(
            actor=request.user,
            community_code=form.cleaned_data["community"],
            filename=upload.name,
            content=upload.read(),
        )
        transaction.on_commit(lambda: start_import(job.pk))
        return redirect("registry:import_job", job_id=job.pk)
    jobs = selectors.import_jobs(actor=request.user)[:20]
    return render(request, "registry/imports.html", {"form": form, "jobs": jobs})


@login_required
def import_job(request, job_id: int):
    """The job page; with htmx, only the status block (polled every second while the job runs)."""
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    context = {"job": job, "progress": job_progress(job)}
    template = "registry/_job_status.html" if request.headers.get("HX-Request") else "registry/import_job.html"
    return render(request, template, context)


@login_required
def import_report(request, job_id: int):
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    report = selectors.import_jobs(actor=request.user).filter(pk=job.pk).values_list("report", flat=True).first()
    if not report:
        return redirect("registry:import_job", job_id=job.pk)
    response = HttpResponse(bytes(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
    return response


@login_required
def import_template(request):
    require_capability(request.user, Capability.REGISTRY_EDIT)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
def digitisation(request):
    require_capability(request.user, Capability.REGISTRY_READ)
    from shequ.areas.selectors import area_roots

    code = request.GET.get("area") or next((a.code for a in area_roots(actor=request.user)), "")
    result = selectors.digitisation(actor=request.user, area_code=code[:20])
    return render(request, "registry/digitisation.html", {"result": result})


@login_required
@require_http_methods(["GET", "POST"])
def facility_map(request):
    """The resource pool on a map (district outlines and points; no tile server needed) and as a list."""
    require_capability(request.user, Capability.AREA_READ)
    types = list(selectors.facility_types())
    type_code = request.GET.get("type", "")[:60]
    rows = selectors.facilities(actor=request.user, type_code=type_code)
    can_edit = has_capability(request.user, Capability.REGISTRY_EDIT)
    form = FacilityForm(request.POST or None, types=types) if can_edit else None
    if request.method == "POST":
        require_capability(request.user, Capability.REGISTRY_EDIT)
        if form.is_valid():
            try:
                facility = resources.facility_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Facility %(name)s added.") % {"name": facility.name})
                return redirect("registry:facilities")
    points = [
        {"name": f.name, "type": f.type.name, "lon": f.lon, "lat": f.lat, "area": f.area.name} for f in rows[:5000]
    ]
    outlines = [
        {"name": a.name, "geometry": a.boundary}
        for a in Area.objects.visible_to(request.user).filter(level=Level.DISTRICT, boundary__isnull=False)
    ] or [{"name": a.name, "geometry": a.boundary} for a in selectors.district_outlines_around(actor=request.user)]
    return render(
        request,
        "registry/facilities.html",
        {
            "types": types,
            "type_code": type_code,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "map_data": {"points": points, "outlines": outlines},
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_types(request):
    """The facility-type catalogue; city administrators edit it here (reference data, not code)."""
    require_capability(request.user, Capability.AREA_READ)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    if request.method == "POST":
        require_capability(request.user, Capability.REFERENCE_EDIT)
        form = FacilityTypeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                resources.facility_type_update(actor=request.user, code=data.pop("code"), **data)
                messages.success(request, _("Saved."))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        else:
            messages.error(request, _form_errors(form))
        return redirect("registry:facility_types")
    types = list(selectors.facility_types(include_inactive=True))

    def edit_form(t):
        initial = {
            "code": t.code,
            "name": t.name,
            "circle_level": t.circle_level,
            "required": t.required,
            "service_radius_m": t.service_radius_m,
            "is_active": t.is_active,
        }
        return FacilityTypeForm(initial=initial, auto_id=f"id_{t.code}_%s")  # one form per row, unique ids

    rows = [(t, edit_form(t) if can_edit else None) for t in types]
    return render(request, "registry/facility_types.html", {"rows": rows, "can_edit": can_edit})
