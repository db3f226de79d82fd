"""The resource pool and legal entities: every write, and the facility-type catalogue."""

from __future__ import annotations

import csv
import decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.accounts.access import require_capability
from shequ.accounts.roles import Capability
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.lib.geo import gcj02_to_wgs84
from shequ.lib.identifiers import normalize_uscc

from .models import Facility, FacilityType, LegalEntity

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FIELDS = ("name", "name_en", "source", "circle_level", "required", "service_radius_m", "mofcom_tier")


def _catalogue_row(row: dict) -> dict:
    return {
        "name": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "source": row.get("source", ""),
        "circle_level": row.get("level", ""),
        "required": row.get("requirement") == "required",
        "service_radius_m": int(row["service_radius_m"]) if row.get("service_radius_m") else None,
        "mofcom_tier": row.get("mofcom_tier", ""),
    }


@transaction.atomic
def facility_types_load(*, actor, path: Path = DATA_DIR / "facility_types.csv") -> int:
    """Add the catalogue's types that are missing. Types already present are left as the administrator
    edited them: the file seeds the catalogue, it does not overwrite it. Returns how many were added."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = set(FacilityType.objects.values_list("code", flat=True))
    added = [FacilityType(code=r["code"], **_catalogue_row(r)) for r in rows if r["code"] not in existing]
    FacilityType.objects.bulk_create(added)
    if added:
        record_event(actor=actor, action="registry.facility_types_load", data={"added": len(added)})
    return len(added)


@transaction.atomic
def tag_types_load(*, actor, path: Path = DATA_DIR / "tag_types.csv") -> int:
    """Seed the recorded special-group tags (残疾、低保、特困…); existing ones keep their edits."""
    from .models import TagType

    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = set(TagType.objects.values_list("code", flat=True))
    added = [
        TagType(code=r["code"], name=r["name"], has_grade=r["has_grade"] == "1")
        for r in rows
        if r["code"] not in existing
    ]
    TagType.objects.bulk_create(added)
    if added:
        record_event(actor=actor, action="registry.tag_types_load", data={"added": len(added)})
    return len(added)


@transaction.atomic
def facility_type_update(*, actor, code: str, **changes) -> FacilityType:
    """A city administrator corrects or extends the catalogue (name, level, required, radius, active)."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    facility_type = FacilityType.objects.select_for_update().filter(code=code).first()
    if facility_type is None:
        raise Http404
    allowed = {"name", "name_en", "circle_level", "required", "service_radius_m", "mofcom_tier", "is_active"}
    changed = {}
    for field, value in changes.items():
        if field not in allowed or value is None:
            continue
        if field == "name" and not str(value).strip():
            raise ValidationError({"name": _("Enter the name.")})
        if field == "circle_level" and value not in ("", "block", "5min", "10min", "15min"):
            raise ValidationError({"circle_level": _("The level is one of block, 5min, 10min, 15min.")})
        if field == "service_radius_m" and not 0 < int(value) <= 5000:
            raise ValidationError({"service_radius_m": _("The service radius is between 1 and 5,000 metres.")})
        if getattr(facility_type, field) != value:
            changed[field] = [getattr(facility_type, field), value]
            setattr(facility_type, field, value)
    if changed:
        facility_type.full_clean()
        facility_type.save()
        record_event(actor=actor, action="registry.facility_type_update", obj=facility_type, data=changed)
    return facility_type


def _editable_area(actor, code: str, field: str = "area_code") -> Area:
    area = (
        Area.objects.visible_to(actor, Capability.REGISTRY_EDIT)
        .filter(code=code, level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
        .first()
    )
    if area is None:
        raise ValidationError({field: _("There is no street, community or grid with this code in your area.")})
    return area


@transaction.atomic
def legal_entity_create(*, actor, area_code: str, name: str, uscc: str, kind: str, address: str = "") -> LegalEntity:
    """Register a company, social organisation, property company or O2O store (法人)."""
    require_capability(actor, Capability.REGISTRY_EDIT)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 150:
        errors["name"] = [_("Enter the name (at most 150 characters).")]
    try:
        uscc = normalize_uscc(uscc)
    except ValidationError as exc:
        errors["uscc"] = exc.messages
    if kind not in LegalEntity.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    try:
        area = _editable_area(actor, area_code)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if len(address or "") > 200:
        errors["address"] = [_("The address has at most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entity = LegalEntity.objects.create(area=area, name=name, uscc=uscc, kind=kind, address=address or "")
    except IntegrityError:
        raise ValidationError({"uscc": _("An entity with this credit code is already registered.")}) from None
    record_event(actor=actor, action="registry.legal_entity_create", obj=entity)
    return entity


@transaction.atomic
def facility_create(
    *,
    actor,
    area_code: str,
    type_code: str,
    name: str,
    lon: float,
    lat: float,
    coordinates: str = "wgs84",
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
    try:
        area = _editable_area(actor, area_code)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        area = None
    facility_type = FacilityType.objects.filter(code=type_code, is_active=True).first()
    if facility_type is None:
        errors["type_code"] = [_("Unknown facility type.")]
    name = (name or "").strip()
    if not name or len(name) > 150:
        errors["name"] = [_("Enter the name (at most 150 characters).")]
    if coordinates not in ("wgs84", "gcj02"):
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
            operator = (
                LegalEntity.objects.visible_to(actor, Capability.AREA_READ)
                .filter(uscc=normalize_uscc(operator_uscc))
                .first()
            )
        except ValidationError as exc:
            errors["operator_uscc"] = exc.messages
        else:
            if operator is None:
                errors["operator_uscc"] = [_("No registered entity in your area has this credit code.")]
    if errors:
        raise ValidationError(errors)
    if coordinates == "gcj02":
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
    record_event(actor=actor, action="registry.facility_create", obj=facility, data={"type": type_code})
    return facility
