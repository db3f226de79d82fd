"""The working-day calendar's pages (/reference/calendar/): staff who read areas see a year's days off and
make-up workdays and whether its arrangement is official; only the city administrator corrects it, with
a clear message for a day that cannot be what is asked, and nothing saved then."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.reference.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_calendar_opens_on_this_year(client_of):
    response = client_of("grid_worker").get("/reference/calendar/")
    assert response.status_code == 302
    assert response.url.endswith(f"/reference/calendar/{timezone.localdate().year}/")


def test_a_year_lists_its_days_and_whether_it_is_official(client_of):
    page = client_of("community_staff").get("/reference/calendar/2025/", **ZH).content.decode()
    assert "2025-09-28" in page and "2025-10-11" in page  # the make-up days of 国庆
    assert "2025-10-08" in page
    assert 'name="day"' not in page  # no edit form for staff
    page_2027 = client_of("community_staff").get("/reference/calendar/2027/", **ZH).content.decode()
    assert "2027" in page_2027
    status = CalendarYear.objects.filter(year=2027).first()
    assert status is not None and not status.official


def test_who_may_open_and_edit(client_of):
    assert client_of(None).get("/reference/calendar/2025/").status_code == 302
    for key in ("resident", "auditor", "sysadmin"):
        assert client_of(key).get("/reference/calendar/2025/").status_code in (403, 404)
    for key in ("grid_worker", "community_staff", "street_officer"):
        response = client_of(key).post("/reference/calendar/2025/day/", {"day": "2025-10-10", "kind": "day_off"})
        assert response.status_code in (403, 404)
        response = client_of(key).post("/reference/calendar/2027/official/", {"official": "on"})
        assert response.status_code in (403, 404)
    assert not CalendarDay.objects.filter(day=date(2025, 10, 10)).exists()
    assert client_of("city_admin").get("/reference/calendar/1999/").status_code == 404
    assert 'name="day"' in client_of("city_admin").get("/reference/calendar/2025/").content.decode()


def test_the_administrator_sets_a_day_and_a_year(client_of):
    admin = client_of("city_admin")
    response = admin.post(
        "/reference/calendar/2027/day/",
        {"day": "2027-02-20", "kind": "workday", "name": "调休上班", "source": "国办发明电"},
        **ZH,
    )
    assert response.status_code == 302 and response.url.endswith("/reference/calendar/2027/")
    row = CalendarDay.objects.get(day=date(2027, 2, 20))
    assert (row.kind, row.name, row.source) == ("workday", "调休上班", "国办发明电")
    assert AuditEvent.objects.filter(action="reference.calendar_day_set").count() == 1
    # The day is filed under its own year, whichever year's page posted it.
    response = admin.post("/reference/calendar/2027/day/", {"day": "2026-10-09", "kind": "day_off"}, **ZH)
    assert response.url.endswith("/reference/calendar/2026/")
    # Back to an ordinary day.
    admin.post("/reference/calendar/2026/day/", {"day": "2026-10-09", "kind": ""}, **ZH)
    assert not CalendarDay.objects.filter(day=date(2026, 10, 9)).exists()
    response = admin.post(
        "/reference/calendar/2027/official/", {"official": "on", "source": "国办发明电〔2026〕"}, **ZH
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).official


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"day": "2027-02-22", "kind": "workday"}, "周六或周日"),  # a Monday cannot be a make-up workday
        ({"day": "2027-02-20", "kind": "day_off"}, "周末"),  # a Saturday is off already
        ({"day": "2027-02-31", "kind": "day_off"}, "日期"),
        ({"day": "", "kind": "day_off"}, "日期"),
        ({"day": "2027-02-22", "kind": "holiday"}, ""),
    ],
)
def test_bad_days_get_a_clear_message_and_change_nothing(client_of, data, says):
    before = CalendarDay.objects.count()
    response = client_of("city_admin").post("/reference/calendar/2027/day/", data, **ZH)
    assert response.status_code == 302
    messages = flashed(response)
    assert messages and says in messages[0], messages
    assert CalendarDay.objects.count() == before
    assert not AuditEvent.objects.filter(action="reference.calendar_day_set").exists()
