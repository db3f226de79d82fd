from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.lib.capabilities import Capability
from shequ.lib.feedback import errors_text
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
def facility_types(request: HttpRequest) -> HttpResponse:
    """The facility-type catalogue; city administrators edit it here (reference data, not code)."""
    require_capability(request.user, Capability.AREA_READ)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    if request.method == "POST":
        require_capability(request.user, Capability.REFERENCE_EDIT)
        form = FacilityTypeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.facility_type_update(actor=request.user, code=data.pop("code"), **data)
                messages.success(request, _("Saved."))
            except ValidationError as exc:
                messages.error(request, errors_text(exc))
        else:
            messages.error(request, errors_text(form))
        return redirect("reference:facility_types")
    rows = [(t, _edit_form(t) if can_edit else None) for t in selectors.facility_types(include_inactive=True)]
    return render(request, "reference/facility_types.html", {"rows": rows, "can_edit": can_edit})
