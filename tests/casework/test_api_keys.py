"""The Open311 API keys at /cases/keys/: only the city administrator (over Shenyang) issues, lists and
revokes them; the key is shown once and only its prefix and hash are kept; every issue and revocation is
audited; a key names districts, streets or communities of the administrator's city only."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.casework import apikeys
from shequ.casework.models import ApiKey
from shequ.lib.scoping import CapabilityMissing

pytestmark = pytest.mark.django_db

OTHERS = [
    "grid_worker",
    "community_staff",
    "street_officer",
    "district_officer",
    "programme_officer",
    "service_provider",
    "auditor",
    "sysadmin",
    "resident",
]


def _issue(client: Client, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/cases/keys/new/", {"name": "12345热线", "area_1": "", "area_2": "", "area_3": "", **fields})


def test_the_city_administrator_issues_lists_and_revokes_a_key(world, client_of, user_of) -> None:  # type: ignore[no-untyped-def]
    admin = client_of("city_admin")
    assert admin.get("/cases/keys/new/").status_code == 200
    response = _issue(admin, area_1=world.district.code, area_2=world.street_b.code)
    assert response.status_code == 200
    full = response.context["full"]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert full in response.content.decode()
    key = ApiKey.objects.get()
    prefix, secret = full.split(".", 1)
    assert key.prefix == prefix and len(secret) >= 40
    assert key.key_hash == hashlib.sha256(full.encode()).hexdigest()
    assert set(key.areas.all()) == {world.district, world.street_b}
    assert key.name == "12345热线" and key.created_by == user_of("city_admin")
    issued = AuditEvent.objects.get(action="casework.api_key_issue", object_id=str(key.pk))
    assert issued.actor_id == world.personas["city_admin"]
    assert secret not in str(issued.data)

    # The list shows the prefix, the areas and the last use, never the key.
    page = admin.get("/cases/keys/").content.decode()
    assert prefix in page and world.district.name in page and secret not in page
    assert apikeys.api_key_authenticate(full) == key
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert timezone.localtime(key.last_used_at).strftime("%Y-%m-%d %H:%M") in admin.get("/cases/keys/").content.decode()

    response = admin.post(f"/cases/keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="casework.api_key_revoke", object_id=str(key.pk)).count() == 1
    assert apikeys.api_key_authenticate(full) is None
    # Revoking again changes nothing and is not audited twice.
    admin.post(f"/cases/keys/{key.pk}/revoke/")
    assert AuditEvent.objects.filter(action="casework.api_key_revoke", object_id=str(key.pk)).count() == 1


@pytest.mark.parametrize("persona", OTHERS)
def test_nobody_else_sees_or_does_anything(world, client_of, user_of, persona) -> None:  # type: ignore[no-untyped-def]
    key, _full = apikeys.api_key_issue(actor=user_of("city_admin"), name="热线", area_codes=[world.district.code])
    client = client_of(persona)
    for response in (
        client.get("/cases/keys/"),
        client.get("/cases/keys/new/"),
        _issue(client, area_1=world.district.code),
        client.post(f"/cases/keys/{key.pk}/revoke/"),
    ):
        assert response.status_code in (403, 404)
    assert ApiKey.objects.count() == 1
    key.refresh_from_db()
    assert key.revoked_at is None
    with pytest.raises(CapabilityMissing):
        apikeys.api_key_issue(actor=user_of(persona), name="x", area_codes=[world.district.code])
    with pytest.raises(CapabilityMissing):
        apikeys.api_key_revoke(actor=user_of(persona), key_id=key.pk)


def test_the_anonymous_visitor_is_sent_to_sign_in(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/cases/keys/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_bad_input_names_the_field_and_saves_nothing(world, client_of) -> None:  # type: ignore[no-untyped-def]
    admin = client_of("city_admin")
    dalian = world.other_city.children.order_by("code").first()
    for fields, field in [
        ({"name": "", "area_1": world.district.code}, "name"),
        ({"name": "x" * 81, "area_1": world.district.code}, "name"),
        ({"area_1": ""}, "area_1"),
        ({"area_1": dalian.code}, None),  # another city: not the administrator's
        ({"area_1": world.grid_a1.code}, None),  # a grid is too small
        ({"area_1": world.city.code}, None),  # the city as a whole is no limit
        ({"area_1": "nonsense"}, None),
    ]:
        response = _issue(admin, **fields)
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors, fields
        if field:
            assert field in form.errors
        assert "full" not in response.context
    assert not ApiKey.objects.exists()


def test_the_revoke_of_an_unknown_key_is_a_404(world, client_of) -> None:  # type: ignore[no-untyped-def]
    assert client_of("city_admin").post("/cases/keys/999999/revoke/").status_code == 404
    assert client_of("city_admin").get("/cases/keys/1/revoke/").status_code == 405
