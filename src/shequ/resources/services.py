"""Writes to the resource pool: facilities and service points, each change kept in the facility's
history (``FacilityChange``) and the audit trail."""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.areas.names import plausible_name
from shequ.areas.selectors import area_for_edit, placement
from shequ.audit.services import record_event
from shequ.entities.selectors import legal_entity_by_uscc
from shequ.entities.services import EDIT_LEVELS
from shequ.lib.capabilities import Capability
from shequ.lib.geo import gcj02_to_wgs84
from shequ.lib.scoping import get_visible_or_404, require_capability
from shequ.reference.selectors import active_facility_type

from .models import CoordinateSystem, Facility, FacilityChange

# Two facilities of the same name closer than this are one place entered twice.
DUPLICATE_RADIUS_M = 100.0
REASON_MAX = 200


def _check_place(area: Area, lon: float, lat: float) -> str | None:
    """Why the WGS-84 point cannot be this area's, or None. Says which district the point falls in."""
    where = placement(area=area, lon=lon, lat=lat, tolerance_m=settings.SHEQU_FACILITY_TOLERANCE_M)
    if where.fits:
        return None
    expected = where.expected.name if where.expected else ""
    if where.district is None:
        return _("The point lies outside the city's districts, not in %(expected)s. Pick it on the map.") % {
            "expected": expected
        }
    return _("The point lies in %(found)s, not in %(expected)s, where the area is. Pick it on the map.") % {
        "found": where.district.name,
        "expected": expected,
    }


def _duplicate(name: str, lon: float, lat: float, exclude_pk: int | None) -> bool:
    """An open facility of the same name within ``DUPLICATE_RADIUS_M`` (a box: exact enough for this)."""
    d_lat = DUPLICATE_RADIUS_M / 111_320.0
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.1)
    rows = Facility.objects.filter(
        name=name,
        is_active=True,
        lon__range=(lon - d_lon, lon + d_lon),
        lat__range=(lat - d_lat, lat + d_lat),
    )
    return rows.exclude(pk=exclude_pk).exists() if exclude_pk else rows.exists()


def _checked(
    *,
    actor: User,
    area_code: str,
    type_code: str,
    name: str,
    lon: float,
    lat: float,
    coordinates: str,
    address: str,
    floor_area_m2: float | None,
    capacity: int | None,
    opening_hours: str,
    operator_uscc: str,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """Every field checked, one message per problem, each on its field; the model's values when all pass
    (the point in WGS-84)."""
    errors: dict[str, list[str]] = {}
    area = None
    try:
        area = area_for_edit(actor=actor, code=area_code, capability=Capability.REGISTRY_EDIT, levels=EDIT_LEVELS)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        name = plausible_name(name, field="name", max_length=150)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    facility_type = active_facility_type(type_code) if type_code else None
    if facility_type is None:
        errors["type_code"] = [_("Choose the facility type.") if not type_code else _("Unknown facility type.")]
    if coordinates not in CoordinateSystem.values:
        errors["coordinates"] = [_("Coordinates are wgs84 or gcj02.")]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["lon"] = [_("The coordinates are not a point on Earth.")]
    elif coordinates == CoordinateSystem.GCJ02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    if floor_area_m2 is not None and not 0 < floor_area_m2 < 10_000_000:
        errors["floor_area_m2"] = [_("The floor area must be a positive number of square metres.")]
    if capacity is not None and not 0 <= capacity < 1_000_000:
        errors["capacity"] = [_("The capacity must be a number of places.")]
    if len(opening_hours or "") > 100:
        errors["opening_hours"] = [_("Opening hours have at most 100 characters.")]
    if len(address or "") > 200:
        errors["address"] = [_("The address has at most 200 characters.")]
    operator = None
    if operator_uscc:
        try:
            operator = legal_entity_by_uscc(actor=actor, uscc=operator_uscc)
        except ValidationError as exc:
            errors["operator_uscc"] = exc.messages
        else:
            if operator is None:
                errors["operator_uscc"] = [_("No registered entity in your area has this credit code.")]
    if area is not None and "lon" not in errors:
        problem = _check_place(area, lon, lat)
        if problem:
            errors["lon"] = [problem]
    if "name" not in errors and "lon" not in errors and _duplicate(name, lon, lat, exclude_pk):
        errors["name"] = [_("A facility of this name is already open at this place.")]
    if errors or area is None or facility_type is None:
        raise ValidationError(errors)
    return {
        "area": area,
        "type": facility_type,
        "name": name,
        "address": (address or "").strip(),
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "floor_area_m2": decimal.Decimal(str(round(floor_area_m2, 1))) if floor_area_m2 is not None else None,
        "capacity": capacity,
        "opening_hours": (opening_hours or "").strip(),
        "operator": operator,
    }


def _shown(value: object) -> object:
    """A value as the history shows it (JSON): areas and types by name, operators by credit code."""
    if isinstance(value, Area):
        return value.name
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    uscc = getattr(value, "uscc", None)
    if uscc is not None:
        return uscc
    name = getattr(value, "name", None)
    return name if name is not None else str(value)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (a few words).")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason has at most %(n)d characters.") % {"n": REASON_MAX}})
    return reason


