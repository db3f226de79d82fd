from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.accounts.models import User
from shequ.accounts.selectors import my_grants
from shequ.audit.selectors import area_labels

from .workbench import desk


def home(request: HttpRequest) -> HttpResponse:
    """The workbench of the signed-in person (counts of their area, what needs attention, shortcuts),
    or an invitation to sign in."""
    user = request.user
    if not isinstance(user, User):
        return render(request, "home.html", {"grants": []})
    found = desk(user)
    people = list(found.registry.alone_elderly) if found.registry else []
    tags = list(found.registry.expiring) if found.registry else []
    places = area_labels([p.area.path for p in people] + [t.person.area.path for t in tags])
    return render(
        request,
        "home.html",
        {
            "grants": my_grants(actor=user),
            "desk": found,
            "alone_elderly": [(p, places.get(p.area.path, p.area.name)) for p in people],
            "expiring": [(t, places.get(t.person.area.path, t.person.area.name)) for t in tags],
        },
    )
