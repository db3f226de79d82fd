"""Every read of the area tree, scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, get_visible_or_404, granted_paths

from .models import Area, Level


def area_get(*, actor: Actor, code: str) -> Area:
    return get_visible_or_404(Area.objects.visible_to(actor).select_related("parent"), code=code)


def area_roots(*, actor: Actor) -> list[Area]:
    """The tops of the actor's part of the tree: the areas of their grants."""
    paths = granted_paths(actor, Capability.AREA_READ)
    return list(Area.objects.filter(path__in=paths).order_by("level", "code"))


def area_children(*, actor: Actor, area: Area) -> QuerySet[Area]:
    return Area.objects.visible_to(actor).filter(parent=area).annotate(child_count=Count("children")).order_by("code")


@dataclass(frozen=True)
class Crumb:
    """One area of the chain above another; a page links it only when the actor may open it."""

    area: Area
    visible: bool


def area_ancestors(*, actor: Actor, area: Area) -> list[Crumb]:
    """The chain above ``area`` for breadcrumbs, root first."""
    codes = area.ancestor_codes
    visible = set(Area.objects.visible_to(actor).filter(code__in=codes).values_list("code", flat=True))
    ancestors = sorted(Area.objects.filter(code__in=codes), key=lambda a: len(a.path))
    return [Crumb(area=ancestor, visible=ancestor.code in visible) for ancestor in ancestors]


def area_search(*, actor: Actor, query: str, limit: int = 20) -> list[Area]:
    """Areas whose name contains ``query`` or whose code starts with it, shallowest first."""
    query = (query or "").strip()
    if not query:
        return []
    match = Q(name__icontains=query)
    if query.isdigit():
        match |= Q(code__startswith=query) | Q(other_codes__code__startswith=query)
    return list(
        Area.objects.visible_to(actor)
        .filter(match)
        .select_related("parent")
        .distinct()
        .order_by("level", "code")[:limit]
    )


@lru_cache(maxsize=4)
def _district_shapes(signature: tuple[object, ...]) -> list[tuple[int, PreparedGeometry]]:
    """The districts' polygons, prepared for fast point tests; ``signature`` changes when they do."""
    rows = Area.objects.filter(level=Level.DISTRICT, boundary__isnull=False).values_list("pk", "boundary")
    return [(pk, prep(shape(boundary))) for pk, boundary in rows if boundary]


def district_at(*, actor: Actor, lon: float, lat: float) -> Area:
    """The district (区县) whose boundary contains the WGS-84 point; 404 if none the actor may see."""
    signature = tuple(
        Area.objects.filter(level=Level.DISTRICT, boundary__isnull=False)
        .aggregate(n=Count("pk"), last=Max("pk"))
        .values()
    )
    point = Point(lon, lat)
    for pk, geometry in _district_shapes(signature):
        if geometry.contains(point):
            return get_visible_or_404(Area.objects.visible_to(actor), pk=pk)
    raise Http404


def can_manage_grids(*, actor: Actor, area: Area) -> bool:
    """Whether the actor may create grids under this community or edit this grid."""
    return area.level in (Level.COMMUNITY, Level.GRID) and (
        Area.objects.visible_to(actor, Capability.GRID_MANAGE).filter(pk=area.pk).exists()
    )


def area_for_edit(
    *, actor: Actor, code: str, capability: str, levels: tuple[int, ...], field: str = "area_code"
) -> Area:
    """The area with ``code`` at one of ``levels`` where the actor holds ``capability``. A code outside
    the actor's area is a form error that names the field and says nothing of what exists."""
    area = Area.objects.visible_to(actor, capability).filter(code=code, level__in=levels).first()
    if area is None:
        raise ValidationError({field: _("There is no street, community or grid with this code in your area.")})
    return area
