from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit
from shequ.lib.scoping import has_capability, require_capability
from shequ.reference.selectors import facility_types

from . import selectors, services
from .forms import FacilityForm


@login_required
@require_http_methods(["GET", "POST"])
def facility_map(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The resource pool on a map (district outlines and points; no tile server needed) and as a list."""
    require_capability(request.user, Capability.AREA_READ)
    types = list(facility_types())
    type_code = request.GET.get("type", "")[:60]
    rows = selectors.facilities(actor=request.user, type_code=type_code)
    can_edit = has_capability(request.user, Capability.REGISTRY_EDIT)
    form = FacilityForm(request.POST or None, types=types) if can_edit else None
    if request.method == "POST":
        require_capability(request.user, Capability.REGISTRY_EDIT)
        assert form is not None
        facility = submit(form, lambda data: services.facility_create(actor=request.user, **data))
        if facility is not None:
            messages.success(request, _("Facility %(name)s added.") % {"name": facility.name})
            return redirect("resources:facilities")
    points = [
        {"name": f.name, "type": f.type.name, "lon": f.lon, "lat": f.lat, "area": f.area.name} for f in rows[:5000]
    ]
    return render(
        request,
        "resources/facilities.html",
        {
            "types": types,
            "type_code": type_code,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "map_data": {"points": points, "outlines": selectors.district_outlines(actor=request.user)},
            "form": form,
        },
    )
