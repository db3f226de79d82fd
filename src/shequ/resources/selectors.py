"""Reads of the resource pool, scoped to the actor's area. Facilities are not personal data: every
staff role that reads the area reads them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import get_visible_or_404, granted_paths

from .models import Facility, FacilityChange


def facilities(*, actor: User, type_code: str = "", area_code: str = "") -> QuerySet[Facility]:
    rows = Facility.objects.visible_to(actor).filter(is_active=True)
    if area_code:
        area = get_visible_or_404(Area.objects.visible_to(actor), code=area_code)
        rows = rows.within(area.path)
    if type_code:
        rows = rows.filter(type__code=type_code)
    return rows.select_related("type", "area", "operator").order_by("type__code", "name", "pk")


def district_outlines(*, actor: User) -> list[dict[str, Any]]:
    """The district outlines a map shows as background: the districts the actor may read or, for someone
    granted below district level, the districts containing their areas (outlines are public geography)."""
    visible = Area.objects.visible_to(actor).filter(level=Level.DISTRICT, boundary__isnull=False)
    districts = list(visible)
    if not districts:
        codes = {
            path.strip("/").split("/")[1] for path in granted_paths(actor, Capability.AREA_READ) if path.count("/") > 2
        }
        districts = list(Area.objects.filter(code__in=codes, boundary__isnull=False))
    return [{"name": a.name, "geometry": a.boundary} for a in districts]


def facility_get(*, actor: User, facility_id: int) -> Facility:
    """One facility, open or closed, in the actor's area."""
    return get_visible_or_404(
        Facility.objects.visible_to(actor).select_related("type", "area", "operator"), pk=facility_id
    )


def facility_history(*, facility: Facility) -> list[FacilityChange]:
    """A facility's changes, newest first (the facility was read through ``facility_get``: in scope)."""
    return list(FacilityChange.objects.filter(facility=facility).select_related("actor")[:200])
