"""The programme core's pages: the programmes a worker reaches, a programme's enrolments and the people
they may enrol, one enrolment with its history and visits, a person's entitlements and why, and figures by
area. Thin: reads are selectors, writes services; out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit_and_flash
from shequ.lib.scoping import CapabilityMissing

from . import access, selectors, services
from .forms import CarerForm, ChangeForm, EnrolForm, EnrolmentFilterForm, ReviewForm

PAGE_SIZE = 50


def _programmes_or_refuse(request: AuthenticatedHttpRequest) -> list[Any]:
    programmes = access.visible_programmes(request.user)
    if not programmes:
        raise CapabilityMissing
    return programmes


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    programmes = _programmes_or_refuse(request)
    today = timezone.localdate()
    rows = []
    for programme in programmes:
        visible = selectors.enrolments(actor=request.user, programme=programme)
        rows.append(
            {
                "programme": programme,
                "active": visible.filter(state="active").count(),
                "overdue": selectors.overdue_visits(actor=request.user, programme=programme, on=today).count(),
                "may_enrol": bool(access.programme_paths(request.user, programme, Capability.PROGRAMME_MANAGE)),
            }
        )
    return render(
        request,
        "programmes/index.html",
        {
            "rows": rows,
            "my_visits": selectors.my_visits(actor=request.user).count(),
            "codes": {programme.code for programme in programmes},
        },
    )


@login_required
@require_GET
def programme(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    chosen = selectors.programme_get(actor=request.user, code=code)
    form = EnrolmentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.enrolments(
        actor=request.user, programme=chosen, area_code=filters.get("area", ""), state=filters.get("state", "")
    ).order_by("state", "-started_on", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programmes/programme.html",
        {
            "programme": chosen,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_enrol": bool(access.programme_paths(request.user, chosen, Capability.PROGRAMME_MANAGE)),
        },
    )


@login_required
@require_GET
def candidates(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    chosen = selectors.programme_get(actor=request.user, code=code)
    if not access.programme_paths(request.user, chosen, Capability.PROGRAMME_MANAGE):
        raise CapabilityMissing
    people = selectors.candidates(actor=request.user, programme=chosen)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programmes/candidates.html", {"programme": chosen, "page": page})


@login_required
@require_POST
def enrol(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    chosen = selectors.programme_get(actor=request.user, code=code)
    form = EnrolForm(request.POST)
    made: list[int] = []

    def write(data: dict[str, Any]) -> None:
        made.append(
            services.enrol(
                actor=request.user, programme_code=chosen.code, person_id=data["person"], note=data["note"]
            ).pk
        )

    submit_and_flash(request, form, write, _("Enrolled."))
    if made:
        return redirect("programmes:enrolment", enrolment_id=made[0])
    return redirect("programmes:candidates", code=chosen.code)


@login_required
@require_GET
def enrolment(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    found = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    manage = selectors.may_manage(request.user, found)
    return render(
        request,
        "programmes/enrolment.html",
        {
            "enrolment": found,
            "events": found.events.select_related("actor").order_by("at", "pk"),
            "visits": selectors.visits_of(enrolment=found),
            "manage": manage,
            "today": timezone.localdate(),
            "change_form": ChangeForm(state=found.state) if manage and found.state != "ended" else None,
            "review_form": ReviewForm() if manage and found.state != "ended" else None,
            "carer_form": CarerForm(carers=selectors.carers_for(enrolment=found), initial={"carer": found.carer_id})
            if manage and found.state != "ended"
            else None,
        },
    )


def _back_to(enrolment_id: int) -> HttpResponseBase:
    return redirect(reverse("programmes:enrolment", kwargs={"enrolment_id": enrolment_id}))


@login_required
@require_POST
def enrolment_change(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    found = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    form = ChangeForm(request.POST, state=found.state)
    submit_and_flash(
        request,
        form,
        lambda d: services.enrolment_change(
            actor=request.user, enrolment_id=found.pk, action=d["action"], reason=d["reason"], on=d["on"]
        ),
        _("Saved."),
    )
    return _back_to(found.pk)


@login_required
@require_POST
def enrolment_review(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    found = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    submit_and_flash(
        request,
        ReviewForm(request.POST),
        lambda d: services.enrolment_review(actor=request.user, enrolment_id=found.pk, keep=d["keep"], note=d["note"]),
        _("Review recorded."),
    )
    return _back_to(found.pk)


@login_required
@require_POST
def carer(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    found = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    submit_and_flash(
        request,
        CarerForm(request.POST, carers=selectors.carers_for(enrolment=found)),
        lambda d: services.carer_assign(actor=request.user, enrolment_id=found.pk, carer_id=d["carer"]),
        _("Carer named."),
    )
    return _back_to(found.pk)


@login_required
@require_GET
def person(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponseBase:
    found = selectors.person_reachable(actor=request.user, person_id=person_id)
    entitled, enrolled = selectors.person_programmes(actor=request.user, person=found)
    return render(
        request,
        "programmes/person.html",
        {"person": found, "entitlements": entitled, "enrolments": enrolled, "today": timezone.localdate()},
    )


@login_required
@require_GET
def figures(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    chosen = selectors.programme_get(actor=request.user, code=code)
    area = selectors.figures_area(actor=request.user, programme=chosen, code=request.GET.get("area", ""))
    month_start = timezone.localdate().replace(day=1)

    def measure(path: str) -> dict[str, int | float | None]:
        return selectors.enrolment_counts(request.user, chosen, path) | selectors.visit_counts(
            request.user, chosen, path, month_start
        )

    total, rows = selectors.per_child_area(area, measure)
    chart = {
        "categories": [r.area.name for r in rows],
        "series": [
            {"name": _("Enrolled"), "data": [r.values["active"] for r in rows]},
            {"name": _("Visited this month"), "data": [r.values["done"] for r in rows]},
            {"name": _("Overdue visits"), "data": [r.values["overdue"] for r in rows]},
        ],
    }
    return render(
        request,
        "programmes/figures.html",
        {
            "programme": chosen,
            "area": area,
            "parent": area.parent if _within_reach(request, chosen, area.parent) else None,
            "total": total,
            "rows": rows,
            "chart": chart,
            "month": month_start,
        },
    )


def _within_reach(request: AuthenticatedHttpRequest, chosen: Any, area: Area | None) -> bool:
    return area is not None and access.reaches(request.user, chosen, area.path)
