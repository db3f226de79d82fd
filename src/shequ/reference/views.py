from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit_and_flash
from shequ.lib.scoping import has_capability, require_capability

from . import selectors, services
from .forms import CalendarDayForm, CalendarYearForm, FacilityTypeForm
from .models import CalendarDay, CalendarYear, FacilityType


def _edit_form(facility_type: FacilityType) -> FacilityTypeForm:
    initial = {
        "code": facility_type.code,
        "name": facility_type.name,
        "circle_level": facility_type.circle_level,
        "required": facility_type.required,
        "service_radius_m": facility_type.service_radius_m,
        "is_active": facility_type.is_active,
    }
    return FacilityTypeForm(initial=initial, auto_id=f"id_{facility_type.code}_%s")  # one form per row, unique ids


@login_required
@require_http_methods(["GET", "POST"])
def facility_types(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The facility-type catalogue; city administrators edit it here (reference data, not code)."""
    require_capability(request.user, Capability.AREA_READ)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    if request.method == "POST":
        require_capability(request.user, Capability.REFERENCE_EDIT)
        submit_and_flash(
            request,
            FacilityTypeForm(request.POST),
            lambda data: services.facility_type_update(actor=request.user, **data),
            _("Saved."),
        )
        return redirect("reference:facility_types")
    rows = [(t, _edit_form(t) if can_edit else None) for t in selectors.facility_types(include_inactive=True)]
    return render(request, "reference/facility_types.html", {"rows": rows, "can_edit": can_edit})


# --- the working-day calendar ------------------------------------------------------------------------

_YEARS = range(2000, 2101)


def _year_or_404(year: int) -> int:
    if year not in _YEARS:
        raise Http404
    return year


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    require_capability(request.user, Capability.AREA_READ)
    return redirect("reference:calendar_year", year=timezone.localdate().year)


@login_required
@require_GET
def calendar_year(request: AuthenticatedHttpRequest, year: int) -> HttpResponseBase:
    """A year of the working-day calendar: its days off and make-up workdays with their source, and
    whether the year's arrangement is official. City administrators correct it here."""
    require_capability(request.user, Capability.AREA_READ)
    _year_or_404(year)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    years = {row.year: row for row in selectors.calendar_years()}
    status = years.get(year) or CalendarYear(year=year, official=False)
    next_year = timezone.localdate().year + 1
    next_status = years.get(next_year)
    context = {
        "year": year,
        "status": status,
        "days": selectors.calendar_days(year),
        "years": sorted(set(years) | {year, next_year}),
        "next_year": next_year,
        "next_year_unofficial": next_status is None or not next_status.official,
        "can_edit": can_edit,
        "day_form": CalendarDayForm(initial={"kind": CalendarDay.Kind.DAY_OFF}) if can_edit else None,
        "year_form": CalendarYearForm(initial={"official": status.official, "source": status.source})
        if can_edit
        else None,
    }
    return render(request, "reference/calendar.html", context)


@login_required
@require_POST
def calendar_day(request: AuthenticatedHttpRequest, year: int) -> HttpResponseBase:
    require_capability(request.user, Capability.REFERENCE_EDIT)
    _year_or_404(year)
    form = CalendarDayForm(request.POST)
    submit_and_flash(request, form, lambda data: services.calendar_day_set(actor=request.user, **data), _("Saved."))
    day = form.cleaned_data.get("day") if hasattr(form, "cleaned_data") else None
    return redirect("reference:calendar_year", year=day.year if day and day.year in _YEARS else year)


@login_required
@require_POST
def calendar_official(request: AuthenticatedHttpRequest, year: int) -> HttpResponseBase:
    require_capability(request.user, Capability.REFERENCE_EDIT)
    _year_or_404(year)
    submit_and_flash(
        request,
        CalendarYearForm(request.POST),
        lambda data: services.calendar_year_set(actor=request.user, year=year, **data),
        _("Saved."),
    )
    return redirect("reference:calendar_year", year=year)
