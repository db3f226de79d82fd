"""Facilities are edited, closed and reopened with a reason, through the page and the API; each change
is audited and shown in the facility's history; scoping holds (a facility elsewhere is a 404)."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.audit.models import AuditEvent
from shequ.resources.models import Facility
from shequ.resources.services import facility_set_open, facility_update

pytestmark = pytest.mark.django_db


def _store(world, n=0):
    return Facility.objects.get(name=f"便利店{n}")


def test_an_edit_needs_a_reason_and_is_kept_in_the_history(world, user_of):
    staff = user_of("community_staff")
    store = _store(world)
    with pytest.raises(ValidationError) as exc:
        facility_update(actor=staff, facility_id=store.pk, reason=" ", changes={"opening_hours": "08:00-20:00"})
    assert "reason" in exc.value.message_dict
    facility_update(actor=staff, facility_id=store.pk, reason="营业时间调整", changes={"opening_hours": "08:00-20:00"})
    store.refresh_from_db()
    change = store.changes.get()
    assert (change.action, change.reason, change.changes) == (
        "edit",
        "营业时间调整",
        {"opening_hours": ["", "08:00-20:00"]},
    )
    event = AuditEvent.objects.filter(action="resources.facility_edit").latest("pk")
    assert event.data["fields"] == ["opening_hours"] and "08:00" not in json.dumps(event.data)


def test_close_and_reopen_with_a_reason(world, user_of):
    staff = user_of("community_staff")
    store = _store(world)
    facility_set_open(actor=staff, facility_id=store.pk, is_open=False, reason="停业装修")
    assert not Facility.objects.get(pk=store.pk).is_active
    with pytest.raises(ValidationError):
        facility_set_open(actor=staff, facility_id=store.pk, is_open=False, reason="再关一次")
    facility_set_open(actor=staff, facility_id=store.pk, is_open=True, reason="装修完成")
    assert [c.action for c in store.changes.all()] == ["reopen", "close"]
    assert AuditEvent.objects.filter(action__in=["resources.facility_close", "resources.facility_reopen"]).count() == 2


def test_a_facility_of_another_community_is_not_found(world, user_of):
    with pytest.raises(Http404):
        facility_update(
            actor=user_of("community_staff_b"), facility_id=_store(world).pk, reason="x", changes={"name": "改名"}
        )
    with pytest.raises(Http404):
        facility_set_open(actor=user_of("grid_worker_b"), facility_id=_store(world).pk, is_open=False, reason="x")


def test_the_api_edits_closes_and_shows_the_history(world, client_of):
    client = client_of("community_staff")
    store = _store(world)
    url = f"/api/facilities/{store.pk}"
    response = client.patch(url, {"reason": "更名", "name": "和平便利店"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["name"] == "和平便利店"
    assert client.patch(url, {"name": "无理由"}, content_type="application/json").status_code == 422
    closed = client.post(f"{url}/close", {"reason": "停业"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    history = client.get(url).json()["history"]
    assert [h["action"] for h in history] == ["close", "edit"] and history[1]["changes"]["name"] == [
        "便利店0",
        "和平便利店",
    ]
    assert client_of("community_staff_b").get(url).status_code == 404


def test_the_page_edits_and_closes_and_lists_the_history(world, client_of):
    client = client_of("community_staff")
    store = _store(world)
    page = f"/resources/facilities/{store.pk}/"
    data = {
        "save": "1",
        "area_code": world.community_a.code,
        "type_code": "convenience_store",
        "name": "便利店0",
        "lon": store.lon,
        "lat": store.lat,
        "coordinates": "wgs84",
        "capacity": "12",
        "reason": "核实容量",
    }
    assert client.post(page, data).status_code == 302
    assert client.post(page, {"state": "close", "reason": "停业"}).status_code == 302
    shown = client.get(page).content.decode()
    assert "核实容量" in shown and "停业" in shown and "capacity" in shown
    assert client_of("community_staff_b").get(page).status_code == 404


def test_an_edit_clears_an_optional_value_and_refuses_a_move_out_of_the_district(world, user_of, client_of):
    staff = user_of("community_staff")
    store = _store(world)
    facility_update(actor=staff, facility_id=store.pk, reason="核实", changes={"capacity": 20})
    facility_update(actor=staff, facility_id=store.pk, reason="不再统计", changes={"capacity": None})
    assert Facility.objects.get(pk=store.pk).capacity is None
    with pytest.raises(ValidationError) as exc:
        facility_update(actor=staff, facility_id=store.pk, reason="搬迁", changes={"lon": 123.45, "lat": 41.79})
    assert "沈河区" in exc.value.message_dict["lon"][0]  # 123.45, 41.79 lies in 沈河区 (the outlines)
    response = client_of("community_staff").patch(
        f"/api/facilities/{store.pk}", {"reason": "清空", "floor_area_m2": None}, content_type="application/json"
    )
    assert response.status_code == 422  # nothing changed: the floor area was empty already


def test_the_point_cannot_be_cleared(world, client_of):
    store = _store(world)
    for body in ({"lon": None}, {"lat": None}, {"coordinates": "gcj02", "opening_hours": None, "lon": None}):
        response = client_of("community_staff").patch(
            f"/api/facilities/{store.pk}", {"reason": "藏族", **body}, content_type="application/json"
        )
        assert response.status_code == 422, (body, response.content)
    assert Facility.objects.get(pk=store.pk).lon == store.lon
