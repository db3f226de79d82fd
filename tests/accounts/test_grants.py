"""Grants under four eyes, scoped to the administrator's tree (finding 5, "Self-granted access", and the
grant part of finding 8), and the system administrators made on the command line."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.accounts import services
from shequ.accounts.models import Grant, GrantRequest, User
from shequ.accounts.roles import NEEDS_SECOND_APPROVAL, Role
from shequ.audit.models import Alert, AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(world):
    """A second system administrator over the city (the fixture has one)."""
    return factories.account("sysadmin_2", Role.SYSADMIN, world.city)


@pytest.fixture
def newcomer(world):
    """A fresh Shenyang account without roles, living in community A."""
    return factories.account("newcomer", home_area=world.community_a)


def ask(client, user, role, area, programme=""):
    body = {"role": role, "area_code": area.code, "programme": programme}
    return client.post(f"/api/accounts/{user.pk}/grants", json.dumps(body), content_type="application/json")


def test_the_roles_that_need_a_second_approval_are_those_reaching_personal_data():
    assert NEEDS_SECOND_APPROVAL == {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.PROGRAMME_OFFICER,  # reads the people of its programme
        Role.CITY_ADMIN,
        Role.AUDITOR,
        Role.SYSADMIN,
        Role.SYSTEM,  # reads cases; never granted to a person (below)
    }


def test_nobody_is_granted_the_system_role(world, client_of, user_of):
    response = ask(client_of("sysadmin"), user_of("street_officer"), Role.SYSTEM, world.city)
    assert response.status_code == 422


def test_nobody_grants_themselves_a_role(world, client_of, user_of):
    # The finding: the system administrator granted himself city administrator in one request.
    me = user_of("sysadmin")
    response = ask(client_of("sysadmin"), me, Role.CITY_ADMIN, world.city)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "user"
    assert not me.grants.filter(role=Role.CITY_ADMIN).exists()
    assert not GrantRequest.objects.filter(user=me).exists()
    assert client_of("sysadmin").get("/api/residents").status_code == 404  # still reads no personal data


def test_a_grant_reaching_personal_data_waits_for_a_second_administrator_and_alerts(
    world, client_of, user_of, second_admin, newcomer
):
    response = ask(client_of("sysadmin"), newcomer, Role.CITY_ADMIN, world.city)
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "pending" and body["grant_id"] is None
    assert not newcomer.grants.exists()
    alert = Alert.objects.get(kind=Alert.Kind.GRANT)
    assert alert.area_path == world.city.path and alert.actor_id == newcomer.pk
    assert alert.data["requested_by"] == world.personas["sysadmin"] and alert.data["state"] == "pending"

    # The other administrator sees it and approves; the grant exists from then on.
    second = client_of(None)
    second.force_login(second_admin)
    assert [r["id"] for r in second.get("/api/grant-requests").json()["items"]] == [body["id"]]
    response = second.post(f"/api/grant-requests/{body['id']}/approve")
    assert response.status_code == 200 and response.json()["role"] == Role.CITY_ADMIN
    assert newcomer.grants.filter(role=Role.CITY_ADMIN, area=world.city).exists()
    assert GrantRequest.objects.get(pk=body["id"]).decided_by_id == second_admin.pk
    approved = Alert.objects.filter(kind=Alert.Kind.GRANT).exclude(pk=alert.pk).get()
    assert approved.data["approved_by"] == second_admin.pk and approved.area_path == world.city.path
    event = AuditEvent.objects.get(action="accounts.grant_add")
    assert event.actor_id == second_admin.pk and event.data["requested_by"] == world.personas["sysadmin"]
    assert second.get("/api/grant-requests").json()["items"] == []


def test_neither_the_requester_nor_the_account_concerned_approves(world, client_of, user_of, second_admin):
    # The second administrator asks for a role for the first: the first may not approve it (it is for
    # him), the second may not (she asked); a third administrator may.
    request = services.grant_request(
        actor=second_admin, user_id=world.personas["sysadmin"], role=Role.AUDITOR, area_code=world.city.code
    )
    for actor in (user_of("sysadmin"), second_admin):
        with pytest.raises(ValidationError):
            services.grant_approve(actor=User.objects.get(pk=actor.pk), request_id=request.pk)
    assert not Grant.objects.filter(user_id=world.personas["sysadmin"], role=Role.AUDITOR).exists()
    third = factories.account("sysadmin_3", Role.SYSADMIN, world.city)
    services.grant_approve(actor=third, request_id=request.pk)
    assert Grant.objects.filter(user_id=world.personas["sysadmin"], role=Role.AUDITOR).exists()


def test_a_role_without_personal_data_takes_effect_at_once(world, client_of, newcomer):
    response = ask(client_of("sysadmin"), newcomer, Role.SERVICE_PROVIDER, world.district)
    assert response.status_code == 201 and response.json()["state"] == "approved"
    assert newcomer.grants.filter(role=Role.SERVICE_PROVIDER).exists()
    assert not Alert.objects.filter(kind=Alert.Kind.GRANT).exists()


def test_refused_and_withdrawn_requests_grant_nothing(world, user_of, second_admin, newcomer):
    first = user_of("sysadmin")
    asked = services.grant_request(actor=first, user_id=newcomer.pk, role=Role.CITY_ADMIN, area_code=world.city.code)
    with pytest.raises(ValidationError):  # one open request per grant
        services.grant_request(actor=first, user_id=newcomer.pk, role=Role.CITY_ADMIN, area_code=world.city.code)
    assert services.grant_refuse(actor=second_admin, request_id=asked.pk).state == GrantRequest.State.REFUSED
    with pytest.raises(Http404):  # decided: nothing left to approve
        services.grant_approve(actor=second_admin, request_id=asked.pk)
    again = services.grant_request(actor=first, user_id=newcomer.pk, role=Role.CITY_ADMIN, area_code=world.city.code)
    assert services.grant_refuse(actor=first, request_id=again.pk).state == GrantRequest.State.WITHDRAWN
    assert not newcomer.grants.exists()
    assert AuditEvent.objects.filter(action__in=["accounts.grant_refuse", "accounts.grant_withdraw"]).count() == 2


def test_grants_reach_only_accounts_of_the_administrators_tree(world, user_of, second_admin):
    # Finding 8: the Shenyang administrator granted a role to a Dalian account through the service.
    dalian = user_of("dalian_staff")
    with pytest.raises(Http404):
        services.grant_request(
            actor=user_of("sysadmin"), user_id=dalian.pk, role=Role.COMMUNITY_STAFF, area_code=world.community_a.code
        )
    with pytest.raises(Http404):
        services.grant_remove(actor=user_of("sysadmin"), grant_id=dalian.grants.get().pk)
    # A request over Dalian (made there) is not for a Shenyang administrator to approve.
    dalian_admin = factories.account("dalian_admin", Role.SYSADMIN, world.other_city)
    asked = services.grant_request(
        actor=dalian_admin,
        user_id=dalian.pk,
        role=Role.DISTRICT_OFFICER,
        area_code=dalian.grants.get().area.path.split("/")[2],
    )
    with pytest.raises(Http404):
        services.grant_approve(actor=second_admin, request_id=asked.pk)
    assert not dalian.grants.filter(role=Role.DISTRICT_OFFICER).exists()


def test_nobody_removes_their_own_role(world, user_of, second_admin):
    own = Grant.objects.get(user_id=world.personas["sysadmin"], role=Role.SYSADMIN)
    with pytest.raises(ValidationError):
        services.grant_remove(actor=user_of("sysadmin"), grant_id=own.pk)
    services.grant_remove(actor=second_admin, grant_id=own.pk)
    assert not Grant.objects.filter(pk=own.pk).exists()


def test_the_pages_show_pending_requests_to_the_other_administrators(world, client_of, user_of, second_admin, newcomer):
    first = client_of("sysadmin")
    response = first.post(f"/accounts/manage/{newcomer.pk}/", {"role": Role.CITY_ADMIN, "area_code": world.city.code})
    assert response.status_code == 302
    asked = GrantRequest.objects.get(user=newcomer)
    page = first.get("/accounts/manage/").content.decode()
    assert "等待另一位管理员批准" in page
    assert 'value="approve"' not in page  # the requester can only withdraw

    second = client_of(None)
    second.force_login(second_admin)
    page = second.get(f"/accounts/manage/{newcomer.pk}/").content.decode()
    assert 'value="approve"' in page
    response = second.post(
        f"/accounts/manage/requests/{asked.pk}/", {"decision": "approve", "next": "/accounts/manage/"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/manage/"
    assert newcomer.grants.filter(role=Role.CITY_ADMIN).exists()
    # Approving twice, or a request that does not exist, is a 404.
    assert second.post(f"/accounts/manage/requests/{asked.pk}/", {"decision": "approve"}).status_code == 404


def test_the_command_line_makes_the_first_and_second_administrator_and_no_third(world, monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": factories.PASSWORD)
    for n, name in enumerate(["dl-admin-1", "dl-admin-2"], start=1):
        call_command("create_sysadmin", name, "--city", "2102")
        event = AuditEvent.objects.filter(action="accounts.grant_add").latest("pk")
        assert event.actor_id is None and event.data["sysadmin_number"] == n and event.data["source"] == "command_line"
        alert = Alert.objects.filter(kind=Alert.Kind.GRANT).latest("pk")
        assert alert.area_path == world.other_city.path and alert.actor_id == User.objects.get(username=name).pk
    call_command("create_sysadmin", "dl-admin-2", "--city", "2102")  # already one: left as it is
    with pytest.raises(CommandError):
        call_command("create_sysadmin", "dl-admin-3", "--city", "2102")
    assert Grant.objects.filter(role=Role.SYSADMIN, area=world.other_city).count() == 2


def test_the_demo_has_two_administrators_and_its_grants_went_through_both(world):
    from shequ.demo.services import load_demo

    rows = load_demo(city_code="2102", streets=1)  # Dalian: the fixture's Shenyang has its administrator
    admins = [row["username"] for row in rows if row["role"] == str(Role.SYSADMIN.label)]
    assert admins == ["demo-sysadmin", "demo-sysadmin-2"]
    asked = GrantRequest.objects.get(user__username="demo-city", role=Role.CITY_ADMIN)
    assert asked.requested_by.username == "demo-sysadmin" and asked.decided_by.username == "demo-sysadmin-2"
    assert User.objects.get(username="demo-city").grants.filter(role=Role.CITY_ADMIN, area=world.other_city).exists()
