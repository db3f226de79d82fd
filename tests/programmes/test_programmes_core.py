"""The programme core: eligibility on the boundary days, enrolment and its refusals, access by programme
(restricted care records), review, and visits (only the assigned worker records one; overdue visits are
escalated once). Expected answers come from the fixture: who lives where, who is enrolled."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.programmes.common import access, eligibility, selectors, services
from shequ.programmes.common.models import EligibilityRule, Enrolment, Programme, Visit, VisitRule
from shequ.residents.models import Person
from tests import factories
from tests.programmes.world import CHILDREN, enrolment_of

pytestmark = pytest.mark.django_db


def _eighty_plus(**extra) -> Programme:
    programme = Programme.objects.create(code="eighty", name="高龄关爱", domain="eldercare")
    EligibilityRule.objects.create(
        programme=programme, name="80周岁以上", min_age=80, valid_from=datetime.date(2020, 1, 1), **extra
    )
    return programme


def test_a_person_is_eighty_from_their_eightieth_birthday(world):
    programme = _eighty_plus()
    person = factories.resident(
        name="寿星", area=world.grid_a1, community=world.community_a, number="901", birth="1946-03-02"
    )
    assert not eligibility.eligible_by(programme, person, datetime.date(2026, 3, 1))
    assert [r.name for r in eligibility.eligible_by(programme, person, datetime.date(2026, 3, 2))] == ["80周岁以上"]


def test_born_on_29_february_turns_eighty_on_1_march_in_a_common_year(world):
    programme = _eighty_plus()
    person = factories.resident(
        name="闰日", area=world.grid_a1, community=world.community_a, number="902", birth="1944-02-29"
    )
    assert not eligibility.eligible_by(programme, person, datetime.date(2024, 2, 28))
    assert eligibility.eligible_by(programme, person, datetime.date(2024, 2, 29))
    born_1945 = factories.resident(
        name="闰年后", area=world.grid_a1, community=world.community_a, number="913", birth="1948-02-29"
    )
    # 1948-02-29: 80 in 2028 (a leap year) on 29 February; 78 on 1 March 2026, not on 28 February.
    young = Programme.objects.create(code="seventy_eight", name="78", domain="eldercare")
    EligibilityRule.objects.create(programme=young, name="78", min_age=78, valid_from=datetime.date(2020, 1, 1))
    assert not eligibility.eligible_by(young, born_1945, datetime.date(2026, 2, 28))
    assert eligibility.eligible_by(young, born_1945, datetime.date(2026, 3, 1))


def test_a_rule_holds_only_between_its_dates(world):
    programme = _eighty_plus(valid_to=datetime.date(2025, 12, 31))
    person = factories.resident(
        name="老人", area=world.grid_a1, community=world.community_a, number="903", birth="1930-01-01"
    )
    assert eligibility.eligible_by(programme, person, datetime.date(2025, 12, 31))
    assert not eligibility.eligible_by(programme, person, datetime.date(2026, 1, 1))


def test_tags_and_living_alone_decide_with_age(world):
    programme = Programme.objects.create(code="dibao_alone", name="低保独居", domain="eldercare")
    EligibilityRule.objects.create(
        programme=programme,
        name="独居低保老人",
        min_age=60,
        tags=["dibao"],
        living_alone=True,
        valid_from=datetime.date(2020, 1, 1),
    )
    on = datetime.date(2026, 6, 1)
    alone = factories.resident(
        name="独居", area=world.grid_a1, community=world.community_a, number="904", tag="dibao", birth="1950-01-01"
    )
    untagged = factories.resident(
        name="无标签", area=world.grid_a1, community=world.community_a, number="905", tag=None, birth="1950-01-01"
    )
    assert eligibility.eligible_by(programme, alone, on)
    assert not eligibility.eligible_by(programme, untagged, on)
    # A second member of the household: no longer living alone.
    Person.objects.create(
        area=alone.area,
        name="同住",
        id_number=factories.id_number(906, birth="19800101"),
        sex="M",
        birth_date="1980-01-01",
        residence_type="registered",
        household=alone.household,
        relation="20",
        address=alone.address,
    )
    assert not eligibility.eligible_by(programme, alone, on)


def test_an_ineligible_enrolment_is_refused_with_the_rules_and_nothing_is_saved(world, user_of):
    programme = _eighty_plus()
    young = factories.resident(
        name="年轻", area=world.grid_a1, community=world.community_a, number="907", birth="1980-05-05"
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.enrol(actor=user_of("community_staff"), programme_code=programme.code, person_id=young.pk)
    assert "80周岁及以上" in str(refused.value)
    assert not Enrolment.objects.filter(person=young).exists()
    assert AuditEvent.objects.count() == events


def test_enrol_records_the_reasons_history_and_audit_and_refuses_a_second(world, user_of):
    programme = _eighty_plus()
    elder = factories.resident(
        name="长者", area=world.grid_a1, community=world.community_a, number="908", birth="1940-01-01"
    )
    made = services.enrol(actor=user_of("community_staff"), programme_code=programme.code, person_id=elder.pk)
    assert made.reasons == [{"group": "80周岁以上", "rule": "80周岁及以上"}]
    assert [e.action for e in made.events.all()] == ["enrol"]
    assert AuditEvent.objects.filter(action="programmes.enrol", object_id=str(made.pk)).exists()
    with pytest.raises(ValidationError):
        services.enrol(actor=user_of("community_staff"), programme_code=programme.code, person_id=elder.pk)


def test_nobody_enrols_a_person_outside_their_reach(world, user_of):
    programme = _eighty_plus()
    elder = factories.resident(
        name="外区", area=world.community_b, community=world.community_b, number="909", birth="1940-01-01"
    )
    for key in ("community_staff", "grid_worker", "children_officer"):
        with pytest.raises(Http404):
            services.enrol(actor=user_of(key), programme_code=programme.code, person_id=elder.pk)
    assert services.enrol(actor=user_of("programme_officer"), programme_code=programme.code, person_id=elder.pk)


def _readers(enrolment: Enrolment, keys) -> set[str]:
    return {key for key in keys if access.enrolments_visible(keys[key]).filter(pk=enrolment.pk).exists()}


def test_access_follows_the_programme_and_restricted_records_follow_the_carer(world, user_of):
    keys = {
        k: user_of(k)
        for k in (
            "grid_worker",
            "grid_worker_b",
            "community_staff",
            "community_staff_b",
            "street_officer",
            "district_officer",
            "district_officer_b",
            "programme_officer",
            "children_officer",
            "city_admin",
            "service_provider",
            "resident",
        )
    }
    jia, yi = Person.objects.get(name="甲"), Person.objects.get(name="乙")
    # 甲 lives in grid A1, 乙 in community B (world): the elderly-care enrolments by area and programme.
    assert _readers(enrolment_of(jia), keys) == {
        "grid_worker",
        "community_staff",
        "street_officer",
        "district_officer",
        "programme_officer",
    }
    assert _readers(enrolment_of(yi), keys) == {
        "community_staff_b",
        "street_officer",
        "district_officer",
        "programme_officer",
    }
    # The children's programme is restricted: its officers, the street, and the carer (community B's staff).
    assert _readers(enrolment_of(jia, CHILDREN), keys) == {"street_officer", "children_officer"}
    assert _readers(enrolment_of(yi, CHILDREN), keys) == {"street_officer", "children_officer", "community_staff_b"}


def test_a_review_keeps_only_the_eligible(world, user_of):
    programme = _eighty_plus()
    elder = factories.resident(
        name="复核", area=world.grid_a1, community=world.community_a, number="910", birth="1940-01-01"
    )
    staff = user_of("community_staff")
    made = services.enrol(actor=staff, programme_code=programme.code, person_id=elder.pk)
    assert made.review_due_on == services.add_months(made.started_on, 12)
    EligibilityRule.objects.filter(programme=programme).update(min_age=90)
    with pytest.raises(ValidationError):
        services.enrolment_review(actor=staff, enrolment_id=made.pk, keep=True, note="")
    ended = services.enrolment_review(actor=staff, enrolment_id=made.pk, keep=False, note="不再符合")
    assert ended.state == "ended"


def test_add_months_keeps_the_day_or_takes_the_last():
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert services.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert services.add_months(datetime.date(2026, 11, 15), 14) == datetime.date(2028, 1, 15)


def test_only_the_assigned_worker_records_a_visit_and_the_next_is_scheduled(world, user_of):
    jia_visit = Visit.objects.get(enrolment=enrolment_of(Person.objects.get(name="甲")), done_at__isnull=True)
    with pytest.raises(ValidationError) as refused:
        services.visit_record(actor=user_of("community_staff"), visit_id=jia_visit.pk, outcome="met")
    assert "assigned to someone else" in str(refused.value) or "他人" in str(refused.value)
    jia_visit.refresh_from_db()
    assert jia_visit.done_at is None
    with pytest.raises(Http404):
        services.visit_record(actor=user_of("grid_worker_b"), visit_id=jia_visit.pk, outcome="met")
    with pytest.raises(ValidationError):
        services.visit_record(actor=user_of("grid_worker"), visit_id=jia_visit.pk, outcome="met", lon=500.0, lat=41.0)
    done = services.visit_record(
        actor=user_of("grid_worker"), visit_id=jia_visit.pk, outcome="met", note="身体好", lon=123.4, lat=41.8
    )
    assert done.note == "身体好" and done.done_by == user_of("grid_worker")
    upcoming = Visit.objects.get(enrolment=done.enrolment, done_at__isnull=True)
    assert (upcoming.due_on - timezone.localdate(done.done_at)).days == 7
    assert upcoming.assigned_to == user_of("grid_worker")


def test_an_overdue_visit_is_flagged_escalated_once_then_recorded(world, user_of):
    from shequ.outbox.models import Message

    head = user_of("community_staff")
    grant = head.grants.get(role="community_staff")
    grant.is_head = True
    grant.save(update_fields=["is_head"])
    visit = Visit.objects.get(enrolment=enrolment_of(Person.objects.get(name="甲")), done_at__isnull=True)
    overdue = selectors.overdue_visits(actor=head)
    assert visit in overdue
    assert services.visits_escalate() >= 1
    visit.refresh_from_db()
    assert visit.escalated_at is not None
    assert Message.objects.filter(recipient=head, topic=f"programmes.visit:{visit.pk}").count() == 1
    assert services.visits_escalate() == 0  # once
    services.visit_record(actor=user_of("grid_worker"), visit_id=visit.pk, outcome="not_home")
    assert visit not in selectors.overdue_visits(actor=head)


def test_candidates_are_the_eligible_not_enrolled_in_reach(world, user_of):
    programme = _eighty_plus()
    VisitRule.objects.create(programme=programme, name="每周", interval_days=7, valid_from=datetime.date(2020, 1, 1))
    old = factories.resident(
        name="候选", area=world.grid_a1, community=world.community_a, number="911", birth="1930-01-01"
    )
    factories.resident(name="不够", area=world.grid_a1, community=world.community_a, number="912", birth="1950-01-01")
    names = set(
        selectors.candidates(actor=user_of("community_staff"), programme=programme).values_list("name", flat=True)
    )
    assert "候选" in names and "不够" not in names
    assert not selectors.candidates(actor=user_of("community_staff_b"), programme=programme).filter(pk=old.pk).exists()
    assert not selectors.candidates(actor=user_of("children_officer"), programme=programme).exists()
    services.enrol(actor=user_of("programme_officer"), programme_code=programme.code, person_id=old.pk)
    assert not selectors.candidates(actor=user_of("community_staff"), programme=programme).filter(pk=old.pk).exists()


def test_the_programmes_page_lists_the_work_once_and_keeps_its_title_plain(world, client_of):
    page = client_of("community_staff").get("/programmes/").content.decode()
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<" not in title[len("<title>") :] and page.count('class="shortcuts programme-work"') == 1
