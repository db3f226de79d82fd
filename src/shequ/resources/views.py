from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area
from shequ.areas.widgets import label_picker
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import errors_text, submit
from shequ.lib.scoping import has_capability, require_capability
from shequ.reference.selectors import facility_types

from . import selectors, services
from .forms import FacilityEditForm, FacilityFilterForm, FacilityForm, FacilityStateForm
from .models import Facility


def _placed(facility: Facility) -> str:
    return _("Facility %(name)s saved, in %(area)s.") % {"name": facility.name, "area": facility.area.name}


@login_required
@require_http_methods(["GET", "POST"])
def facility_map(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The resource pool on a map (district outlines and points; no tile server needed) and as a list."""
    require_capability(request.user, Capability.AREA_READ)
    types = list(facility_types())
    filters = FacilityFilterForm(request.GET, types=types)
    type_code = area_code = ""
    if filters.is_valid():
        type_code, area_code = filters.cleaned_data["type"], filters.cleaned_data["area"]
        if area_code and not Area.objects.visible_to(request.user).filter(code=area_code).exists():
            filters.add_error("area", _("There is no area with this code in your part of the tree."))
            area_code = ""
    label_picker(filters, "area", request.user)
    rows = selectors.facilities(actor=request.user, type_code=type_code, area_code=area_code)
    can_edit = has_capability(request.user, Capability.REGISTRY_EDIT)
    form = FacilityForm(request.POST or None, types=types) if can_edit else None
    if request.method == "POST":
        require_capability(request.user, Capability.REGISTRY_EDIT)
        assert form is not None
        facility = submit(form, lambda data: services.facility_create(actor=request.user, **data))
        if facility is not None:
            messages.success(request, _placed(facility))
            return redirect("resources:facility", facility_id=facility.pk)
    if form is not None:
        label_picker(form, "area_code", request.user)
    points = [
        {"name": f.name, "type": f.type.name, "lon": f.lon, "lat": f.lat, "area": f.area.name} for f in rows[:5000]
    ]
    return render(
        request,
        "resources/facilities.html",
        {
            "filters": filters,
            "query": request.GET.urlencode() if filters.is_valid() else "",
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "map_data": {"points": points, "outlines": selectors.district_outlines(actor=request.user)},
            "form": form,
        },
    )


def _edit_initial(facility: Facility) -> dict[str, Any]:
    return {
        "area_code": facility.area.code,
        "type_code": facility.type.code,
        "name": facility.name,
        "lon": facility.lon,
        "lat": facility.lat,
        "address": facility.address,
        "floor_area_m2": facility.floor_area_m2,
        "capacity": facility.capacity,
        "opening_hours": facility.opening_hours,
        "operator_uscc": facility.operator.uscc if facility.operator else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def facility_detail(request: AuthenticatedHttpRequest, facility_id: int) -> HttpResponseBase:
    """One facility: its facts and history; for editors, the edit form (with the map to move the point)
    and close or reopen, each with a reason."""
    facility = selectors.facility_get(actor=request.user, facility_id=facility_id)
    can_edit = has_capability(request.user, Capability.REGISTRY_EDIT)
    form = state_form = None
    if can_edit:
        data = request.POST if request.method == "POST" and "save" in request.POST else None
        form = FacilityEditForm(data, initial=_edit_initial(facility), types=facility_types())
        state_form = FacilityStateForm(request.POST if request.method == "POST" and "state" in request.POST else None)
    if request.method == "POST":
        require_capability(request.user, Capability.REGISTRY_EDIT)
        assert form is not None and state_form is not None
        if "state" in request.POST:
            done = submit(
                state_form,
                lambda d: services.facility_set_open(
                    actor=request.user, facility_id=facility.pk, is_open=request.POST["state"] == "open", **d
                ),
            )
            if done is not None:
                messages.success(request, _("Facility reopened.") if done.is_active else _("Facility closed."))
                return redirect("resources:facility", facility_id=facility.pk)
            messages.error(request, errors_text(state_form))
        else:
            saved = submit(
                form,
                lambda d: services.facility_update(
                    actor=request.user,
                    facility_id=facility.pk,
                    reason=d["reason"],
                    changes={key: value for key, value in d.items() if key != "reason"},
                ),
            )
            if saved is not None:
                messages.success(request, _placed(saved))
                return redirect("resources:facility", facility_id=facility.pk)
    if form is not None:
        label_picker(form, "area_code", request.user)
    return render(
        request,
        "resources/facility.html",
        {
            "facility": facility,
            "history": selectors.facility_history(facility=facility),
            "form": form,
            "state_form": state_form,
            "map_data": {
                "points": [
                    {
                        "name": facility.name,
                        "type": facility.type.name,
                        "lon": facility.lon,
                        "lat": facility.lat,
                        "area": facility.area.name,
                    }
                ],
                "outlines": selectors.district_outlines(actor=request.user),
            },
        },
    )
