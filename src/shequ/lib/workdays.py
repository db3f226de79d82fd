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
    resident): it moves on by the time that stood still. For a working-day limit that is the working days
    after the day the clock stopped up to the day it restarted, counted on from the old deadline's day
    (so a case that was overdue when it stopped is still overdue); for the other units the elapsed time.
    Days are read in the old deadline's time zone (pass local times: a UTC date is the wrong day)."""
    if resumed_at <= stopped_at:
        return Deadline(old, False)
    if LimitUnit(unit) is LimitUnit.WORKING_DAYS:
        stopped_day = stopped_at.astimezone(old.tzinfo).date()
        resumed_day = resumed_at.astimezone(old.tzinfo).date()
        stood = calendar.working_days_between(stopped_day, resumed_day)
        # Days that stood still in a year without an official arrangement make the count uncertain too.
        unsure = any(
            not calendar.is_known(stopped_day + timedelta(days=n))
            for n in range(1, (resumed_day - stopped_day).days + 1)
        )
        day, flagged = calendar.add_working_days(old.date(), stood)
        return Deadline(end_of_day(day, old.tzinfo), flagged or unsure)
    return Deadline(old + (resumed_at - stopped_at), False)
