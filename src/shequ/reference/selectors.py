"""Reads of the reference data. Catalogues are not area data: every signed-in staff role reads them."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import FacilityType, TagType


def facility_types(*, include_inactive: bool = False) -> QuerySet[FacilityType]:
    rows = FacilityType.objects.all()
    return rows if include_inactive else rows.filter(is_active=True)


def tag_types() -> QuerySet[TagType]:
    """The recorded special-group tags in use."""
    return TagType.objects.filter(is_active=True)


def active_facility_type(code: str) -> FacilityType | None:
    """The facility type with this code, unless the administrator retired it."""
    return facility_types().filter(code=code).first()


def active_tag_type(code: str) -> TagType | None:
    """The special-group tag with this code, unless the administrator retired it."""
    return tag_types().filter(code=code).first()
