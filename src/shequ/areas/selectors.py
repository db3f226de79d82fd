"""Every read of the area tree, scoped to the actor."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
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


PATH_SEPARATOR = " › "


def area_search(*, actor: Actor, query: str, limit: int = 20, levels: tuple[int, ...] = ()) -> list[Area]:
    """Areas whose name contains ``query`` or whose code starts with it, shallowest first (only at
    ``levels`` when given). Each carries ``label``: its names from the district down (和平区 › 浑河湾街道 ›
    水源地社区), read in one more query for the whole page."""
    query = (query or "").strip()
    if not query:
        return []
    match = Q(name__icontains=query)
    if query.isdigit():
        match |= Q(code__startswith=query) | Q(other_codes__code__startswith=query)
    rows = Area.objects.visible_to(actor).filter(match)
    if levels:
        rows = rows.filter(level__in=levels)
    areas = list(rows.select_related("parent").distinct().order_by("level", "code")[:limit])
    codes = {code for area in areas for code in area.ancestor_codes}
    names = dict(Area.objects.filter(code__in=codes, level__gte=Level.DISTRICT).values_list("code", "name"))
    for area in areas:
        chain = [names[code] for code in area.ancestor_codes if code in names]
        area.label = PATH_SEPARATOR.join([*chain, area.name])
    return areas


def area_label(*, actor: Actor, code: str) -> str:
    """The path label of one area the actor may read ("" when none): what a picker shows for its value."""
    area = Area.objects.visible_to(actor).filter(code=code).first()
    if area is None:
        return ""
    names = dict(
        Area.objects.filter(code__in=area.ancestor_codes, level__gte=Level.DISTRICT).values_list("code", "name")
    )
    return PATH_SEPARATOR.join([*(names[c] for c in area.ancestor_codes if c in names), area.name])


@lru_cache(maxsize=4)
def _district_shapes(signature: tuple[object, ...]) -> list[tuple[int, PreparedGeometry, BaseGeometry]]:
    """The districts' polygons, prepared for fast point tests; ``signature`` changes when they do."""
    rows = Area.objects.filter(level=Level.DISTRICT, boundary__isnull=False).values_list("pk", "boundary")
    return [(pk, prep(geometry), geometry) for pk, boundary in rows if boundary for geometry in [shape(boundary)]]


def _districts() -> list[tuple[int, PreparedGeometry, BaseGeometry]]:
    signature = tuple(
        Area.objects.filter(level=Level.DISTRICT, boundary__isnull=False)
        .aggregate(n=Count("pk"), last=Max("pk"))
        .values()
    )
    return _district_shapes(signature)


def _district_pk_at(lon: float, lat: float) -> int | None:
    point = Point(lon, lat)
    return next((pk for pk, prepared, _shape in _districts() if prepared.contains(point)), None)


def district_at(*, actor: Actor, lon: float, lat: float) -> Area:
    """The district (区县) whose boundary contains the WGS-84 point; 404 if none the actor may see."""
    pk = _district_pk_at(lon, lat)
    if pk is None:
        raise Http404
    return get_visible_or_404(Area.objects.visible_to(actor), pk=pk)


# Metres per degree of latitude; a degree of longitude is shorter by cos(latitude).
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Placement:
    """Where a point lies against an area's district: ``fits`` when it is inside the district's outline or
    within the tolerance of it (or the district has no outline to check against); ``district`` is the
    district whose outline contains the point, if any (outlines are public geography: no scoping)."""

    fits: bool
    district: Area | None
    expected: Area | None


def placement(*, area: Area, lon: float, lat: float, tolerance_m: float) -> Placement:
    """Check a WGS-84 point against the district of ``area`` (a street, community or grid)."""
    codes = area.path.strip("/").split("/")
    own = Area.objects.filter(code=codes[1], level=Level.DISTRICT).first() if len(codes) > 1 else None
    found_pk = _district_pk_at(lon, lat)
    found = Area.objects.filter(pk=found_pk).first() if found_pk is not None else None
    outline = next((geometry for pk, _prepared, geometry in _districts() if own and pk == own.pk), None)
    if own is None or outline is None:
        return Placement(fits=True, district=found, expected=own)
    # The outlines are coarse: a point a little outside its district's outline is accepted.
    degrees = outline.distance(Point(lon, lat))
    metres = degrees * _METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.5)
    return Placement(fits=found_pk == own.pk or metres <= tolerance_m, district=found, expected=own)


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
