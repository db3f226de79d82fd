"""Home care's services: eligibility through the core, hours, dispatch, accept, check-in and check-out,
the family's rating, complaints, the application case and the emergency call."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.casework import services as casework
from shequ.casework.models import Case, CaseState
from shequ.entities.models import LegalEntity
from shequ.outbox.models import Message
from shequ.programmes.common import eligibility
from shequ.programmes.common.models import Enrolment, Programme
from shequ.programmes.common.services import enrol
from shequ.programmes.homecare import selectors, services
from shequ.programmes.homecare.models import EmergencyCall, OrderState, Provider, ServiceType
from shequ.residents.models import Person, Relation
from shequ.residents.selectors import years_ago
from tests import factories
from tests.homecare.support import enrolled_elder, offered_order, provider, tomorrow
from tests.homecare.world import elder

pytestmark = pytest.mark.django_db


def test_eligible_from_the_day_of_the_80th_birthday(world, user_of):
    """Not living alone, no tags: only the 80+ rule can include them, and it does from the birthday on."""
    today = timezone.localdate()
    person = elder(world.grid_a1, world.community_a, birth=years_ago(80, today).isoformat(), room="901")
    Person.objects.create(
        area=person.area,
        name="配偶",
        id_number=factories.id_number(902, birth="19500101"),
        sex="M",
        birth_date="1950-01-01",
        residence_type="registered",
        household=person.household,
        relation=Relation.SPOUSE,
        address=person.address,
    )
    programme = Programme.objects.get(code="homecare")
    eve = today - datetime.timedelta(days=1)
    assert eligibility.eligible_by(programme, person, eve) == []
    assert [r.name for r in eligibility.eligible_by(programme, person, today)] == ["80周岁及以上老年人"]
    assert eligibility.amount_for(person, "homecare_hours", programme, eve) is None
    assert eligibility.amount_for(person, "homecare_hours", programme, today) == 8
    staff = user_of("community_staff")
    with pytest.raises(ValidationError) as refused:
        enrol(actor=staff, programme_code="homecare", person_id=person.pk, on=eve)
    assert "not eligible" in str(refused.value) or "不符合" in str(refused.value)
    assert enrol(actor=staff, programme_code="homecare", person_id=person.pk, on=today).reasons


def test_dispatch_offers_only_providers_covering_the_area_and_the_service(world, user_of):
    wrong_type = _provider(world, "洗浴服务社", [world.community_a], ["bathing"])
    wrong_area = _provider(world, "助餐服务社", [world.community_b], ["meal"])
    whole_street = _provider(world, "街道养老服务站", [world.street], ["meal", "cleaning"])
    order = offered_order(world, enrolled_elder(world))
    offered = set(order.offers.values_list("provider_id", flat=True))
    assert offered == {provider(world).pk, whole_street.pk}
    assert wrong_type.pk not in offered and wrong_area.pk not in offered
    # The staff of a provider not offered the order see nothing of it.
    with pytest.raises(Http404):
        selectors.order_get(actor=user_of("service_provider_b"), order_id=order.pk)
    with pytest.raises(Http404):
        services.order_accept(actor=user_of("service_provider_b"), order_id=order.pk)
    assert Message.objects.filter(recipient=user_of("service_provider"), topic=f"homecare.order:{order.pk}").exists()


def test_no_provider_no_dispatch(world, user_of):
    enrolment = enrolled_elder(world)
    staff = user_of("community_staff")
    order = services.order_create(
        actor=staff,
        enrolment_id=enrolment.pk,
        service_type_code=_type("pet_care", "宠物照看").code,
        scheduled_start=tomorrow(),
        planned_minutes=30,
    )
    with pytest.raises(ValidationError) as refused:
        services.order_dispatch(actor=staff, order_id=order.pk)
    assert "order" in refused.value.message_dict
    order.refresh_from_db()
    assert order.state == OrderState.NEW and not order.offers.exists()


def test_the_whole_visit_and_the_family_rating(world, user_of):
    enrolment = enrolled_elder(world, phone="13912345678")  # the resident persona's phone: their own elder
    order = offered_order(world, enrolment)
    worker = user_of("service_provider")
    services.order_accept(actor=worker, order_id=order.pk)
    with pytest.raises(ValidationError) as early:
        services.order_checkout(actor=worker, order_id=order.pk, lon=123.4, lat=41.8)
    assert "Check in first" in str(early.value) or "签到" in str(early.value)
    services.order_checkin(actor=worker, order_id=order.pk, lon=123.41, lat=41.79)
    done = services.order_checkout(actor=worker, order_id=order.pk, lon=123.41, lat=41.79)
    assert done.state == OrderState.DONE and done.delivered_minutes >= 1
    assert (done.checkin_lon, done.checkout_lat) == (123.41, 41.79)
    assert Case.objects.get(pk=done.case_id).state == CaseState.COMPLETED
    resident = user_of("resident")
    with pytest.raises(ValidationError):
        services.order_rate(actor=resident, order_id=order.pk, level=5, reason=" ")
    rated = services.order_rate(actor=resident, order_id=order.pk, level=4, reason="准时，做得干净")
    assert rated.rating == 4
    with pytest.raises(ValidationError):
        services.order_rate(actor=resident, order_id=order.pk, level=5, reason="再评一次")
    # A stranger (another resident) is not family: the order does not exist for them.
    with pytest.raises(Http404):
        services.order_rate(actor=user_of("resident_b"), order_id=order.pk, level=1, reason="差")
    complaint = services.complaint_file(actor=resident, order_id=order.pk, description="服务人员迟到")
    assert complaint.kind == "homecare_complaint" and complaint.parent_id == order.case_id
    figures = selectors.provider_figures(
        selectors.access.staff_orders(user_of("programme_officer")), timezone.localdate(order.scheduled_start)
    )
    mine = next(f for f in figures if f.provider.pk == provider(world).pk)
    assert mine.complaints >= 1 and mine.done >= 1


def test_a_bad_position_is_refused_and_nothing_changes(world, user_of):
    order = offered_order(world, enrolled_elder(world))
    worker = user_of("service_provider")
    services.order_accept(actor=worker, order_id=order.pk)
    with pytest.raises(ValidationError):
        services.order_checkin(actor=worker, order_id=order.pk, lon=500.0, lat=41.8)
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED and order.checkin_at is None


def test_an_order_over_the_months_hours_is_refused(world, user_of):
    enrolment = enrolled_elder(world)  # 86 and living alone: 10 hours a month
    assert selectors.hours_of(enrolment, timezone.localdate(tomorrow())).allowed == 600
    offered_order(world, enrolment, minutes=480)
    with pytest.raises(ValidationError) as refused:
        offered_order(world, enrolment, minutes=180)
    message = str(refused.value.message_dict["planned_minutes"])
    assert "2" in message and "10" in message
    offered_order(world, enrolment, minutes=120)  # exactly what is left
    assert selectors.hours_of(enrolment, timezone.localdate(tomorrow())).left == 0


def test_a_provider_does_not_accept_twice_or_after_another(world, user_of):
    other = _provider(world, "第二服务商", [world.community_a], ["meal"])
    staff_b = factories.account("hc_provider_c", None)
    from shequ.accounts.models import Grant
    from shequ.accounts.roles import Role

    Grant.objects.create(user=staff_b, role=Role.SERVICE_PROVIDER, area=world.district)
    services.provider_account_link(actor=user_of("city_admin"), user_id=staff_b.pk, entity_id=other.entity_id)
    order = offered_order(world, enrolled_elder(world))
    services.order_accept(actor=user_of("service_provider"), order_id=order.pk)
    with pytest.raises(ValidationError):
        services.order_accept(actor=staff_b, order_id=order.pk)
    with pytest.raises(ValidationError):
        services.order_checkin(actor=staff_b, order_id=order.pk)


def test_the_application_enrols_on_approval_and_an_ineligible_one_is_refused(world, user_of):
    staff = user_of("community_staff")
    old = elder(world.grid_a1, world.community_a, room="611")
    young = elder(world.grid_a1, world.community_a, birth="1970-01-01", room="612")
    cases = {}
    for person in (old, young):
        cases[person.pk] = casework.case_file(
            actor=staff,
            channel="proxy",
            filing=casework.Filing(kind="homecare_application", applicant_id=person.pk, description="申请居家养老"),
            consent_method="in_person",
            proxy_reason="行动不便",
        )
        casework.case_act(actor=staff, case_id=cases[person.pk].pk, action="accept")
    casework.case_act(actor=staff, case_id=cases[old.pk].pk, action="approve")
    assert Enrolment.objects.get(person=old, programme__code="homecare").case_id == cases[old.pk].pk
    with pytest.raises(ValidationError):
        casework.case_act(actor=staff, case_id=cases[young.pk].pk, action="approve")
    assert Case.objects.get(pk=cases[young.pk].pk).state == CaseState.ACCEPTED
    assert not Enrolment.objects.filter(person=young).exists()


def test_the_emergency_call_reaches_the_grid_worker_and_the_provider(world, user_of):
    enrolment = enrolled_elder(world, phone="13912345678")
    with pytest.raises(ValidationError):  # provider B does not serve community A
        services.enrolment_contract(
            actor=user_of("community_staff"),
            enrolment_id=enrolment.pk,
            provider_id=provider(world, "service_provider_b").pk,
        )
    with pytest.raises(Http404):
        services.enrolment_contract(
            actor=user_of("grid_worker"), enrolment_id=enrolment.pk, provider_id=provider(world).pk
        )
    services.enrolment_contract(
        actor=user_of("community_staff"), enrolment_id=enrolment.pk, provider_id=provider(world).pk
    )
    with pytest.raises(Http404):
        services.emergency_call(actor=user_of("resident_b"), person_id=enrolment.person_id)
    call = services.emergency_call(actor=user_of("resident"), person_id=enrolment.person_id)
    assert call.case.kind == "emergency_call" and call.case.time_limit_unit == "minutes"
    assert "和平路8号" in call.case.address_text
    topic = f"casework.case:{call.case_id}"
    for key in ("grid_worker", "service_provider"):
        assert Message.objects.filter(recipient=user_of(key), topic=topic).exists(), key
    assert not Message.objects.filter(recipient=user_of("service_provider_b"), topic=topic).exists()
    with pytest.raises(Http404):
        services.emergency_acknowledge(actor=user_of("service_provider_b"), call_id=call.pk)
    services.emergency_acknowledge(actor=user_of("service_provider"), call_id=call.pk)
    later = services.emergency_acknowledge(actor=user_of("grid_worker"), call_id=call.pk)
    assert later.acknowledged_by_id == user_of("service_provider").pk  # the first response stays
    assert Case.objects.get(pk=call.case_id).state == CaseState.ACCEPTED
    figures = selectors.response_figures(EmergencyCall.objects.filter(pk=call.pk), timezone.localdate())
    assert figures.calls == 1 and figures.answered == 1 and figures.average_seconds is not None


def test_coverage_counts_communities_with_a_checked_out_order(world, user_of):
    month = timezone.localdate()
    before = selectors.coverage(world.street, month)
    assert before[1] == selectors.urban_communities(world.street).count() > 0
    order = offered_order(world, enrolled_elder(world))
    worker = user_of("service_provider")
    services.order_accept(actor=worker, order_id=order.pk)
    services.order_checkin(actor=worker, order_id=order.pk)
    services.order_checkout(actor=worker, order_id=order.pk)
    covered, total = selectors.coverage(world.street, timezone.localdate(order.checkout_at))
    assert total == before[1]
    assert covered >= 1
    assert selectors.coverage(world.community_b, month)[0] == 0


def test_providers_are_registered_by_the_city_and_the_eldercare_officer(world, user_of):
    entity = LegalEntity.objects.create(
        area=world.district, name="新服务商", uscc=factories.uscc("91210102MA0QHCN09"), kind="company"
    )
    for key in ("community_staff", "children_officer", "service_provider"):
        with pytest.raises(Http404):
            services.provider_register(
                actor=user_of(key), entity_id=entity.pk, area_codes=[world.street.code], service_type_codes=["meal"]
            )
    made = services.provider_register(
        actor=user_of("programme_officer"),
        entity_id=entity.pk,
        area_codes=[world.street.code],
        service_type_codes=["meal"],
    )
    assert list(made.areas.all()) == [world.street]
    with pytest.raises(ValidationError):
        services.provider_register(
            actor=user_of("city_admin"),
            entity_id=entity.pk,
            area_codes=[world.street.code],
            service_type_codes=["meal"],
        )
    with pytest.raises(Http404):
        services.service_type_save(actor=user_of("programme_officer"), code="x", name="x")
    assert services.service_type_save(actor=user_of("city_admin"), code="meal", name="老年助餐").name == "老年助餐"


def _type(code: str, name: str) -> ServiceType:
    return ServiceType.objects.create(code=code, name=name)


def _provider(world, name: str, areas, types) -> Provider:
    import uuid

    entity = LegalEntity.objects.create(
        area=world.district,
        name=name,
        uscc=factories.uscc("91210102MA0Q" + uuid.uuid4().hex[:5].upper().replace("I", "1").replace("O", "0")),
        kind="social_org",
    )
    made = Provider.objects.create(entity=entity)
    made.areas.set(areas)
    made.service_types.set(ServiceType.objects.filter(code__in=types))
    return made


def _unused() -> type[User]:
    return User
