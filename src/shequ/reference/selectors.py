"""Reads of the reference data. Catalogues are not area data: every signed-in staff role reads them."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from shequ.lib.workdays import WorkCalendar

from .models import CalendarDay, CalendarYear, FacilityType, TagType


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


def work_calendar() -> WorkCalendar:
    """The working-day calendar as it stands (a few hundred rows: read whole, two queries)."""
    days_off: list[date] = []
    workdays: list[date] = []
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else days_off).append(day)
    official = CalendarYear.objects.filter(official=True).values_list("year", flat=True)
    return WorkCalendar.of(days_off, workdays, official)


def calendar_days(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(day__year=year)


def calendar_years() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.all()
