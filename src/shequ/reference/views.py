from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit_and_flash
from shequ.lib.scoping import has_capability, require_capability

from . import selectors, services
from .forms import FacilityTypeForm
from .models import FacilityType


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
