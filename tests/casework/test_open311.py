"""Open311 GeoReport v2 at /open311/v2/: discovery, services (place items only) and their definitions;
filing with a key into the staff queue and following the state back; a key for 和平区 (the world's
district) neither files nor reads in 沈河区 (district_b); a revoked key is refused; a public GET shows
nothing personal; every bad input is the spec's error list, never a 500.

Points: representative points of the two districts' outlines in areas/data/shenyang_districts.geojson.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.audit.models import AuditEvent
from shequ.casework import apikeys, selectors, services
from shequ.casework.models import Case, CaseState
from shequ.residents.models import Person

pytestmark = pytest.mark.django_db

HEPING = {"lat": "41.75204", "long": "123.40134"}  # inside 和平区
SHENHE = {"lat": "41.79737", "long": "123.5352"}  # inside 沈河区
SEED = Path(__file__).resolve().parents[2] / "src" / "shequ" / "casework" / "data" / "service_items.json"
PLACE_CODES = sorted(row["code"] for row in json.loads(SEED.read_text("utf-8")) if row.get("concerns_place"))
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def _key(user_of, *areas) -> str:  # type: ignore[no-untyped-def]
    _row, full = apikeys.api_key_issue(
        actor=user_of("city_admin"), name="12345热线", area_codes=[a.code for a in areas]
    )
    return full


def _post(key: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"api_key": key, "service_code": "street_light_out", "description": "路灯不亮已三天", **fields}
    return Client().post("/open311/v2/requests.json", data)


def _errors(response, status: int) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status and e["description"] for e in body)
    return [e["description"] for e in body]


def test_discovery(world) -> None:  # type: ignore[no-untyped-def]
    body = Client().get("/open311/v2/discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["application/json"]


def test_services_are_the_place_items_only(world) -> None:  # type: ignore[no-untyped-def]
    services_ = Client().get("/open311/v2/services.json").json()
    assert [s["service_code"] for s in services_] == PLACE_CODES
    lights = next(s for s in services_ if s["service_code"] == "street_light_out")
    assert lights["service_name"] == "路灯不亮"
    assert lights["group"] == "市政设施"
    assert lights["type"] == "realtime"
    # A person-based item is neither listed nor defined.
    _errors(Client().get("/open311/v2/services/residence_certificate.json"), 404)
    _errors(Client().get("/open311/v2/services/no_such_item.json"), 404)


def test_service_definition_from_the_form(world) -> None:  # type: ignore[no-untyped-def]
    body = Client().get("/open311/v2/services/noise_nuisance.json").json()
    assert body["service_code"] == "noise_nuisance"
    attributes = body["attributes"]
    # ``detail`` is the request's description, not an attribute.
    assert [a["code"] for a in attributes] == ["period", "source"]
    period = attributes[0]
    assert period["datatype"] == "singlevaluelist"
    assert period["required"] is True
    assert period["order"] == 1
    assert period["description"] == "发生时段"
    assert [v["key"] for v in period["values"]] == ["白天（6:00—22:00）", "夜间（22:00—次日6:00）"]
    # A photo is a file: not an attribute; an optional text is a string.
    lights = Client().get("/open311/v2/services/street_light_out.json").json()["attributes"]
    assert [(a["code"], a["datatype"], a["required"]) for a in lights] == [("lamp_number", "string", False)]


def test_a_filed_request_reaches_the_street_queue_and_its_state_comes_back(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    response = _post(
        key,
        **HEPING,
        address_string=f"和平区{world.street.name}南京南街12号",
        **{"attribute[lamp_number]": "NJ-0012"},
        email="someone@example.com",
        first_name="张",
        phone="13900000000",
    )
    assert response.status_code == 201, response.content
    ((row),) = response.json()
    number = row["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == "open311"
    assert case.area == world.street  # the address named the street within the key's district
    assert case.applicant is None and case.filed_by is None
    assert case.description == "路灯不亮已三天"
    assert case.form_data and "13900000000" not in case.form_data  # the reporter's contact is not kept
    filed = AuditEvent.objects.get(action="casework.file", object_id=str(case.pk))
    assert case.api_key_id is not None
    assert filed.actor_id is None and filed.data["api_key"] == case.api_key_id
    assert filed.area_path == world.street.path

    officer = user_of("street_officer")
    assert number in {c.number for c in selectors.staff_cases(officer)}
    assert number not in {c.number for c in selectors.staff_cases(user_of("district_officer_b"))}

    def status() -> dict[str, object]:
        (found,) = Client().get(f"/open311/v2/requests/{number}.json", {"api_key": key}).json()
        return dict(found)

    assert status()["status"] == "open"
    assert status()["status_notes"] == str(CaseState.SUBMITTED.label)
    for action in ("accept", "approve"):
        services.case_act(actor=officer, case_id=case.pk, action=action)
    assert status()["status"] == "open"
    services.case_act(actor=officer, case_id=case.pk, action="complete")
    closed = status()
    assert closed["status"] == "closed"
    assert closed["status_notes"] == str(CaseState.COMPLETED.label)
    # The token is the id: known at once.
    assert Client().get(f"/open311/v2/tokens/{number}.json").json() == [{"service_request_id": number, "token": number}]
    closed_list = Client().get("/open311/v2/requests.json", {"status": "closed", "api_key": key}).json()
    assert number in {r["service_request_id"] for r in closed_list}
    assert number not in {r["service_request_id"] for r in Client().get("/open311/v2/requests.json?status=open").json()}


def test_a_key_for_one_district_cannot_file_or_read_in_another(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key_a, key_b = _key(user_of, world.district), _key(user_of, world.district_b)
    # Filing: a point in the other district, or an address naming it, is refused.
    _errors(_post(key_a, **SHENHE), 403)
    _errors(_post(key_a, address_string="沈河区北站路1号"), 403)
    _errors(_post(key_b, **HEPING), 403)
    assert not Case.objects.filter(channel="open311").exists()

    in_a = _post(key_a, **HEPING).json()[0]["service_request_id"]
    in_b = _post(key_b, **SHENHE).json()[0]["service_request_id"]
    assert Case.objects.get(number=in_a).area == world.district
    assert Case.objects.get(number=in_b).area == world.district_b

    # Reading: each key sees its own district only.
    _errors(Client().get(f"/open311/v2/requests/{in_a}.json", {"api_key": key_b}), 404)
    _errors(Client().get(f"/open311/v2/tokens/{in_a}.json", {"api_key": key_b}), 404)
    listed_b = {r["service_request_id"] for r in Client().get("/open311/v2/requests.json", {"api_key": key_b}).json()}
    assert listed_b == {in_b}
    listed_a = {r["service_request_id"] for r in Client().get("/open311/v2/requests.json", {"api_key": key_a}).json()}
    assert listed_a == {in_a}
    by_id = Client().get("/open311/v2/requests.json", {"api_key": key_a, "service_request_id": f"{in_a},{in_b}"})
    assert {r["service_request_id"] for r in by_id.json()} == {in_a}


def test_a_street_key_files_in_its_street(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.street)
    number = _post(key, **HEPING).json()[0]["service_request_id"]
    assert Case.objects.get(number=number).area == world.street
    # Without a point, an address naming nothing of the key files in its one area; naming 沈河区 is refused.
    assert _post(key, address_string="南京南街12号").status_code == 201
    _errors(_post(key, address_string="沈河区北站路1号"), 403)
    # A key of two streets must be told which.
    two = _key(user_of, world.street, world.street_b)
    _errors(_post(two, **HEPING), 400)
    assert (
        Case.objects.get(
            number=_post(two, **HEPING, address_string=f"{world.street_b.name}某路").json()[0]["service_request_id"]
        ).area
        == world.street_b
    )


def test_a_key_in_the_address_of_a_post_counts_too(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    response = Client().post(
        f"/open311/v2/requests.json?api_key={key}",
        {"service_code": "sanitation", "description": "垃圾堆积", **HEPING},
    )
    assert response.status_code == 201, response.content


def test_a_revoked_key_is_refused(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    assert _post(key, **HEPING).status_code == 201
    row = apikeys.api_keys(user_of("city_admin")).get(prefix=key.split(".")[0])
    apikeys.api_key_revoke(actor=user_of("city_admin"), key_id=row.pk)
    _errors(_post(key, **HEPING), 403)
    _errors(Client().get("/open311/v2/requests.json", {"api_key": key}), 403)


def test_public_get_shows_place_requests_and_nothing_personal(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    number = _post(key, **HEPING, address_string="南京南街12号", first_name="张三", phone="13900000000").json()[0][
        "service_request_id"
    ]
    jia = Person.objects.get(name="甲")
    personal = services.case_file(
        actor=user_of("community_staff"),
        channel="proxy",
        filing=services.Filing(
            item_code="home_care_service",
            applicant_id=jia.pk,
            form={"applicant": jia.pk, "service": "助餐", "wanted_on": "2026-12-20"},
        ),
        consent_method="in_person",
        proxy_reason="行动不便",
    )
    response = Client().get("/open311/v2/requests.json")
    rows = response.json()
    assert [r["service_request_id"] for r in rows] == [number]
    (row,) = rows
    assert set(row) == REQUEST_FIELDS
    assert row["address"] == "南京南街12号" and row["description"] == "路灯不亮已三天"
    text = response.content.decode()
    for secret in ("张三", "13900000000", "甲", jia.id_number, "applicant", "phone"):
        assert secret not in text
    _errors(Client().get(f"/open311/v2/requests/{personal.number}.json"), 404)
    _errors(Client().get(f"/open311/v2/tokens/{personal.number}.json"), 404)


def test_bad_inputs_are_spec_errors(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    client = Client()
    _errors(client.post("/open311/v2/requests.json", {"service_code": "street_light_out", **HEPING}), 403)
    _errors(_post("nope.nope", **HEPING), 403)
    _errors(_post(key, service_code="", **HEPING), 400)
    _errors(_post(key, service_code="residence_certificate", **HEPING), 400)  # person-based: not offered
    _errors(_post(key, lat="north", long="123.4"), 400)
    _errors(_post(key, lat="41.75"), 400)
    _errors(_post(key, lat="NaN", long="123.4"), 400)
    _errors(_post(key, lat="91", long="123.4"), 400)
    _errors(_post(key), 400)  # nowhere
    _errors(_post(key, description="", **HEPING), 400)  # the item's 问题描述 is required
    _errors(_post(key, description="x" * 4001, **HEPING), 400)
    _errors(_post(key, address_string="路" * 201), 400)
    (message,) = _errors(_post(key, service_code="noise_nuisance", **HEPING, **{"attribute[source]": "其他"}), 400)
    assert "发生时段" in message
    (message,) = _errors(
        _post(
            key, service_code="noise_nuisance", **HEPING, **{"attribute[period]": "凌晨", "attribute[source]": "其他"}
        ),
        400,
    )
    assert "发生时段" in message
    _errors(_post(key, **HEPING, description="坏了\x00"), 400)
    assert not Case.objects.exists()

    _errors(client.get("/open311/v2/requests.json", {"status": "pending"}), 400)
    _errors(client.get("/open311/v2/requests.json", {"start_date": "yesterday"}), 400)
    _errors(client.get("/open311/v2/requests.json", {"start_date": "2026-02-30"}), 400)
    _errors(client.get("/open311/v2/requests.json", {"start_date": "2026-01-01", "end_date": "2026-06-01"}), 400)
    _errors(client.get("/open311/v2/requests.json", {"start_date": "2026-06-01", "end_date": "2026-01-01"}), 400)
    assert client.get("/open311/v2/requests.json", {"start_date": "2026-01-01T00:00:00+08:00"}).json() == []
    _errors(client.get("/open311/v2/requests.json", {"service_request_id": ",".join(["x"] * 101)}), 400)
    _errors(client.get("/open311/v2/services.xml"), 400)
    _errors(client.put("/open311/v2/requests.json"), 405)
    _errors(client.post("/open311/v2/services.json"), 405)
    _errors(client.get("/open311/v2/requests/nope.json"), 404)
    _errors(client.get("/open311/v2/nothing/here"), 404)
    _errors(client.post("/open311/v2/nothing/here"), 404)


@pytest.mark.parametrize(
    "fields",
    [
        {"lat": "1e400", "long": "1e400"},
        {"lat": "-0", "long": "inf"},
        {"lat": "41.75", "long": "123.40", "attribute[lamp_number]": "灯" * 600},
        {"lat": "41.75", "long": "123.40", "attribute[]": "x", "attribute[UPPER]": "y", "attribute[a][b]": "z"},
        {"service_code": "x" * 500, "lat": "41.75", "long": "123.40"},
        {"address_string": "和平区", "jurisdiction_id": "sy", "media_url": "http://example.com/a.jpg"},
        {"api_key": "x" * 5000},
        {"api_key": "\u2603.\u2603"},
    ],
)
def test_odd_posts_never_fail(world, user_of, fields) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)
    response = _post(key, **fields)
    assert response.status_code in (201, 400, 403), response.content
    body = response.json()
    assert isinstance(body, list)


@pytest.mark.parametrize(
    "body",
    [
        b"address_string=%ED%A0%80&service_code=sanitation",  # a lone surrogate, UTF-8 encoded
        b"address_string=%FF%FE&service_code=sanitation&lat=41.75&long=123.40",
        b"service_code=sanitation&description=%00",
        b"\xff\xfe\x00",
    ],
)
def test_raw_bodies_never_fail(world, user_of, body) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district).encode()
    response = Client().post(
        "/open311/v2/requests.json", b"api_key=" + key + b"&" + body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (201, 400, 403), response.content
    assert isinstance(response.json(), list)


@pytest.mark.parametrize(
    "query",
    [
        "service_code=%00",
        "service_request_id=" + "9" * 300,
        "end_date=9999-12-31T23:59:59Z",
        "start_date=0001-01-01",
        "start_date=9999-12-31",
        "end_date=0001-01-02",
        "start_date=2026-12-01T08:00:00+25:00",
        "status=open,closed&service_code=sanitation,noise_nuisance",
        "api_key=",
        "api_key=%E2%98%83",
    ],
)
def test_odd_gets_never_fail(world, query) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(f"/open311/v2/requests.json?{query}")
    assert response.status_code in (200, 400, 403), response.content
    assert isinstance(response.json(), list)


def test_the_list_makes_the_same_number_of_queries_however_long(world, user_of) -> None:  # type: ignore[no-untyped-def]
    key = _key(user_of, world.district)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get("/open311/v2/requests.json", {"api_key": key}).status_code == 200
        return len(queries)

    _post(key, **HEPING)
    one = count()
    for _n in range(3):
        _post(key, **HEPING)
    assert count() == one
