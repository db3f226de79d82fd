from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequ.lib.feedback import submit
from shequ.lib.scoping import ActorHttpRequest

from .forms import RevealForm
from .services import reveal


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
