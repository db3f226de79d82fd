"""The casework API (/api/cases, /api/catalogue/items) for each role: who reads which case (expected rows
from the fixture: 甲 lives in grid A1 of community A, 乙 in community B, 丙 in Dalian), filing on the
three channels, transitions (409 when the state or the role does not allow them), taking a case (409
naming who has it), ratings, figures, and a list that makes the same number of queries whatever its limit.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.casework import services
from shequ.casework.models import Case, CaseState
from shequ.residents.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

ITEM = "home_care_service"  # many open cases per applicant; form: applicant, service, wanted_on


def _form(person: Person, **values: object) -> dict[str, object]:
    return {"applicant": person.pk, "service": "助餐", "wanted_on": "2026-12-20"} | values


def _proxy(actor, person: Person) -> Case:  # type: ignore[no-untyped-def]
    return services.case_file(
        actor=actor,
        channel="proxy",
        filing=services.Filing(item_code=ITEM, applicant_id=person.pk, form=_form(person)),
        consent_method="in_person",
        proxy_reason="行动不便",
    )


@pytest.fixture
def jia() -> Person:
    return Person.objects.get(name="甲")


@pytest.fixture
def yi() -> Person:
    return Person.objects.get(name="乙")


@pytest.fixture
def own(world) -> Person:  # type: ignore[no-untyped-def]
    """A resident of grid A1 registered with the resident persona's phone: whom that account files for."""
    person = factories.resident(name="丁", area=world.grid_a1, community=world.community_a, number="404")
    person.phone = "13912345678"
    person.save()
    return person


@pytest.fixture
def cases(user_of, jia, yi):  # type: ignore[no-untyped-def]
    """One case of 甲 (community A, grid A1) and one of 乙 (community B), filed by their community staff."""
    return _proxy(user_of("community_staff"), jia), _proxy(user_of("community_staff_b"), yi)


def _ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


# ---- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("grid_worker", {"a"}),
        ("community_staff", {"a"}),
        ("community_staff_b", {"b"}),
        ("grid_worker_b", set()),  # 乙 lives in community B, in no grid
        ("street_officer", {"a", "b"}),
        ("district_officer", {"a", "b"}),
        ("district_officer_b", set()),
        ("dalian_staff", set()),
        ("resident", set()),
        ("auditor", set()),
    ],
)
def test_the_queue_holds_the_cases_of_the_area(client_of, cases, persona, sees):
    by_name = {"a": cases[0].pk, "b": cases[1].pk}
    assert _ids(client_of(persona).get("/api/cases")) == {by_name[k] for k in sees}


def test_the_queue_filters_and_counts(client_of, user_of, cases, world):
    a, b = cases
    client = client_of("street_officer")
    assert client.get("/api/cases").json()["count"] == 2
    assert _ids(client.get(f"/api/cases?area={world.community_b.code}")) == {b.pk}
    assert _ids(client.get("/api/cases?state=submitted&channel=proxy")) == {a.pk, b.pk}
    assert _ids(client.get("/api/cases?state=accepted")) == set()
    assert _ids(client.get("/api/cases?item=residence_certificate")) == set()
    services.case_take(actor=user_of("street_officer"), case_id=a.pk)
    assert _ids(client.get("/api/cases?mine=true")) == {a.pk}
    # An area outside one's own, an unknown state or channel: refused, never a 500.
    assert client_of("community_staff").get(f"/api/cases?area={world.community_b.code}").status_code == 404
    assert client.get("/api/cases?state=nonsense").status_code == 422
    assert client.get("/api/cases?channel=fax").status_code == 422
    assert client.get("/api/cases?limit=0").status_code == 422


