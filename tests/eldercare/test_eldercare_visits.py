"""Care visits (关怀访视): who is eligible on the day they turn 80 (and on a 29 February birthday), an
ineligible enrolment refused with the groups it is for, a visit overdue → flagged → escalated → recorded
from the phone page, a visit recorded by someone not assigned refused with nothing saved, and the
workbench's summary."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from shequ.audit.models import AuditEvent
from shequ.programmes.common import eligibility
from shequ.programmes.common import services as core
from shequ.programmes.common.models import EligibilityRule, Programme, Visit
from shequ.programmes.eldercare import selectors
from shequ.residents.selectors import years_ago
from tests.eldercare.support import elder

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _groups(person, on):
    return [r.name for r in eligibility.eligible_by(Programme.objects.get(code="care_visits"), person, on)]


def test_eligible_as_80_from_the_80th_birthday_not_the_day_before(world, user_of):
    today = timezone.localdate()
    # Not alone and no special group: only the 80+ group can include them.
    person = elder("满八十", world.grid_a1, birth=years_ago(80, today), alone=False)
    assert _groups(person, today) == ["80周岁及以上老年人"]
    assert _groups(person, today - DAY) == []

    staff = user_of("community_staff")
    with pytest.raises(ValidationError) as refused:
        core.enrol(actor=staff, programme_code="care_visits", person_id=person.pk, on=today - DAY)
    message = str(refused.value)
    # The refusal names the programme, the day and the groups the programme is for.
    assert "关怀访视" in message and (today - DAY).isoformat() in message and "80周岁及以上老年人" in message
    enrolment = core.enrol(actor=staff, programme_code="care_visits", person_id=person.pk, on=today)
    assert [r["group"] for r in enrolment.reasons] == ["80周岁及以上老年人"]
    # 80+ not alone: visited every 14 days, by the grid's worker.
    visit = Visit.objects.get(enrolment=enrolment, done_at__isnull=True)
    assert visit.due_on == today + datetime.timedelta(days=14)
    assert visit.assigned_to_id == world.personas["grid_worker"]


def test_a_29_february_birthday(world):
    person = elder("闰日生", world.grid_a1, birth="1944-02-29", alone=False)
    assert _groups(person, datetime.date(2024, 2, 29)) == ["80周岁及以上老年人"]
    assert _groups(person, datetime.date(2024, 2, 28)) == []
    # In a year without 29 February they are a year older from 1 March.
    older = EligibilityRule(min_age=81, valid_from=datetime.date(2000, 1, 1))
    assert not eligibility.includes(older, person, datetime.date(2025, 2, 28))
    assert eligibility.includes(older, person, datetime.date(2025, 3, 1))


def test_an_ineligible_person_is_refused_with_the_groups_and_nothing_saved(world, user_of):
    person = elder("年轻人", world.grid_a1, birth="1990-01-01", alone=False)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        core.enrol(actor=user_of("community_staff"), programme_code="care_visits", person_id=person.pk)
    assert "60周岁及以上独居老年人" in str(refused.value)
    assert person.pk not in list(Visit.objects.values_list("enrolment__person_id", flat=True))
    assert AuditEvent.objects.count() == before


def _overdue_elder(world, user_of, days_ago=20):
    person = elder("逾期老人", world.grid_a1, birth="1938-01-01")
    enrolment = core.enrol(
        actor=user_of("community_staff"),
        programme_code="care_visits",
        person_id=person.pk,
        on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    return Visit.objects.get(enrolment=enrolment, done_at__isnull=True)


def test_overdue_flagged_escalated_then_recorded_on_the_phone(world, user_of, client_of):
    visit = _overdue_elder(world, user_of)
    today = timezone.localdate()
    assert visit.due_on == today - datetime.timedelta(days=13)  # 80+ alone: every 7 days

    staff = client_of("community_staff")
    page = staff.get("/programmes/eldercare/visits/overdue/")
    assert page.status_code == 200
    row = [r for r in page.context["rows"] if r[0].pk == visit.pk]
    assert row and row[0][1] == 13 and row[0][2] is True  # days overdue, past the grace days
    assert row[0][0].escalated_at is None

    assert core.visits_escalate() >= 1
    visit.refresh_from_db()
    assert visit.escalated_at is not None
    page = staff.get("/programmes/eldercare/visits/overdue/")
    assert [r for r in page.context["rows"] if r[0].pk == visit.pk][0][0].escalated_at is not None
    assert AuditEvent.objects.filter(action="programmes.visit_escalate", object_id=str(visit.pk)).exists()

    worker = client_of("grid_worker")
    listed = worker.get("/programmes/eldercare/visits/")
    assert visit in listed.context["overdue"]
    form = worker.get(f"/programmes/eldercare/visits/{visit.pk}/")
    assert form.status_code == 200 and b"/static/programmes/geolocate.js" in form.content
    done = worker.post(
        f"/programmes/eldercare/visits/{visit.pk}/",
        {"outcome": "met", "note": "老人在家，身体尚好", "lon": "123.4315", "lat": "41.7968"},
    )
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.done_by_id == world.personas["grid_worker"] and visit.outcome == "met"
    assert (visit.lon, visit.lat) == (123.4315, 41.7968)
    nxt = Visit.objects.get(enrolment=visit.enrolment, done_at__isnull=True)
    assert nxt.due_on == today + datetime.timedelta(days=7)
    assert visit not in selectors.overdue_visits(actor=user_of("community_staff"))


def test_a_visit_recorded_by_someone_not_assigned_is_refused_and_nothing_saved(world, user_of, client_of):
    visit = _overdue_elder(world, user_of)
    before = AuditEvent.objects.filter(action="programmes.visit").count()
    response = client_of("community_staff").post(f"/programmes/eldercare/visits/{visit.pk}/", {"outcome": "met"})
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = gettext("This visit is assigned to someone else: only they record it.")
    assert expected in response.content.decode()
    visit.refresh_from_db()
    assert visit.done_at is None and visit.outcome == ""
    assert AuditEvent.objects.filter(action="programmes.visit").count() == before
    # Someone out of the area does not even see it.
    assert (
        client_of("community_staff_b").post(f"/programmes/eldercare/visits/{visit.pk}/", {"outcome": "met"}).status_code
        == 404
    )


def test_a_bad_position_is_refused(world, user_of, client_of):
    visit = _overdue_elder(world, user_of)
    response = client_of("grid_worker").post(
        f"/programmes/eldercare/visits/{visit.pk}/", {"outcome": "met", "lon": "500", "lat": "41.8"}
    )
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.done_at is None


def test_summary_counts_for_the_workbench(world, user_of):
    worker, staff = user_of("grid_worker"), user_of("community_staff")
    before = selectors.visits_summary(actor=worker)
    _overdue_elder(world, user_of)
    due_today = _overdue_elder(world, user_of, days_ago=7)
    assert due_today.due_on == timezone.localdate()
    after = selectors.visits_summary(actor=worker)
    assert after["due_today"] == before["due_today"] + 1
    assert after["my_overdue"] == before["my_overdue"] + 1
    assert after["area_overdue"] == 0  # the grid worker runs no programme
    assert selectors.visits_summary(actor=staff)["area_overdue"] >= 2
    assert selectors.visits_summary(actor=user_of("children_officer")) == {
        "due_today": 0,
        "my_overdue": 0,
        "area_overdue": 0,
    }


def test_the_children_officer_has_no_eldercare_pages(client_of):
    for url in ("/programmes/eldercare/visits/", "/programmes/eldercare/visits/overdue/"):
        assert client_of("children_officer").get(url).status_code == 403


def test_the_api_gives_the_summary_the_overdue_flags_and_figures_without_personal_data(world, user_of, client_of):
    visit = _overdue_elder(world, user_of)
    core.visits_escalate()
    summary = client_of("grid_worker").get("/api/programmes/eldercare/visits/summary").json()
    assert summary["my_overdue"] >= 1
    rows = client_of("street_officer").get("/api/programmes/eldercare/visits/overdue").json()
    mine = [r for r in rows if r["id"] == visit.pk][0]
    assert mine["days_overdue"] == 13 and mine["past_grace"] and mine["escalated_at"]
    assert "逾期老人" not in str(rows)
    assert client_of("grid_worker").get("/api/programmes/eldercare/visits/overdue").status_code == 404
    assert client_of("children_officer").get("/api/programmes/eldercare/visits/summary").status_code == 404
    figures = client_of("district_officer").get(f"/api/programmes/eldercare/figures?area={world.street.code}").json()
    assert figures["total"]["visits_overdue"] >= 1
    assert (
        client_of("community_staff").get(f"/api/programmes/eldercare/figures?area={world.street.code}").status_code
        == 404
    )


def test_care_visit_completion_for_the_indicators(world, user_of):
    today = timezone.localdate()
    since = today - datetime.timedelta(days=30)
    before = selectors.care_visit_completion(world.community_a, since, today)
    late = _overdue_elder(world, user_of)  # due 13 days ago
    _overdue_elder(world, user_of)  # due 13 days ago, never made
    core.visit_record(actor=user_of("grid_worker"), visit_id=late.pk, outcome="met")
    after = selectors.care_visit_completion(world.community_a, since, today)
    assert after["due"] == before["due"] + 2
    assert after["done"] == before["done"] + 1
    assert after["on_time"] == before["on_time"]  # made, but after its day
    # Community B's figure is its own: none of community A's visits.
    assert selectors.care_visit_completion(world.community_b, since, today)["done"] == 0
