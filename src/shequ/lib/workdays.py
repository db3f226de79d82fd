"""Deadlines in working days or in calendar time, on a calendar of Chinese public holidays and make-up
workdays (调休). Pure: the calendar's days come from the caller (``reference.selectors.work_calendar``).

A working day is a Monday to Friday that is not a day off, or a weekend day declared a workday. Only a
year whose official arrangement is known (published by the State Council, usually in the November
before) is counted with certainty: a deadline that runs into another year is computed as if that year
had weekends only, and *flagged*, never silently assumed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum


class LimitUnit(StrEnum):
    """How a time limit is counted (a case kind or a catalogue item says which)."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MINUTES = "minutes"


@dataclass(frozen=True)
class WorkCalendar:
    days_off: frozenset[date] = frozenset()  # weekdays that are holidays
    workdays: frozenset[date] = frozenset()  # weekend days that are make-up workdays
    official_years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, days_off: Iterable[date], workdays: Iterable[date], official_years: Iterable[int]) -> WorkCalendar:
        return cls(frozenset(days_off), frozenset(workdays), frozenset(official_years))

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def is_known(self, day: date) -> bool:
        return day.year in self.official_years

    def add_working_days(self, start: date, count: int) -> tuple[date, bool]:
        """The ``count``-th working day after ``start`` (``start`` itself never counts: a case filed on a
        Friday with a limit of one working day is due on Monday), and whether any day counted lies in a
        year without an official arrangement."""
        day = start
        flagged = False
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if not self.is_known(day):
                flagged = True
            if self.is_workday(day):
                remaining -= 1
        return day, flagged

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


@dataclass(frozen=True)
class Deadline:
    at: datetime
    flagged: bool  # counted into a year without an official arrangement


def end_of_day(day: date, tz: object) -> datetime:
    """The last moment of a day in the local time zone: a working-day deadline lasts the whole day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)  # type: ignore[arg-type]


def deadline(start: datetime, amount: int, unit: str, calendar: WorkCalendar) -> Deadline:
    """When a limit of ``amount`` ``unit`` that starts at ``start`` (aware, local time) runs out."""
    unit = LimitUnit(unit)
    if unit is LimitUnit.WORKING_DAYS:
        day, flagged = calendar.add_working_days(start.date(), amount)
        return Deadline(end_of_day(day, start.tzinfo), flagged)
    if unit is LimitUnit.CALENDAR_DAYS:
        return Deadline(end_of_day(start.date() + timedelta(days=amount), start.tzinfo), False)
    if unit is LimitUnit.HOURS:
        return Deadline(start + timedelta(hours=amount), False)
    return Deadline(start + timedelta(minutes=amount), False)


def resumed_deadline(
    old: datetime, stopped_at: datetime, resumed_at: datetime, unit: str, calendar: WorkCalendar
) -> Deadline:
    """The deadline after the clock stood still from ``stopped_at`` to ``resumed_at`` (waiting for the
    resident). What was left when the clock stopped is left again when it restarts: working days left
    for a working-day limit (counted from the stop's day), elapsed time for the others."""
    if resumed_at <= stopped_at:
        return Deadline(old, False)
    if LimitUnit(unit) is LimitUnit.WORKING_DAYS:
        left = calendar.working_days_between(stopped_at.date(), old.date())
        day, flagged = calendar.add_working_days(resumed_at.date(), left)
        return Deadline(end_of_day(day, old.tzinfo), flagged)
    return Deadline(old + (resumed_at - stopped_at), False)
