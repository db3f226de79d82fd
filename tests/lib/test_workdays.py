"""Working days on a calendar of Chinese public holidays and make-up workdays (lib/workdays, pure). The
calendar here is written out by hand from the State Council's notice for 2025 (国办发明电〔2024〕12号):
国庆节、中秋节 10月1日至8日放假调休, 9月28日（周日）、10月11日（周六）上班."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shequ.lib.workdays import LimitUnit, WorkCalendar, deadline, end_of_day, resumed_deadline

SHANGHAI = ZoneInfo("Asia/Shanghai")
GUOQING_2025 = WorkCalendar.of(
    days_off=[date(2025, 10, d) for d in (1, 2, 3, 6, 7, 8)],  # the weekdays of 10-1 … 10-8
    workdays=[date(2025, 9, 28), date(2025, 10, 11)],
    official_years=[2025],
)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 26), True),  # Friday
        (date(2025, 9, 27), False),  # Saturday
        (date(2025, 9, 28), True),  # Sunday, make-up workday
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # Wednesday, off in the arrangement
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, make-up workday
        (date(2025, 10, 12), False),
    ],
)
def test_is_workday(day, expected):
    assert GUOQING_2025.is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2025, 9, 19), 1, date(2025, 9, 22)),  # Friday + 1 = Monday: the start itself never counts
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # the make-up Sunday counts
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # over the whole holiday
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 9th, 10th, and the make-up Saturday
        (date(2025, 10, 1), 3, date(2025, 10, 11)),  # filed on a holiday
        (date(2025, 9, 24), 0, date(2025, 9, 24)),
    ],
)
def test_add_working_days_across_national_day(start, count, expected):
    assert GUOQING_2025.add_working_days(start, count) == (expected, False)


def test_a_count_into_a_year_without_an_official_arrangement_is_flagged():
    day, flagged = GUOQING_2025.add_working_days(date(2025, 12, 29), 5)
    assert flagged
    assert day == date(2026, 1, 5)  # weekends only in 2026: Dec 30, 31, Jan 1, 2, 5
    assert GUOQING_2025.add_working_days(date(2025, 12, 1), 5) == (date(2025, 12, 8), False)


def test_working_days_between():
    assert GUOQING_2025.working_days_between(date(2025, 9, 26), date(2025, 10, 11)) == 6  # 28, 29, 30, 9, 10, 11
    assert GUOQING_2025.working_days_between(date(2025, 9, 26), date(2025, 10, 10)) == 5
    assert GUOQING_2025.working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert GUOQING_2025.working_days_between(date(2025, 10, 9), date(2025, 10, 1)) == 0


def test_deadline_units():
    filed = at(2025, 9, 30, 15, 20)
    assert deadline(filed, 3, LimitUnit.WORKING_DAYS, GUOQING_2025).at == at(2025, 10, 11, 23, 59, 59)
    assert deadline(filed, 7, LimitUnit.CALENDAR_DAYS, GUOQING_2025).at == at(2025, 10, 7, 23, 59, 59)
    assert deadline(filed, 24, LimitUnit.HOURS, GUOQING_2025).at == at(2025, 10, 1, 15, 20)
    assert deadline(filed, 15, LimitUnit.MINUTES, GUOQING_2025).at == at(2025, 9, 30, 15, 35)
    assert not deadline(filed, 3, "working_days", GUOQING_2025).flagged
    assert deadline(at(2025, 12, 30, 9), 3, "working_days", GUOQING_2025).flagged
    with pytest.raises(ValueError):
        deadline(filed, 3, "fortnights", GUOQING_2025)


def test_end_of_day_is_local():
    assert end_of_day(date(2025, 10, 9), SHANGHAI) == at(2025, 10, 9, 23, 59, 59)


class TestResumedDeadline:
    """The clock stands still while the case waits for the resident, and the deadline moves on by it."""

    due = at(2025, 9, 28, 23, 59, 59)  # filed 9-24 with 3 working days: 25, 26, 28 (make-up Sunday)

    def test_moves_on_by_the_working_days_that_stood_still(self):
        # Stopped on 9-25, answered on 10-9: 26, 28, 29, 30 and 10-9 stood still (5), so 3 working days
        # after the old deadline... 29, 30, 10-9, 10-10, 10-11.
        moved = resumed_deadline(self.due, at(2025, 9, 25, 10), at(2025, 10, 9, 16), "working_days", GUOQING_2025)
        assert moved.at == at(2025, 10, 11, 23, 59, 59)
        assert not moved.flagged

    def test_stopped_and_answered_the_same_day_changes_nothing(self):
        moved = resumed_deadline(self.due, at(2025, 9, 25, 10), at(2025, 9, 25, 17), "working_days", GUOQING_2025)
        assert moved.at == self.due

    def test_stood_over_the_holiday_only(self):
        # Stopped on 9-30, answered on 10-8: no working day stood still.
        moved = resumed_deadline(
            at(2025, 10, 10, 23, 59, 59), at(2025, 9, 30, 9), at(2025, 10, 8, 12), "working_days", GUOQING_2025
        )
        assert moved.at == at(2025, 10, 10, 23, 59, 59)

    def test_an_overdue_case_stays_overdue(self):
        # Overdue since 9-28, stopped on 9-30, answered on 10-9 (one working day stood still).
        moved = resumed_deadline(self.due, at(2025, 9, 30, 9), at(2025, 10, 9, 9), "working_days", GUOQING_2025)
        assert moved.at == at(2025, 9, 29, 23, 59, 59)
        assert moved.at < at(2025, 10, 9, 9)

    def test_days_are_the_deadlines_local_days_whatever_zone_the_times_come_in(self):
        utc = ZoneInfo("UTC")
        moved = resumed_deadline(
            self.due,
            at(2025, 9, 26, 7).astimezone(utc),  # 9-25 23:00 UTC is 9-26 in Shanghai
            at(2025, 9, 26, 20).astimezone(utc),
            "working_days",
            GUOQING_2025,
        )
        assert moved.at == self.due

    def test_into_an_unofficial_year_is_flagged(self):
        moved = resumed_deadline(
            at(2025, 12, 31, 23, 59, 59), at(2025, 12, 30, 9), at(2026, 1, 6, 9), "working_days", GUOQING_2025
        )
        assert moved.flagged

    @pytest.mark.parametrize("unit", ["hours", "minutes", "calendar_days"])
    def test_elapsed_time_for_the_other_units(self, unit):
        old = at(2025, 9, 25, 12)
        moved = resumed_deadline(old, at(2025, 9, 25, 9), at(2025, 9, 26, 10, 30), unit, GUOQING_2025)
        assert moved.at == old + timedelta(hours=25, minutes=30)
        assert not moved.flagged

    def test_no_time_stood_still(self):
        assert resumed_deadline(self.due, at(2025, 9, 25), at(2025, 9, 25), "hours", GUOQING_2025).at == self.due