def _log(actor: User, facility: Facility, action: str, reason: str = "", changes: dict[str, Any] | None = None) -> None:
    FacilityChange.objects.create(facility=facility, action=action, reason=reason, changes=changes or {}, actor=actor)
    # The trail names the fields, not the values: those are in the history above, for the staff.
    data: dict[str, Any] = {"type": facility.type.code}
    if changes:
        data["fields"] = sorted(changes)
    record_event(actor=actor, action=f"resources.facility_{action}", obj=facility, data=data)


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
    or GCJ-02 (Chinese map services), which is converted; the pool stores WGS-84 only. The point must lie
    in the area's district (within ``SHEQU_FACILITY_TOLERANCE_M`` of its outline), and no open facility
    of the same name may stand at the same place."""
    require_capability(actor, Capability.REGISTRY_EDIT)
    values = _checked(
        actor=actor,
        area_code=area_code,
        type_code=type_code,
        name=name,
        lon=lon,
        lat=lat,
        coordinates=coordinates,
        address=address,
        floor_area_m2=floor_area_m2,
        capacity=capacity,
        opening_hours=opening_hours,
        operator_uscc=operator_uscc,
    )
    facility = Facility.objects.create(**values)
    _log(actor, facility, FacilityChange.Action.CREATE)
    return facility


def _editable(actor: User, facility_id: int) -> Facility:
    require_capability(actor, Capability.REGISTRY_EDIT)
    return get_visible_or_404(
        Facility.objects.visible_to(actor, Capability.REGISTRY_EDIT)
        .select_related("area", "type", "operator")
        .select_for_update(of=("self",)),
        pk=facility_id,
    )


# What an edit may change, as ``facility_create`` takes it.
EDITABLE = (
    "area_code",
    "type_code",
    "name",
    "lon",
    "lat",
    "coordinates",
    "address",
    "floor_area_m2",
    "capacity",
    "opening_hours",
    "operator_uscc",
)


def _as_given(facility: Facility) -> dict[str, Any]:
    """The facility's values as ``facility_create`` takes them."""
    return {
        "area_code": facility.area.code,
        "type_code": facility.type.code,
        "name": facility.name,
        "lon": facility.lon,
        "lat": facility.lat,
        "coordinates": CoordinateSystem.WGS84,
        "address": facility.address,
        "floor_area_m2": float(facility.floor_area_m2) if facility.floor_area_m2 is not None else None,
        "capacity": facility.capacity,
        "opening_hours": facility.opening_hours,
        "operator_uscc": facility.operator.uscc if facility.operator else "",
    }


@transaction.atomic
def facility_update(*, actor: User, facility_id: int, reason: str, changes: Mapping[str, Any]) -> Facility:
    """Edit a facility, with a reason. ``changes`` holds the fields to set (``EDITABLE``; a field left out
    stays, and None clears the floor area or the capacity); the result is checked like a new facility,
    and the fields that changed go into its history, old and new."""
    facility = _editable(actor, facility_id)
    reason = _reason(reason)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError({field: _("This field cannot be edited.") for field in unknown})
    # A null may clear what a facility need not have (floor area, capacity, the texts); the point stays.
    for required in ("lon", "lat", "coordinates"):
        if required in changes and changes[required] is None:
            raise ValidationError({required: _("This field cannot be cleared.")})
    given = _as_given(facility) | {key: value for key, value in changes.items()}
    if given["coordinates"] != CoordinateSystem.WGS84 and "lon" not in changes and "lat" not in changes:
        given["coordinates"] = CoordinateSystem.WGS84  # the stored point is WGS-84 already
    for text in ("area_code", "type_code", "name", "address", "opening_hours", "operator_uscc"):
        given[text] = given[text] or ""
    values = _checked(actor=actor, exclude_pk=facility.pk, **given)
    changed = {
        field: [_shown(getattr(facility, field)), _shown(value)]
        for field, value in values.items()
        if getattr(facility, field) != value
    }
    if not changed:
        raise ValidationError({"reason": _("Nothing was changed.")})
    for field, value in values.items():
        setattr(facility, field, value)
    facility.save()
    _log(actor, facility, FacilityChange.Action.EDIT, reason, changed)
    return facility


@transaction.atomic
def facility_set_open(*, actor: User, facility_id: int, is_open: bool, reason: str) -> Facility:
    """Close a facility (it leaves the map and the lists, and keeps its history) or reopen it, with a
    reason."""
    facility = _editable(actor, facility_id)
    reason = _reason(reason)
    if facility.is_active == is_open:
        raise ValidationError(
            {"reason": _("The facility is already open.") if is_open else _("The facility is already closed.")}
        )
    if is_open and _duplicate(facility.name, facility.lon, facility.lat, facility.pk):
        raise ValidationError({"reason": _("A facility of this name is already open at this place.")})
    facility.is_active = is_open
    facility.save(update_fields=["is_active"])
    _log(actor, facility, FacilityChange.Action.REOPEN if is_open else FacilityChange.Action.CLOSE, reason)
    return facility
