from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.lib.capabilities import Capability
from shequ.lib.feedback import submit
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors, services
from .forms import GridForm
from .models import Level


@login_required
def browse(request: ActorHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.AREA_READ)
    return render(request, "areas/browse.html", {"roots": selectors.area_roots(actor=request.user)})


@login_required
def detail(request: ActorHttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(actor=request.user, code=code)
    can_manage_grids = area.level == Level.COMMUNITY and selectors.can_manage_grids(actor=request.user, area=area)
    return render(
        request,
        "areas/detail.html",
        {
            "area": area,
            "ancestors": selectors.area_ancestors(actor=request.user, area=area),
            "children": selectors.area_children(actor=request.user, area=area),
            "other_codes": list(area.other_codes.all()),
            "can_manage_grids": can_manage_grids,
            "grid_form": GridForm() if can_manage_grids else None,
        },
    )


@login_required
def search(request: ActorHttpRequest) -> HttpResponse:
    """Search page; with htmx it answers only the result list."""
    require_capability(request.user, Capability.AREA_READ)
    query = request.GET.get("q", "")[:50]
    results = selectors.area_search(actor=request.user, query=query)
    template = "areas/_results.html" if request.headers.get("HX-Request") else "areas/search.html"
    return render(request, template, {"q": query, "results": results})


@login_required
@require_http_methods(["POST"])
def grid_create(request: ActorHttpRequest, code: str) -> HttpResponse:
    form = GridForm(request.POST)
    grid = submit(form, lambda data: services.grid_create(actor=request.user, community_code=code, name=data["name"]))
    if grid is not None:
        messages.success(request, _("Grid %(name)s created.") % {"name": grid.name})
        return redirect("areas:detail", code=code)
    area = selectors.area_get(actor=request.user, code=code)
    return render(request, "areas/grid_form.html", {"form": form, "area": area, "creating": True}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request: ActorHttpRequest, code: str) -> HttpResponse:
    grid = selectors.area_get(actor=request.user, code=code)
    if grid.level != Level.GRID or not selectors.can_manage_grids(actor=request.user, area=grid):
        raise Http404
    form = GridForm(request.POST or None, initial={"name": grid.name, "is_active": grid.is_active})
    if submit(form, lambda data: services.grid_update(actor=request.user, grid_code=code, **data)):
        messages.success(request, _("Grid saved."))
        return redirect("areas:detail", code=grid.ancestor_codes[-1])
    return render(request, "areas/grid_form.html", {"form": form, "area": grid, "creating": False})
