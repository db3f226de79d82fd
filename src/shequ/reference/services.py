"""Writes to the reference data: seeding the catalogues from the bundled files, and the
administrator's edits of the facility-type catalogue."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import get_visible_or_404, require_capability

from .models import CalendarDay, CalendarYear, CircleLevel, FacilityType, TagType

DATA_DIR = Path(__file__).resolve().parent / "data"
EDITABLE_FIELDS = ("name", "name_en", "circle_level", "required", "service_radius_m", "mofcom_tier", "is_active")


def _catalogue_row(row: dict[str, str]) -> dict[str, Any]:
    return {
        "name": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "source": row.get("source", ""),
        "circle_level": row.get("level", ""),
        "required": row.get("requirement") == "required",
        "service_radius_m": int(row["service_radius_m"]) if row.get("service_radius_m") else None,
        "mofcom_tier": row.get("mofcom_tier", ""),
    }


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def facility_types_load(*, actor: User | None, path: Path = DATA_DIR / "facility_types.csv") -> int:
    """Add the catalogue's types that are missing. Types already present are left as the administrator
    edited them: the file seeds the catalogue, it does not overwrite it. Returns how many were added."""
    rows = _read_csv(path)
    existing = set(FacilityType.objects.values_list("code", flat=True))
    added = [FacilityType(code=r["code"], **_catalogue_row(r)) for r in rows if r["code"] not in existing]
    FacilityType.objects.bulk_create(added)
    if added:
        record_event(actor=actor, action="reference.facility_types_load", data={"added": len(added)})
    return len(added)


@transaction.atomic
def tag_types_load(*, actor: User | None, path: Path = DATA_DIR / "tag_types.csv") -> int:
    """Seed the recorded special-group tags (残疾、低保、特困…); existing ones keep their edits."""
    rows = _read_csv(path)
    existing = set(TagType.objects.values_list("code", flat=True))
    added = [
        TagType(code=r["code"], name=r["name"], has_grade=r["has_grade"] == "1")
        for r in rows
        if r["code"] not in existing
    ]
    TagType.objects.bulk_create(added)
    if added:
        record_event(actor=actor, action="reference.tag_types_load", data={"added": len(added)})
    return len(added)


@transaction.atomic
def facility_type_update(*, actor: User, code: str, **changes: Any) -> FacilityType:
    """A city administrator corrects or extends the catalogue (name, level, required, radius, active).
    ``None`` leaves a field as it is."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    facility_type = get_visible_or_404(FacilityType.objects.select_for_update(), code=code)
    changed: dict[str, list[object]] = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS or value is None:
            continue
        if field == "name" and not str(value).strip():
            raise ValidationError({"name": _("Enter the name.")})
        if field == "circle_level" and value not in ("", *CircleLevel.values):
            levels = "、".join(str(label) for label in CircleLevel.labels)
            raise ValidationError({"circle_level": _("The level is one of: %(levels)s.") % {"levels": levels}})
        if field == "service_radius_m" and not 0 < int(value) <= 5000:
            raise ValidationError({"service_radius_m": _("The service radius is between 1 and 5,000 metres.")})
        if getattr(facility_type, field) != value:
            changed[field] = [getattr(facility_type, field), value]
            setattr(facility_type, field, value)
    if changed:
        facility_type.full_clean()
        facility_type.save()
        record_event(actor=actor, action="reference.facility_type_update", obj=facility_type, data=changed)
    return facility_type


HOLIDAYS_SOURCE = "holidays package (python-holidays, MIT), China"


@transaction.atomic
def calendar_seed(*, actor: User | None, years: range) -> int:
    """Seed the working-day calendar for ``years`` from the ``holidays`` package: its weekday holidays
    and bridging days, and its make-up workdays. Days already present keep the administrator's edits.
    A year is marked official only when the package knows its make-up workdays (it has the State
    Council's arrangement); the others stay unofficial until an administrator confirms them."""
    import holidays

    existing = set(CalendarDay.objects.filter(day__year__in=list(years)).values_list("day", flat=True))
    added: list[CalendarDay] = []
    for year in years:
        china = holidays.country_holidays("CN", years=year)
        days_off = {day: str(name) for day, name in china.items() if day.year == year and day.weekday() < 5}
        workdays = sorted(day for day in china.weekend_workdays if day.year == year)
        added += [
            CalendarDay(day=day, kind=CalendarDay.Kind.DAY_OFF, name=name, source=HOLIDAYS_SOURCE)
            for day, name in sorted(days_off.items())
            if day not in existing
        ]
        added += [
            CalendarDay(day=day, kind=CalendarDay.Kind.WORKDAY, name="调休上班", source=HOLIDAYS_SOURCE)
            for day in workdays
            if day not in existing
        ]
        CalendarYear.objects.get_or_create(
            year=year, defaults={"official": bool(workdays), "source": HOLIDAYS_SOURCE if workdays else ""}
        )
    CalendarDay.objects.bulk_create(added)
    if added:
        record_event(actor=actor, action="reference.calendar_seed", data={"added": len(added)})
    return len(added)


@transaction.atomic
def calendar_day_set(*, actor: User, day: date, kind: str, name: str = "", source: str = "") -> CalendarDay | None:
    """Make ``day`` a day off or a make-up workday, or (``kind`` empty) an ordinary day again."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    if kind and kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": _("Choose a day off or a make-up workday.")})
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        raise ValidationError({"kind": _("A make-up workday is a Saturday or a Sunday.")})
    if kind == CalendarDay.Kind.DAY_OFF and day.weekday() >= 5:
        raise ValidationError({"kind": _("A weekend day is already a day off.")})
    before = CalendarDay.objects.select_for_update().filter(day=day).first()
    old = before.kind if before else ""
    if not kind:
        if before:
            before.delete()
        row = None
    else:
        row, _created = CalendarDay.objects.update_or_create(
            day=day, defaults={"kind": kind, "name": name.strip()[:80], "source": source.strip()[:200]}
        )
    record_event(actor=actor, action="reference.calendar_day_set", data={"day": day, "from": old, "to": kind})
    return row


@transaction.atomic
def calendar_year_set(*, actor: User, year: int, official: bool, source: str = "") -> CalendarYear:
    """Mark a year's arrangement as official (entered from the State Council's notice) or not."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    row, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"official": official, "source": source.strip()[:200]}
    )
    record_event(actor=actor, action="reference.calendar_year_set", data={"year": year, "official": official})
    return row
