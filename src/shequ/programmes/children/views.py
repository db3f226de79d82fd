"""The children's pages, under /programmes/children/: the figures of an area (stations, homes, childcare
places, care coverage) with their charts, the list of children lacking a visit this month, a child's
care record with its assessments, the carer's visits on the phone, and the targets. Thin: every read is
a selector, every write a service; out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area, Level
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import errors_text, submit, submit_and_flash
from shequ.lib.scoping import require_capability
from shequ.programmes.common import services as core_services

from . import selectors, services
from .forms import CATEGORY_LABELS, AssessmentForm, CategoryForm, TargetForm, VisitForm
from .models import CATEGORIES, CHILDREN_HOME, TARGET_CARE, TARGET_PLACES, TARGET_STATIONS, WOMEN_HOME, Need


def _figure_row(area: Area, values: dict[str, Any]) -> dict[str, Any]:
    care = values["care"]
    return {
        "area": area,
        "label": area.name,
        **values,
        "care": [(c, CATEGORY_LABELS[c], care[c]) for c in CATEGORIES] if care is not None else [],
    }


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The figures of an area and of each area below it (via ``per_child_area``), against the targets."""
    actor = request.user
    area = selectors.figures_area(actor=actor, code=request.GET.get("area", ""))
    care = selectors.reaches_care(actor, area)
    values, below = selectors.figures_by_area(area, care=care, names=True)
    total = _figure_row(area, values)
    rows = [_figure_row(row.area, row.values) for row in below]
    targets = selectors.targets()
    station_target = _float(getattr(targets.get(TARGET_STATIONS), "value", None))
    places_target = _float(getattr(targets.get(TARGET_PLACES), "value", None))
    names = [r["label"] for r in rows]
    target = _("Target")
    stations = _("Streets with a minor-protection station (%)")
    places = _("Childcare places per 1,000 people")
    coverage = _("Care coverage (%)")
    care_figures = total.get("care", [])
    charts = {
        "stations": {
            "title": stations,
            "categories": names,
            "series": [{"name": stations, "data": [r["stations"]["rate"] for r in rows]}],
            "unit": "%",
            "target": station_target,
            "target_label": target,
        },
        "places": {
            "title": places,
            "categories": names,
            "series": [{"name": places, "data": [r["places"]["per_1000"] for r in rows]}],
            "target": places_target,
            "target_label": target,
        },
        "care": {
            "title": coverage,
            "categories": [str(label) for _c, label, _fig in care_figures],
            "series": [{"name": coverage, "data": [fig["rate"] for _c, _label, fig in care_figures]}],
            "unit": "%",
            "target": _float(getattr(targets.get(TARGET_CARE), "value", None)),
            "target_label": target,
        },
    }
    parent = area.parent if area.parent is not None and area.parent.level >= Level.CITY else None
    if parent is not None and not Area.objects.visible_to(actor).filter(pk=parent.pk).exists():
        parent = None
    return render(
        request,
        "children/index.html",
        {
            "area": area,
            "parent": parent,
            "total": total,
            "rows": rows,
            "care": care,
            "charts": charts,
            "targets": targets,
            "show_stations": area.level <= Level.STREET,
            "show_homes": area.level <= Level.COMMUNITY,
            "type_children_home": CHILDREN_HOME,
            "type_women_home": WOMEN_HOME,
            "may_enrol": care and selectors.may_enrol(actor),
        },
    )


@login_required
@require_GET
def lacking(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The street officer's list: the children of a group not visited this month, with their carer and
    last visit (and those of the group not enrolled yet, who have no carer at all)."""
    form = CategoryForm(request.GET)
    form.is_valid()
    code = form.cleaned_data.get("area") or ""
    category = form.cleaned_data.get("category") or CATEGORIES[0]
    area = selectors.care_area(actor=request.user, code=code)
    today = timezone.localdate()
    rows = selectors.lacking_visits(actor=request.user, area=area, category=category, on=today)
    return render(
        request,
        "children/lacking.html",
        {
            "area": area,
            "category": category,
            "category_label": CATEGORY_LABELS[category],
            "categories": [(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
            "rows": rows,
            "month_start": selectors.month_start(today),
        },
    )


@login_required
@require_GET
def child(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    """A child's care record: assessments and visits, for the carer and the officers who may read it."""
    record = selectors.care_record(actor=request.user, enrolment_id=enrolment_id)
    needs = dict(Need.choices)
    return render(
        request,
        "children/child.html",
        {
            "record": record,
            "enrolment": record.enrolment,
            "assessments": [(a, [needs.get(n, n) for n in a.needs]) for a in record.assessments],
            "form": AssessmentForm(),
            "open_visit": next((v for v in record.visits if v.done_at is None), None),
        },
    )


@login_required
@require_POST
def assess(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    selectors.care_record(actor=request.user, enrolment_id=enrolment_id)  # a 404 before reading the form
    form = AssessmentForm(request.POST)
    submit_and_flash(
        request,
        form,
        lambda data: services.assessment_record(
            actor=request.user,
            enrolment_id=enrolment_id,
            risk_level=data["risk_level"],
            needs=data["needs"],
            notes=data["notes"],
        ),
        _("The assessment is recorded."),
    )
    return redirect("children:child", enrolment_id=enrolment_id)


@login_required
@require_GET
def visits(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The carer's open visits of children (their phone's list), the most overdue first."""
    require_capability(request.user, Capability.PROGRAMME_READ)
    return render(
        request,
        "children/visits.html",
        {"visits": list(selectors.my_visits(actor=request.user)), "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponseBase:
    """Record one visit from the phone: only the carer it is assigned to records it (the core's rule)."""
    found = selectors.visit_get(actor=request.user, visit_id=visit_id)
    form = VisitForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            form,
            lambda data: core_services.visit_record(
                actor=request.user,
                visit_id=visit_id,
                outcome=data["outcome"],
                note=data["note"],
                lon=data["lon"],
                lat=data["lat"],
            ),
        )
        if done is not None:
            messages.success(request, _("The visit is recorded."))
            return redirect("children:visits")
        messages.error(request, errors_text(form))
    return render(request, "children/visit.html", {"visit": found, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The targets with their sources; the city administrator corrects them."""
    require_capability(request.user, Capability.AREA_READ)
    editor = bool(request.user.granted_paths(Capability.REFERENCE_EDIT))
    if request.method == "POST":
        code = request.POST.get("code", "")[:60]
        form = TargetForm(request.POST)
        submit_and_flash(
            request,
            form,
            lambda data: services.target_update(
                actor=request.user,
                code=code,
                value=data["value"],
                year=data["year"],
                source=data["source"],
                grade=data["grade"],
            ),
            _("The target is saved."),
        )
        return redirect(reverse("children:targets"))
    rows = [
        (
            t,
            TargetForm(
                initial={"value": t.value, "year": t.year, "source": t.source, "grade": t.grade},
                auto_id=f"{t.code}-%s",
            ),
        )
        for t in selectors.targets().values()
    ]
    return render(request, "children/targets.html", {"rows": rows, "editor": editor})
