"""Deadlines of cases on the seeded calendar (the ``holidays`` package's China data, as the world seeds it for
2024–2027): 国庆 and 春节 with their make-up workdays, a year without an official arrangement, the units of
time, the clock standing still while the case waits for materials, and the administrator's corrections.

The expected dates are counted by hand from the State Council's notices: 2025 国庆/中秋 10-1…10-8 off, 9-28
(Sun) and 10-11 (Sat) worked; 2026 春节 2-15…2-23 off, 2-14 (Sat) and 2-28 (Sat) worked. 2027 has no
arrangement yet in the seed (the package knows no make-up days for it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from casework_support import SHANGHAI, make_household, residence_form, upload

from shequ.casework import services
from shequ.casework.catalogue import item_create
from shequ.casework.models import Case, CaseState
from shequ.reference.models import CalendarDay, CalendarYear
from shequ.reference.services import calendar_day_set, calendar_year_set

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def end(y: int, m: int, d: int) -> datetime:
    return at(y, m, d, 23, 59, 59)


@pytest.fixture
def applicant(world):
    return make_household(world.grid_a1, world.community_a, number="811").applicant


def file(user_of, applicant, item: str = "residence_certificate", form: dict | None = None) -> Case:
    return services.case_file(
        actor=user_of("resident"),
        channel="online",
        filing=services.Filing(item_code=item, applicant_id=applicant.pk, form=form or residence_form(applicant)),
    )


def test_the_seed_holds_the_real_arrangements(world):
    kinds = dict(CalendarDay.objects.filter(day__year__in=[2025, 2026]).values_list("day", "kind"))
    assert kinds[date(2025, 9, 28)] == kinds[date(2025, 10, 11)] == "workday"
    assert kinds[date(2026, 2, 14)] == kinds[date(2026, 2, 28)] == "workday"
    assert all(kinds[date(2025, 10, d)] == "day_off" for d in (1, 2, 3, 6, 7, 8))
    official = dict(CalendarYear.objects.values_list("year", "official"))
    assert official[2025] and official[2026] and not official[2027]


@pytest.mark.parametrize(
    ("filed", "expected"),
    [
        (at(2025, 9, 26, 10), end(2025, 9, 30)),  # 28 (make-up Sunday), 29, 30
        (at(2025, 9, 30, 16), end(2025, 10, 11)),  # over 国庆: 10-9, 10-10, make-up Saturday 10-11
        (at(2025, 10, 3, 9), end(2025, 10, 11)),  # filed on a holiday
        (at(2026, 2, 13, 11), end(2026, 2, 25)),  # make-up Saturday 2-14, then 春节 to 2-23: 2-24, 2-25
        (at(2026, 2, 26, 11), end(2026, 3, 2)),  # 2-27, make-up Saturday 2-28, Monday 3-2
    ],
)
def test_working_day_deadlines_across_holidays_and_make_up_days(user_of, applicant, clock, filed, expected):
    clock.at = filed
    case = file(user_of, applicant)
    assert case.time_limit == 3 and case.time_limit_unit == "working_days"
    assert case.deadline_at == expected
    assert not case.deadline_uncertain


def test_a_deadline_into_a_year_without_an_official_arrangement_is_flagged(user_of, applicant, clock):
    clock.at = at(2026, 12, 28, 9)
    card = {"applicant": applicant.pk, "pickup": "社区领取"}
    case = file(user_of, applicant, "elderly_preferential_card", card)  # 10 working days: into 2027
    assert case.deadline_uncertain
    assert case.deadline_at == end(2027, 1, 12)  # 29, 30, 31, (1-1 off) 4, 5, 6, 7, 8, 11, 12
    clock.at = at(2026, 11, 2, 9)
    inside = file(user_of, make_household(applicant.area, applicant.household.area, number="812").applicant)
    assert not inside.deadline_uncertain


def _item(user_of, code: str, amount: int, unit: str) -> None:
    item_create(
        actor=user_of("city_admin"),
        code=code,
        name="时限测试",
        department="社区",
        time_limit=amount,
        time_limit_unit=unit,
        channels=["online"],
        one_open_per_applicant=False,
        form=[{"name": "applicant", "label": "申请人", "type": "household_member", "required": True}],
        materials=[{"code": "id_card", "name": "身份证", "required": True}],
    )


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (15, "minutes", at(2025, 9, 30, 16, 35)),
        (24, "hours", at(2025, 10, 1, 16, 20)),  # calendar time: holidays do not matter
        (7, "calendar_days", end(2025, 10, 7)),  # a public notice runs seven calendar days
    ],
)
def test_calendar_units(user_of, applicant, clock, amount, unit, expected):
    _item(user_of, "limit_test", amount, unit)
    clock.at = at(2025, 9, 30, 16, 20)
    case = file(user_of, applicant, "limit_test", {"applicant": applicant.pk})
    assert abs(case.deadline_at - expected) < timedelta(seconds=1)
    assert not case.deadline_uncertain


def _wait_and_answer(user_of, case: Case, clock, stop: datetime, answer: datetime) -> Case:
    clock.at = stop
    services.case_act(
        actor=user_of("community_staff"), case_id=case.pk, action="request_materials", materials=["id_card"]
    )
    clock.at = answer
    services.case_attach(
        actor=user_of("resident"), case_id=case.pk, material="id_card", upload=upload(), filename="id.png"
    )
    return services.case_act(actor=user_of("resident"), case_id=case.pk, action="supply_materials")


def test_the_clock_stands_still_while_waiting_for_materials(user_of, applicant, clock, case_files):
    clock.at = at(2025, 9, 24, 9)
    case = file(user_of, applicant)
    assert case.deadline_at == end(2025, 9, 28)  # 25, 26, make-up Sunday 28
    clock.at = at(2025, 9, 25, 10)
    services.case_act(actor=user_of("community_staff"), case_id=case.pk, action="accept")
    # Waiting from 9-25 to 10-9: 26, 28, 29, 30 and 10-9 stood still; the deadline moves on by five
    # working days: 29, 30, 10-9, 10-10, 10-11.
    case = _wait_and_answer(user_of, case, clock, at(2025, 9, 25, 11), at(2025, 10, 9, 15))
    assert case.state == CaseState.ACCEPTED
    assert case.deadline_at == end(2025, 10, 11)
    assert case.clock_stopped_at is None


def test_waiting_is_not_overdue_and_an_overdue_case_stays_overdue(user_of, applicant, clock, case_files):
    clock.at = at(2025, 9, 24, 9)
    case = file(user_of, applicant)
    clock.at = at(2025, 9, 30, 9)  # overdue since the end of 9-28
    services.case_act(
        actor=user_of("community_staff"), case_id=case.pk, action="request_materials", materials=["id_card"]
    )
    services.cases_check_deadlines(now=at(2025, 10, 5, 9))
    assert Case.objects.get(pk=case.pk).escalated_at is None  # waiting for the resident: not overdue
    clock.at = at(2025, 10, 9, 9)
    services.case_attach(
        actor=user_of("resident"), case_id=case.pk, material="id_card", upload=upload(), filename="a.png"
    )
    case = services.case_act(actor=user_of("resident"), case_id=case.pk, action="supply_materials")
    # One working day (10-9) stood still: one working day after 9-28 is 9-29, long past.
    assert case.deadline_at == end(2025, 9, 29)
    services.cases_check_deadlines(now=at(2025, 10, 9, 10))
    assert Case.objects.get(pk=case.pk).escalated_at is not None


def test_the_administrators_corrections_change_later_deadlines(user_of, applicant, clock):
    admin = user_of("city_admin")
    clock.at = at(2025, 9, 30, 16)
    before = file(user_of, applicant)
    assert before.deadline_at == end(2025, 10, 11)
    # A bridging day off on Friday 10-10 (an imagined correction): a case filed afterwards is due one
    # working day later; the case filed before keeps its deadline.
    calendar_day_set(actor=admin, day=date(2025, 10, 10), kind="day_off", name="调休", source="测试")
    other = make_household(applicant.area, applicant.household.area, number="813").applicant
    after = file(user_of, other)
    assert after.deadline_at == end(2025, 10, 13)
    assert Case.objects.get(pk=before.pk).deadline_at == end(2025, 10, 11)
    # Back to an ordinary day.
    calendar_day_set(actor=admin, day=date(2025, 10, 10), kind="")
    third = make_household(applicant.area, applicant.household.area, number="814").applicant
    assert file(user_of, third).deadline_at == end(2025, 10, 11)


def test_marking_a_year_official_removes_the_flag_and_its_days_count(user_of, applicant, clock):
    admin = user_of("city_admin")
    # The State Council's 2027 notice is entered: 2-5 … 2-11 off for 春节 (weekdays), 2-20 (Sat) worked.
    for day in (5, 8, 9, 10, 11):
        calendar_day_set(actor=admin, day=date(2027, 2, day), kind="day_off", name="春节", source="国办发明电")
    calendar_day_set(actor=admin, day=date(2027, 2, 20), kind="workday", name="调休上班", source="国办发明电")
    calendar_year_set(actor=admin, year=2027, official=True, source="国办发明电〔2026〕")
    clock.at = at(2027, 2, 3, 10)
    case = file(user_of, applicant)
    assert not case.deadline_uncertain
    assert case.deadline_at == end(2027, 2, 15)  # 2-4, (2-5 … 2-11 off), 2-12, 2-15
    clock.at = at(2027, 2, 18, 10)
    other = make_household(applicant.area, applicant.household.area, number="815").applicant
    assert file(user_of, other).deadline_at == end(2027, 2, 22)  # 2-19, make-up Saturday 2-20, 2-22


def test_a_warning_is_given_again_before_a_moved_deadline(user_of, applicant, clock, case_files):
    clock.at = at(2025, 9, 24, 9)
    case = file(user_of, applicant)  # due at the end of 9-28
    assert services.cases_check_deadlines(now=at(2025, 9, 28, 9)).warned == 1
    case = _wait_and_answer(user_of, case, clock, at(2025, 9, 28, 10), at(2025, 9, 30, 10))
    assert case.deadline_at == end(2025, 9, 30)  # 9-29 and 9-30 stood still: two working days on
    assert case.warned_at is None
    assert services.cases_check_deadlines(now=at(2025, 9, 30, 11)).warned == 1
    assert services.cases_check_deadlines(now=at(2025, 9, 30, 12)).warned == 0


def test_uncertain_deadlines_are_counted_again_once_the_year_is_official(user_of, applicant, clock, case_files):
    from shequ.accounts.system import SYSTEM_USERNAME
    from shequ.audit.models import AuditEvent

    admin = user_of("city_admin")
    card = {"applicant": applicant.pk, "pickup": "社区领取"}
    clock.at = at(2026, 12, 28, 9)
    plain = file(user_of, applicant, "elderly_preferential_card", card)  # 10 working days, into 2027
    assert (plain.deadline_at, plain.deadline_uncertain) == (end(2027, 1, 12), True)
    other = make_household(applicant.area, applicant.household.area, number="816").applicant
    waited = file(user_of, other, "elderly_preferential_card", {"applicant": other.pk, "pickup": "社区领取"})
    # It waited for materials from 12-29 to 12-31 (12-30 and 12-31 stood still): due two working days later.
    clock.at = at(2026, 12, 29, 9)
    services.case_act(
        actor=user_of("community_staff"), case_id=waited.pk, action="request_materials", materials=["id_card"]
    )
    clock.at = at(2026, 12, 31, 9)
    services.case_attach(
        actor=user_of("resident"), case_id=waited.pk, material="id_card", upload=upload(), filename="a.png"
    )
    waited = services.case_act(actor=user_of("resident"), case_id=waited.pk, action="supply_materials")
    assert (waited.deadline_at, waited.deadline_uncertain) == (end(2027, 1, 14), True)
    # While 2027 is not official the job changes nothing.
    assert services.cases_check_deadlines(now=at(2026, 12, 31, 10)).recounted == 0
    # The arrangement is entered (an imagined bridging day off on Monday 1-4) and the year marked official.
    calendar_day_set(actor=admin, day=date(2027, 1, 4), kind="day_off", name="元旦调休", source="国办发明电")
    calendar_year_set(actor=admin, year=2027, official=True, source="国办发明电")
    run = services.cases_check_deadlines(now=at(2026, 12, 31, 10))
    assert run.recounted == 2
    plain.refresh_from_db()
    waited.refresh_from_db()
    assert (plain.deadline_at, plain.deadline_uncertain) == (end(2027, 1, 13), False)
    assert (waited.deadline_at, waited.deadline_uncertain) == (end(2027, 1, 15), False)
    events = AuditEvent.objects.filter(action="casework.deadline_recount").select_related("actor")
    assert events.count() == 2 and {e.actor.username for e in events} == {SYSTEM_USERNAME}
    assert services.cases_check_deadlines(now=at(2026, 12, 31, 11)).recounted == 0
