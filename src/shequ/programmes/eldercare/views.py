"""The eldercare pages: the grid worker's visits on a phone and the record form, the overdue visits for
those who supervise them, the basic service list, retrofits with their stages and photos, family care
beds with their visits, and the figures by area. Thin: reads are ``selectors``, writes ``services`` (or
the core's); out of reach is a 404, a role without eldercare is "no permission"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import add_errors, errors_text, submit, submit_and_flash
from shequ.lib.scoping import require_capability
from shequ.programmes.common import access
from shequ.programmes.common import services as core_services
from shequ.programmes.common.selectors import per_child_area

from . import selectors, services
from .forms import (
    BedForm,
    BedPlanForm,
    BedVisitForm,
    PhotoForm,
    StageForm,
    StartForm,
    TargetForm,
    VisitRecordForm,
    plan_text,
)
from .models import RetrofitStage, RetrofitTarget

PAGE_SIZE = 50


# ---- care visits ---------------------------------------------------------------------------------------


@login_required
@require_GET
def visits(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The grid worker's phone list: their open visits, overdue first, then today's, then the coming ones."""
    selectors.require_eldercare(request.user)
    today = timezone.localdate()
    rows = list(selectors.my_visits(actor=request.user)[:200])
    return render(
        request,
        "eldercare/visits.html",
        {
            "overdue": [v for v in rows if v.due_on < today],
            "today_rows": [v for v in rows if v.due_on == today],
            "coming": [v for v in rows if v.due_on > today],
            "summary": selectors.visits_summary(actor=request.user, on=today),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponseBase:
    """One visit and, for its worker, the record form (outcome, note, the phone's position)."""
    selectors.require_eldercare(request.user)
    found = selectors.visit_get(actor=request.user, visit_id=visit_id)
    form = VisitRecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                core_services.visit_record(
                    actor=request.user,
                    visit_id=found.pk,
                    outcome=data["outcome"],
                    note=data["note"],
                    lon=data["lon"],
                    lat=data["lat"],
                )
            except ValidationError as refused:
                add_errors(form, refused)
            else:
                messages.success(request, _("Visit recorded."))
                return redirect("eldercare:visits")
        messages.error(request, errors_text(form))
        status = 400
    return render(
        request,
        "eldercare/visit.html",
        {
            "visit": found,
            "form": form if found.done_at is None else None,
            "mine": request.user.pk in (found.assigned_to_id, found.enrolment.carer_id),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_GET
def overdue(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Overdue visits in the reader's area, each flagged past its grace days and whether escalated."""
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    today = timezone.localdate()
    rows = selectors.overdue_visits(actor=request.user, area_code=request.GET.get("area", ""), on=today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    marked = [(v, (today - v.due_on).days, selectors.grace_passed(v, today)) for v in page.object_list]
    return render(request, "eldercare/overdue.html", {"page": page, "rows": marked, "today": today})


# ---- the basic service list -----------------------------------------------------------------------------


@login_required
@require_GET
def service_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return render(request, "eldercare/service_list.html", {"programmes": selectors.service_list(actor=request.user)})


# ---- retrofits -------------------------------------------------------------------------------------------


@login_required
@require_GET
def retrofits(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    selectors.require_eldercare(request.user)
    stage = request.GET.get("stage", "")
    rows = selectors.retrofit_projects(actor=request.user, stage=stage if stage in RetrofitStage.values else "")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_start = bool(selectors.eldercare_programmes(request.user, Capability.PROGRAMME_MANAGE))
    people = selectors.candidates(actor=request.user, code=services.RETROFIT) if may_start else []
    return render(
        request,
        "eldercare/retrofits.html",
        {"page": page, "stage": stage, "stages": RetrofitStage.choices, "candidates": people},
    )


@login_required
@require_POST
def retrofit_start(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    selectors.programme_of(request.user, services.RETROFIT, Capability.PROGRAMME_MANAGE)
    made: list[int] = []
    submit_and_flash(
        request,
        StartForm(request.POST),
        lambda d: made.append(services.retrofit_start(actor=request.user, person_id=d["person"]).pk),
        _("Retrofit opened: record the assessment next."),
    )
    if made:
        return redirect("eldercare:retrofit", project_id=made[0])
    return redirect("eldercare:retrofits")


def _item_choices() -> list[tuple[str, str]]:
    return [
        (item.code, f"{item.name}（{_('basic') if item.basic else _('optional')}）")
        for item in selectors.retrofit_items()
    ]


@login_required
@require_GET
def retrofit(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user)
    project = selectors.retrofit_get(actor=request.user, project_id=project_id)
    manage = selectors.may_manage(request.user, project.enrolment)
    stage_form = None
    if manage and project.stage != RetrofitStage.COMPLETED:
        basic = [i.code for i in selectors.retrofit_items() if i.basic]
        stage_form = StageForm(
            items=_item_choices(),
            initial={"stage": project.stage, "done_on": timezone.localdate(), "item_codes": basic},
        )
        if project.stage != RetrofitStage.ASSESSMENT:
            del stage_form.fields["item_codes"]
    steps = {step.stage: step for step in project.steps.select_related("done_by")}
    photos = list(project.photos.order_by("uploaded_at", "pk"))
    stages = [
        (value, label, steps.get(value), [p for p in photos if p.stage == value])
        for value, label in RetrofitStage.choices
        if value != RetrofitStage.COMPLETED
    ]
    return render(
        request,
        "eldercare/retrofit.html",
        {
            "project": project,
            "items": project.items.order_by("-basic", "ordering"),
            "stages": stages,
            "stage_form": stage_form,
            "photo_form": PhotoForm(initial={"stage": project.stage}) if manage else None,
            "manage": manage,
        },
    )


@login_required
@require_POST
def retrofit_stage(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    project = selectors.retrofit_get(actor=request.user, project_id=project_id)
    submit_and_flash(
        request,
        StageForm(request.POST, items=_item_choices()),
        lambda d: services.retrofit_stage_record(
            actor=request.user,
            project_id=project.pk,
            stage=d["stage"],
            done_on=d["done_on"],
            note=d["note"],
            item_codes=d.get("item_codes") or [],
        ),
        _("Stage recorded."),
    )
    return redirect("eldercare:retrofit", project_id=project.pk)


@login_required
@require_POST
def retrofit_photo(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    project = selectors.retrofit_get(actor=request.user, project_id=project_id)
    form = PhotoForm(request.POST, request.FILES)

    def write(data: dict[str, Any]) -> object:
        upload = data["photo"]
        return services.retrofit_photo_add(
            actor=request.user, project_id=project.pk, stage=data["stage"], upload=upload, filename=upload.name
        )

    submit_and_flash(request, form, write, _("Photo added."))
    return redirect("eldercare:retrofit", project_id=project.pk)


@login_required
@require_GET
def retrofit_photo_file(request: AuthenticatedHttpRequest, photo_id: int) -> HttpResponseBase:
    photo, stream = services.retrofit_photo_open(actor=request.user, photo_id=photo_id)
    response = FileResponse(stream, content_type=photo.content_type, filename=photo.filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def retrofit_target(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The plan's retrofit targets (reference data): the city administrator sets them with their source."""
    require_capability(request.user, Capability.REFERENCE_EDIT)
    form = TargetForm(request.POST or None)
    if request.method == "POST":
        saved = submit(form, lambda d: services.retrofit_target_save(actor=request.user, **d))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("eldercare:retrofit_target")
    targets = RetrofitTarget.objects.select_related("area").order_by("area__path", "-due_on")
    return render(
        request,
        "eldercare/retrofit_target.html",
        {"form": form, "targets": targets},
        status=400 if form.is_bound and form.errors else 200,
    )


# ---- family care beds -----------------------------------------------------------------------------------


@login_required
@require_GET
def beds(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    selectors.require_eldercare(request.user)
    page = Paginator(selectors.beds(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    may_open = bool(selectors.eldercare_programmes(request.user, Capability.PROGRAMME_MANAGE))
    return render(request, "eldercare/beds.html", {"page": page, "may_open": may_open})


@login_required
@require_http_methods(["GET", "POST"])
def bed_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    programme = selectors.programme_of(request.user, services.FAMILY_BED, Capability.PROGRAMME_MANAGE)
    people = selectors.candidates(actor=request.user, code=programme.code, limit=200)
    paths = access.programme_paths(request.user, programme, Capability.PROGRAMME_MANAGE)
    root = Area.objects.get(path=paths[0])
    form = BedForm(
        request.POST or None,
        people=[(p.pk, f"{p.name}（{p.area.name}）") for p in people],
        providers=selectors.providers_for(area=root),
        initial={"set_up_on": timezone.localdate(), "person": request.GET.get("person")},
    )
    if request.method == "POST":
        saved = submit(
            form,
            lambda d: services.family_bed_open(
                actor=request.user,
                person_id=d["person"],
                provider_id=d["provider"],
                set_up_on=d["set_up_on"],
                care_plan=d["care_plan"],
                note=d["note"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Family care bed set up."))
            return redirect("eldercare:bed", bed_id=saved.pk)
    return render(
        request, "eldercare/bed_new.html", {"form": form}, status=400 if form.is_bound and form.errors else 200
    )


@login_required
@require_GET
def bed(request: AuthenticatedHttpRequest, bed_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user)
    found = selectors.bed_get(actor=request.user, bed_id=bed_id)
    manage = selectors.may_manage(request.user, found.enrolment) and found.enrolment.state != "ended"
    month_start = timezone.localdate().replace(day=1)
    visits_rows = selectors.bed_visits(bed=found)
    return render(
        request,
        "eldercare/bed.html",
        {
            "bed": found,
            "visits": visits_rows[:100],
            "this_month": visits_rows.filter(at__date__gte=month_start).count(),
            "visit_form": BedVisitForm(initial={"at": timezone.localtime().replace(second=0, microsecond=0)})
            if manage
            else None,
            "plan_form": BedPlanForm(initial={"care_plan": plan_text(found.care_plan)}) if manage else None,
        },
    )


@login_required
@require_POST
def bed_visit(request: AuthenticatedHttpRequest, bed_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    found = selectors.bed_get(actor=request.user, bed_id=bed_id)
    submit_and_flash(
        request,
        BedVisitForm(request.POST),
        lambda d: services.bed_visit_record(actor=request.user, bed_id=found.pk, **d),
        _("Visit recorded."),
    )
    return redirect("eldercare:bed", bed_id=found.pk)


@login_required
@require_POST
def bed_plan(request: AuthenticatedHttpRequest, bed_id: int) -> HttpResponseBase:
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    found = selectors.bed_get(actor=request.user, bed_id=bed_id)
    submit_and_flash(
        request,
        BedPlanForm(request.POST),
        lambda d: services.bed_plan_update(actor=request.user, bed_id=found.pk, care_plan=d["care_plan"]),
        _("Care plan saved."),
    )
    return redirect("eldercare:bed", bed_id=found.pk)


# ---- figures ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def figures(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Care visits, retrofits and beds by child area, and the retrofits against the plan's target."""
    area = selectors.figures_area(actor=request.user, code=request.GET.get("area", ""))
    today = timezone.localdate()
    month_start = today.replace(day=1)
    total, rows = per_child_area(area, lambda path: selectors.area_figures(request.user, path, month_start, today))
    targets = selectors.retrofit_targets(area=area)
    target = targets[0] if targets else None
    reach = {
        p
        for programme in selectors.require_eldercare(request.user)
        for p in access.programme_paths(request.user, programme)
    }
    parent = area.parent if area.parent is not None and any(area.parent.path.startswith(p) for p in reach) else None
    names = [r.area.name for r in rows]
    retrofit_chart = {
        "categories": names,
        "series": [
            {"name": _("Completed"), "data": [r.values["retrofit_completed"] for r in rows]},
            {"name": _("Works"), "data": [r.values["retrofit_works"] for r in rows]},
            {"name": _("Waiting for assessment"), "data": [r.values["retrofit_assessment"] for r in rows]},
        ],
    }
    visit_chart = {
        "categories": names,
        "unit": "%",
        "series": [
            {"name": _("Visits made of those due this month (%)"), "data": [r.values["visits_rate"] for r in rows]}
        ],
    }
    progress = None
    if target is not None:
        # The target's own area's count (a district's completions against the city's target would mislead).
        done = selectors.retrofits_completed(target.area, today)
        progress = {"target": target, "done": done, "share": round(100 * done / target.households, 2)}
    return render(
        request,
        "eldercare/figures.html",
        {
            "area": area,
            "parent": parent,
            "total": total,
            "rows": rows,
            "retrofit_chart": retrofit_chart,
            "visit_chart": visit_chart,
            "progress": progress,
            "month": month_start,
        },
    )