def test_the_queue_makes_the_same_number_of_queries_whatever_the_limit(client_of, user_of, jia):
    staff = user_of("community_staff")
    for _ in range(12):
        _proxy(staff, jia)
    client = client_of("community_staff")
    client.get("/api/cases?limit=1")  # the session and per-process caches, once
    counts = []
    for limit in (1, 5, 12):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/cases?limit={limit}")
        assert len(response.json()["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_a_resident_lists_and_reads_only_their_own_cases(client_of, user_of, own, cases):
    mine = _proxy(user_of("community_staff"), own)
    client = client_of("resident")
    assert _ids(client.get("/api/cases")) == {mine.pk}
    assert client.get(f"/api/cases/{mine.pk}").status_code == 200
    assert client.get(f"/api/cases/{cases[0].pk}").status_code == 404


def test_one_case_masks_personal_data_and_hides_internal_steps_from_the_resident(client_of, user_of, own):
    case = _proxy(user_of("community_staff"), own)
    services.case_take(actor=user_of("community_staff"), case_id=case.pk)  # an internal step
    staff_view = client_of("community_staff").get(f"/api/cases/{case.pk}").json()
    assert staff_view["applicant"]["name"] == "丁"
    assert own.id_number not in str(staff_view) and "13912345678" not in str(staff_view)
    assert "*" in staff_view["applicant"]["id_number_masked"] and "*" in staff_view["applicant"]["phone_masked"]
    assert staff_view["form"]["service"] == "助餐"
    assert [e["action"] for e in staff_view["timeline"]] == ["file", "take"]
    assert staff_view["consent_method"] == "in_person"
    resident_view = client_of("resident").get(f"/api/cases/{case.pk}").json()
    assert [e["action"] for e in resident_view["timeline"]] == ["file"]


@pytest.mark.parametrize("persona", ["community_staff_b", "grid_worker_b", "district_officer_b", "dalian_staff"])
def test_a_case_outside_the_area_is_not_found(client_of, cases, persona):
    case = cases[0]
    client = client_of(persona)
    assert client.get(f"/api/cases/{case.pk}").status_code == 404
    for path in ("take", "release"):
        assert client.post(f"/api/cases/{case.pk}/{path}").status_code == 404
    response = client.post(f"/api/cases/{case.pk}/actions", {"action": "accept"}, content_type="application/json")
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_an_unknown_or_huge_id_is_not_found(client_of):
    client = client_of("street_officer")
    assert client.get("/api/cases/999999999").status_code == 404
    assert client.get(f"/api/cases/{2**70}").status_code in (404, 422)


# ---- filing ----------------------------------------------------------------------------------------


def test_a_resident_files_online_for_themselves(client_of, own, jia):
    client = client_of("resident")
    response = client.post(
        "/api/cases",
        {"item": ITEM, "channel": "online", "applicant_id": own.pk, "form": _form(own)},
        "application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "online" and body["state"] == "submitted" and body["area_code"] == own.area.code
    # Someone else's applicant: not found; nothing filed.
    other = client.post(
        "/api/cases",
        {"item": ITEM, "channel": "online", "applicant_id": jia.pk, "form": _form(jia)},
        "application/json",
    )
    assert other.status_code == 404
    assert not Case.objects.filter(applicant=jia).exists()


def test_a_resident_reports_a_place_in_their_own_city_only(client_of, world):
    from shequ.areas.models import Area, Level

    client = client_of("resident")

    def report(area_code: str):  # type: ignore[no-untyped-def]
        body = {"item": "street_light_out", "channel": "online", "area": area_code, "form": {"detail": "路灯不亮"}}
        return client.post("/api/cases", body, "application/json")

    assert report(world.community_b.code).status_code == 201  # a neighbouring community of the same city
    dalian = Area.objects.filter(path__startswith=world.other_city.path, level=Level.COMMUNITY).first()
    assert report(dalian.code).status_code == 404
    assert not Case.objects.filter(area=dalian).exists()


def test_staff_file_by_proxy_with_the_residents_consent(client_of, jia):
    client = client_of("community_staff")
    payload = {"item": ITEM, "channel": "proxy", "applicant_id": jia.pk, "form": _form(jia)}
    refused = client.post("/api/cases", payload, "application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "consent_method"
    given = payload | {"consent_method": "signature", "consent_note": "本人签字", "proxy_reason": "卧床"}
    response = client.post("/api/cases", given, "application/json")
    assert response.status_code == 201, response.content
    assert response.json()["consent_method"] == "signature" and response.json()["proxy_reason"] == "卧床"
    assert Case.objects.filter(applicant=jia).count() == 1


def test_staff_file_door_to_door_in_their_area_only(client_of, jia, yi):
    client = client_of("grid_worker")
    assert (
        client.post(
            "/api/cases",
            {"item": ITEM, "channel": "door", "applicant_id": jia.pk, "form": _form(jia)},
            "application/json",
        ).json()["channel"]
        == "door"
    )
    response = client.post(
        "/api/cases", {"item": ITEM, "channel": "door", "applicant_id": yi.pk, "form": _form(yi)}, "application/json"
    )
    assert response.status_code == 404


def test_a_wrong_form_value_is_a_422_naming_the_field(client_of, jia):
    client = client_of("community_staff")
    response = client.post(
        "/api/cases",
        {
            "item": ITEM,
            "channel": "proxy",
            "applicant_id": jia.pk,
            "form": _form(jia, service="上天", wanted_on="明天"),
            "consent_method": "phone",
            "proxy_reason": "外出",
        },
        "application/json",
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["detail"]}
    assert set(fields) == {"service", "wanted_on"}
    assert "服务项目" in fields["service"] and "希望服务日期" in fields["wanted_on"]
    assert not Case.objects.filter(applicant=jia).exists()


# ---- the workflow ----------------------------------------------------------------------------------


def _act(client, case: Case, action: str, **extra: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/cases/{case.pk}/actions", {"action": action, **extra}, "application/json")


def test_staff_move_a_case_and_a_transition_not_allowed_is_a_409(client_of, cases):
    case = cases[0]
    client = client_of("community_staff")
    refused = _act(client, case, "complete")
    assert refused.status_code == 409
    assert "不能" in refused.json()["detail"] or "无法" in refused.json()["detail"]
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    accepted = _act(client, case, "accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert [e["action"] for e in accepted.json()["timeline"]][-1] == "accept"
    assert _act(client, case, "reject").status_code == 422  # a rejection needs the reason the resident reads
    assert _act(client, case, "fly").status_code == 422


def test_a_grid_worker_may_not_approve(client_of, cases):
    case = cases[0]
    assert _act(client_of("grid_worker"), case, "accept").status_code == 200
    refused = _act(client_of("grid_worker"), case, "approve")
    assert refused.status_code == 409
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_the_resident_withdraws_their_own_case(client_of, user_of, own):
    case = _proxy(user_of("community_staff"), own)
    response = _act(client_of("resident"), case, "withdraw")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    assert _act(client_of("resident"), case, "accept").status_code == 409


def test_taking_a_case_twice_names_who_has_it(client_of, cases):
    case = cases[0]
    assert client_of("community_staff").post(f"/api/cases/{case.pk}/take").json()["assigned_to"] == "community_staff"
    refused = client_of("grid_worker").post(f"/api/cases/{case.pk}/take")
    assert refused.status_code == 409
    assert "community_staff" in refused.json()["detail"]
    assert client_of("grid_worker").post(f"/api/cases/{case.pk}/release").status_code == 422
    released = client_of("community_staff").post(f"/api/cases/{case.pk}/release")
    assert released.status_code == 200 and released.json()["assigned_to"] == ""
    assert client_of("grid_worker").post(f"/api/cases/{case.pk}/take").json()["assigned_to"] == "grid_worker"


def test_the_resident_rates_a_completed_case_once(client_of, user_of, own):
    staff = user_of("community_staff")
    case = _proxy(staff, own)
    client = client_of("resident")
    assert client.post(f"/api/cases/{case.pk}/rating", {"level": 5}, "application/json").status_code == 422
    for action in ("accept", "approve", "complete"):
        services.case_act(actor=staff, case_id=case.pk, action=action)
    assert (
        client_of("community_staff").post(f"/api/cases/{case.pk}/rating", {"level": 5}, "application/json").status_code
        == 404
    )
    low = client.post(f"/api/cases/{case.pk}/rating", {"level": 1}, "application/json")
    assert low.status_code == 422 and low.json()["detail"][0]["field"] == "reason"
    assert client.post(f"/api/cases/{case.pk}/rating", {"level": 6}, "application/json").status_code == 422
    rated = client.post(f"/api/cases/{case.pk}/rating", {"level": 4, "reason": ""}, "application/json")
    assert rated.status_code == 201 and rated.json()["level"] == 4
    assert client.post(f"/api/cases/{case.pk}/rating", {"level": 5}, "application/json").status_code == 422
    assert client.get(f"/api/cases/{case.pk}").json()["rating"]["level"] == 4


# ---- figures and the catalogue ---------------------------------------------------------------------


def test_figures_of_an_area_in_scope(client_of, cases, world):
    street = client_of("street_officer")
    whole = street.get("/api/cases/figures").json()
    assert whole["total"] == 2 and whole["open"] == 2 and whole["by_channel"]["proxy"] == 2
    community = street.get(f"/api/cases/figures?area={world.community_a.code}").json()
    assert community["total"] == 1 and community["area_code"] == world.community_a.code
    assert client_of("community_staff").get(f"/api/cases/figures?area={world.community_b.code}").status_code == 404
    assert client_of("resident").get("/api/cases/figures").status_code == 404


def test_the_catalogue_for_staff_and_residents(client_of, own):
    listed = client_of("grid_worker").get("/api/catalogue/items")
    assert listed.status_code == 200
    assert {"residence_certificate", ITEM} <= {row["code"] for row in listed.json()}
    one = client_of("resident").get(f"/api/catalogue/items/{ITEM}").json()
    assert [f["name"] for f in one["form"]] == ["applicant", "service", "wanted_on", "note"]
    assert client_of("grid_worker").get("/api/catalogue/items/no_such_item").status_code == 404
    # A resident account with nobody registered under its phone, and the anonymous visitor.
    assert client_of("resident_b").get("/api/catalogue/items").status_code == 404
    assert client_of(None).get("/api/catalogue/items").status_code == 401
