"""Pages of the service catalogue: every staff role reads it; the city administrator edits it (every save
is a new version of the item)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit
from shequ.lib.scoping import has_capability, require_capability

from . import catalogue
from .catalogue_forms import NewServiceItemForm, ServiceItemForm, form_spec_text, materials_spec_text
from .models import ChannelChoice, LimitUnitChoice


def _channel_labels(channels: list[str]) -> list[str]:
    labels = dict(ChannelChoice.choices)
    return [str(labels.get(c, c)) for c in channels]


def _unit_label(unit: str) -> str:
    return str(dict(LimitUnitChoice.choices).get(unit, unit))


@login_required
@require_GET
def item_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    catalogue.require_read(request.user)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    items = [
        (item, _channel_labels(item.channels), _unit_label(item.time_limit_unit))
        for item in catalogue.catalogue_items(include_inactive=can_edit)
    ]
    return render(request, "casework/catalogue_list.html", {"items": items, "can_edit": can_edit})


def _version_rows(item: Any) -> list[dict[str, Any]]:
    rows = []
    for version in catalogue.item_versions(item):
        snap = version.snapshot
        rows.append(
            {
                "version": version,
                "name": snap.get("name", ""),
                "time_limit": snap.get("time_limit"),
                "unit": _unit_label(snap.get("time_limit_unit", "")),
                "channels": _channel_labels(snap.get("channels", [])),
                "form": form_spec_text(snap.get("form", [])),
                "materials": materials_spec_text(snap.get("materials", [])),
            }
        )
    return rows


@login_required
@require_GET
def item_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    catalogue.require_read(request.user)
    can_edit = has_capability(request.user, Capability.REFERENCE_EDIT)
    item = catalogue.catalogue_item(code, include_inactive=can_edit)
    context = {
        "item": item,
        "can_edit": can_edit,
        "channels": _channel_labels(item.channels),
        "unit": _unit_label(item.time_limit_unit),
        "types": _field_type_labels(),
        "versions": _version_rows(item),
    }
    return render(request, "casework/catalogue_item.html", context)


def _field_type_labels() -> dict[str, str]:
    return {
        "text": _("text"),
        "number": _("number"),
        "date": _("date"),
        "choice": _("choice"),
        "file": _("file"),
        "household_member": _("household member"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponseBase:
    require_capability(request.user, Capability.REFERENCE_EDIT)
    item = catalogue.catalogue_item(code, include_inactive=True)
    if request.method == "POST":
        form = ServiceItemForm(request.POST)
        saved = submit(form, lambda data: catalogue.item_update(actor=request.user, code=item.code, **data))
        if saved is not None:
            if saved.version != item.version:
                messages.success(request, _("Saved as version %(version)d.") % {"version": saved.version})
            else:
                messages.success(request, _("Nothing changed."))
            return redirect("casework_catalogue:item", code=item.code)
    else:
        form = ServiceItemForm(initial=ServiceItemForm.initial_of(item))
    return render(request, "casework/catalogue_edit.html", {"item": item, "form": form, "types": _field_type_labels()})


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    require_capability(request.user, Capability.REFERENCE_EDIT)
    if request.method == "POST":
        form = NewServiceItemForm(request.POST)
        saved = submit(form, lambda data: catalogue.item_create(actor=request.user, **data))
        if saved is not None:
            messages.success(request, _("Added to the catalogue."))
            return redirect("casework_catalogue:item", code=saved.code)
    else:
        form = NewServiceItemForm(initial={"time_limit_unit": LimitUnitChoice.WORKING_DAYS, "is_active": True})
    return render(request, "casework/catalogue_edit.html", {"item": None, "form": form, "types": _field_type_labels()})
