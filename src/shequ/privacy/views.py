from collections.abc import Callable

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit, submit_and_flash
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors
from .forms import RevealForm, RevealReasonForm
from .models import RevealReason
from .services import reveal, reveal_reason_save


def reveal_view(model: type[models.Model], url_name: str) -> Callable[[ActorHttpRequest, int], HttpResponse]:
    """A POST view that reveals one personal field of one ``model`` row and answers the htmx partial
    `privacy/_reveal.html` (the same form again, with the value when it was revealed)."""

    @login_required
    @require_POST
    def view(request: ActorHttpRequest, pk: int) -> HttpResponse:
        form = RevealForm(request.POST)
        value = submit(form, lambda data: reveal(actor=request.user, model=model, pk=pk, **data))
        return render(
            request, "privacy/_reveal.html", {"form": form, "value": value, "reveal_url": reverse(url_name, args=[pk])}
        )

    return view


def _edit_form(reason: RevealReason) -> RevealReasonForm:
    initial = {"code": reason.code, "name": reason.name, "order": reason.order, "active": reason.active}
    form = RevealReasonForm(initial=initial, auto_id=f"id_{reason.code}_%s")  # one form per row, unique ids
    form.fields["code"].widget = forms.HiddenInput()
    form.fields["code"].label = ""
    return form


@login_required
@require_http_methods(["GET", "POST"])
def reveal_reasons(request: ActorHttpRequest) -> HttpResponseBase:
    """The categories of reveal reason; city administrators add, rename, reorder and deactivate them."""
    require_capability(request.user, Capability.REFERENCE_EDIT)
    if request.method == "POST":
        submit_and_flash(
            request,
            RevealReasonForm(request.POST),
            lambda data: reveal_reason_save(actor=request.user, **data),
            _("Saved."),
        )
        return redirect("privacy:reveal_reasons")
    rows = [(reason, _edit_form(reason)) for reason in selectors.reveal_reasons(active_only=False)]
    return render(request, "privacy/reveal_reasons.html", {"rows": rows, "new_form": RevealReasonForm()})
