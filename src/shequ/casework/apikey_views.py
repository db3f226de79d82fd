"""Pages of the Open311 API keys, at /cases/keys/: the city administrator issues a key (shown once),
lists the keys with their last use, and revokes them. Nobody else sees these pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.widgets import AreaPicker, AreaPickerField, label_picker
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit
from shequ.lib.scoping import require_capability

from . import apikeys

AREA_FIELDS = ("area_1", "area_2", "area_3")


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Client name"), max_length=apikeys.NAME_MAX)
    area_1 = AreaPickerField(label=gettext_lazy("Area"))
    area_2 = AreaPickerField(label=gettext_lazy("Another area (optional)"), required=False)
    area_3 = AreaPickerField(label=gettext_lazy("Another area (optional)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in AREA_FIELDS:
            widget = self.fields[name].widget
            assert isinstance(widget, AreaPicker)
            widget.levels = tuple(apikeys.AREA_LEVELS)


@login_required
@require_GET
def key_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    keys = apikeys.api_keys(request.user)
    return render(request, "casework/apikey_list.html", {"keys": keys})


@never_cache  # the issued key is on this page once: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def key_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    require_capability(request.user, Capability.API_KEYS_MANAGE)
    form = ApiKeyForm(request.POST or None)
    for name in AREA_FIELDS:
        label_picker(form, name, request.user)
    if request.method == "POST":
        issued = submit(
            form,
            lambda data: apikeys.api_key_issue(
                actor=request.user, name=data["name"], area_codes=[data[f] for f in AREA_FIELDS]
            ),
        )
        if issued is not None:
            key, full = issued
            return render(request, "casework/apikey_issued.html", {"key": key, "full": full})
    return render(request, "casework/apikey_new.html", {"form": form})


@login_required
@require_POST
def key_revoke(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponseBase:
    key = apikeys.api_key_revoke(actor=request.user, key_id=key_id)
    messages.success(request, _("The key %(prefix)s is revoked.") % {"prefix": key.prefix})
    return redirect("casework_keys:keys")
