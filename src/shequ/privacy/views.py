from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .forms import RevealForm
from .services import reveal


def reveal_view(model, url_name: str):
    """A POST view that reveals one personal field of one ``model`` row and answers the htmx partial
    `privacy/_reveal.html` (the same form again, with the value when it was revealed)."""

    @login_required
    @require_POST
    def view(request, pk: int):
        form = RevealForm(request.POST)
        value = None
        if form.is_valid():
            try:
                value = reveal(actor=request.user, model=model, pk=pk, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
        return render(
            request, "privacy/_reveal.html", {"form": form, "value": value, "reveal_url": reverse(url_name, args=[pk])}
        )

    return view
