"""Home care's pages and API: who sees which order (another provider's order is a 404 in pages and API),
the provider's phone page steps, the family's page, and the figures."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from shequ.programmes.homecare.models import HomeCareOrder, OrderState
from tests.homecare.support import enrolled_elder, offered_order

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def order(world):
    return offered_order(world, enrolled_elder(world, phone="13912345678"))


def test_another_providers_order_is_not_found(order, client_of):
    a, b = client_of("service_provider"), client_of("service_provider_b")
    assert a.get(f"/programmes/homecare/orders/{order.pk}/").status_code == 200
    assert a.get(f"/api/programmes/homecare/orders/{order.pk}").status_code == 200
    assert b.get(f"/programmes/homecare/orders/{order.pk}/").status_code == 404
    assert b.get(f"/api/programmes/homecare/orders/{order.pk}").status_code == 404
    assert b.post(f"/api/programmes/homecare/orders/{order.pk}/accept").status_code == 404
    assert b.post(f"/programmes/homecare/phone/{order.pk}/accept/").status_code == 404
    assert HomeCareOrder.objects.get(pk=order.pk).state == OrderState.OFFERED
    listed = {row["id"] for row in b.get("/api/programmes/homecare/orders").json()["items"]}
    assert order.pk not in listed
    assert str(order.case.number) not in b.get("/programmes/homecare/phone/").content.decode()
    assert order.case.number in a.get("/programmes/homecare/phone/").content.decode()


def test_the_phone_steps_and_the_refused_early_checkout(order, client_of):
    phone = client_of("service_provider")
    assert phone.post(f"/programmes/homecare/phone/{order.pk}/accept/").status_code == 302
    early = phone.post(f"/api/programmes/homecare/orders/{order.pk}/checkout", {}, content_type="application/json")
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "order"
    page = phone.post(f"/programmes/homecare/phone/{order.pk}/checkout/", follow=True, **ZH).content.decode()
    assert "签到" in page or "Check in first" in page
    phone.post(f"/programmes/homecare/phone/{order.pk}/checkin/", {"lon": "123.4", "lat": "41.8"})
    done = phone.post(
        f"/api/programmes/homecare/orders/{order.pk}/checkout",
        {"lon": 123.4, "lat": 41.8},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    saved = HomeCareOrder.objects.get(pk=order.pk)
    assert (saved.checkin_lon, saved.checkin_lat) == (123.4, 41.8)


def test_the_family_page_rates_and_calls(order, client_of, user_of):
    from shequ.programmes.homecare import services

    worker = user_of("service_provider")
    services.order_accept(actor=worker, order_id=order.pk)
    services.order_checkin(actor=worker, order_id=order.pk)
    services.order_checkout(actor=worker, order_id=order.pk)
    family = client_of("resident")
    page = family.get("/programmes/homecare/my/").content.decode()
    assert "emergency-call" in page and f'action="/programmes/homecare/my/orders/{order.pk}/rate/"' in page
    family.post(f"/programmes/homecare/my/orders/{order.pk}/rate/", {"level": "5", "reason": "很好"})
    assert HomeCareOrder.objects.get(pk=order.pk).rating == 5
    assert (
        client_of("resident_b")
        .post(f"/programmes/homecare/my/orders/{order.pk}/rate/", {"level": "1", "reason": "x"})
        .status_code
        == 404
    )
    assert client_of("grid_worker").get("/programmes/homecare/my/").status_code == 403
    family.post("/programmes/homecare/my/call/", {"person": order.enrolment.person_id})
    calls = client_of("grid_worker").get("/programmes/homecare/calls/").content.decode()
    assert "call_acknowledge" not in calls and "/acknowledge/" in calls


def test_staff_pages_and_figures(order, client_of):
    officer = client_of("programme_officer")
    assert order.case.number in officer.get("/programmes/homecare/orders/").content.decode()
    assert client_of("children_officer").get("/programmes/homecare/orders/").status_code == 403
    assert client_of("children_officer").get(f"/programmes/homecare/orders/{order.pk}/").status_code == 404
    body = officer.get(f"/programmes/homecare/figures/?month={timezone.localdate():%Y-%m}").content.decode()
    assert "echarts.min.js" in body and "programmes/area-chart.js" in body and "<script>" not in body
    assert re.search(r'id="fig-target">100%', body)
    coverage = officer.get("/api/programmes/homecare/coverage").json()
    assert coverage["total"] > 0 and coverage["target_percent"] == 100.0


def test_staff_apply_by_proxy_for_an_eligible_elder(world, client_of, user_of):
    from shequ.casework.models import Case
    from tests.homecare.world import elder

    person = elder(world.grid_a1, world.community_a, room="777")
    staff = client_of("community_staff")
    assert person.name in staff.get("/programmes/homecare/applications/").content.decode()
    staff.post(
        "/programmes/homecare/applications/",
        {"person": person.pk, "consent_method": "in_person", "proxy_reason": "行动不便"},
    )
    case = Case.objects.get(applicant=person, kind="homecare_application")
    assert case.channel == "proxy"


def test_the_coverage_target_is_editable_data(client_of):
    from shequ.programmes.homecare.models import CoverageTarget

    client_of("community_staff").post("/programmes/homecare/figures/target/", {"due_on": "2027-12-31", "percent": "90"})
    assert not CoverageTarget.objects.filter(due_on="2027-12-31").exists()
    client_of("programme_officer").post(
        "/programmes/homecare/figures/target/", {"due_on": "2027-12-31", "percent": "100", "source": "新规划"}
    )
    assert CoverageTarget.objects.get(due_on="2027-12-31").source == "新规划"
    refused = client_of("programme_officer").post(
        "/programmes/homecare/figures/target/", {"due_on": "2027-12-31", "percent": "120"}, follow=True
    )
    assert CoverageTarget.objects.get(due_on="2027-12-31").percent == 100
    assert refused.status_code == 200
