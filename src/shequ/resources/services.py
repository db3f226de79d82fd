"""Writes to the resource pool: facilities and service points."""

from __future__ import annotations

import decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.selectors import area_for_edit
from shequ.audit.services import record_event
from shequ.entities.selectors import legal_entity_by_uscc
from shequ.entities.services import EDIT_LEVELS
from shequ.lib.capabilities import Capability
from shequ.lib.geo import gcj02_to_wgs84
from shequ.lib.scoping import require_capability
from shequ.reference.selectors import active_facility_type

from .models import CoordinateSystem, Facility


@transaction.atomic
def facility_create(
    *,
    actor: User,
    area_code: str,
    type_code: str,
    name: str,
    lon: float,
    lat: float,
    coordinates: str = CoordinateSystem.WGS84,
    address: str = "",
    floor_area_m2: float | None = None,
    capacity: int | None = None,
    opening_hours: str = "",
    operator_uscc: str = "",
) -> Facility:
    """Add a facility or service point. ``coordinates`` says what the caller measured in: WGS-84 (GPS)
    or GCJ-02 (Chinese map services), which is converted; the pool stores WGS-84 only."""
    require_capability(actor, Capability.REGISTRY_EDIT)
    errors: dict[str, list[str]] = {}
    area = None
    try:
        area = area_for_edit(actor=actor, code=area_code, capability=Capability.REGISTRY_EDIT, levels=EDIT_LEVELS)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    name = (name or "").strip()
    if not name or len(name) > 150:
        errors["name"] = [_("Enter the name (at most 150 characters).")]
    facility_type = active_facility_type(type_code)
    if facility_type is None:
        errors["type_code"] = [_("Unknown facility type.")]
    if coordinates not in CoordinateSystem.values:
        errors["coordinates"] = [_("Coordinates are wgs84 or gcj02.")]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["lon"] = [_("The coordinates are not a point on Earth.")]
    if floor_area_m2 is not None and not 0 < floor_area_m2 < 10_000_000:
        errors["floor_area_m2"] = [_("The floor area must be a positive number of square metres.")]
    if capacity is not None and not 0 <= capacity < 1_000_000:
        errors["capacity"] = [_("The capacity must be a number of places.")]
    if len(opening_hours or "") > 100 or len(address or "") > 200:
        errors["opening_hours"] = [_("Opening hours have at most 100 characters, the address 200.")]
    operator = None
    if operator_uscc:
        try:
            operator = legal_entity_by_uscc(actor=actor, uscc=operator_uscc)
        except ValidationError as exc:
            errors["operator_uscc"] = exc.messages
        else:
            if operator is None:
                errors["operator_uscc"] = [_("No registered entity in your area has this credit code.")]
    if errors or area is None or facility_type is None:
        raise ValidationError(errors)
    if coordinates == CoordinateSystem.GCJ02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    facility = Facility.objects.create(
        area=area,
        type=facility_type,
        name=name,
        address=address or "",
        lon=round(lon, 7),
        lat=round(lat, 7),
        floor_area_m2=decimal.Decimal(str(round(floor_area_m2, 1))) if floor_area_m2 is not None else None,
        capacity=capacity,
        opening_hours=opening_hours or "",
        operator=operator,
    )
    record_event(actor=actor, action="resources.facility_create", obj=facility, data={"type": type_code})
    return facility
