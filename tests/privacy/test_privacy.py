import base64
import os
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from shequ.accounts.models import User
from shequ.audit.models import AuditEvent
from shequ.privacy import crypto
from shequ.privacy.fields import lookup, masked
from shequ.privacy.services import reencrypt_all, reveal

pytestmark = pytest.mark.django_db

RESIDENT_ID = "210102194803120029"
RESIDENT_PHONE = "13912345678"


def raw_row(user_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_number_index FROM accounts_user WHERE id = %s", [user_id])
        return cursor.fetchone()


def test_the_database_holds_no_plaintext(world, user_of):
    resident = user_of("resident")
    stored_id, stored_phone, index = raw_row(resident.pk)
    assert RESIDENT_ID not in stored_id and RESIDENT_PHONE not in stored_phone
    assert stored_id.startswith("v1:") and len(index) == 64
    assert resident.id_number == RESIDENT_ID  # the application reads plaintext


def test_a_full_dump_shows_no_identity_number(world, tmp_path):
    if connection.vendor == "sqlite":
        dump = "\n".join(connection.connection.iterdump())
    else:
        settings = connection.settings_dict
        dump = subprocess.run(
            [
                "pg_dump",
                "-h",
                settings["HOST"] or "127.0.0.1",
                "-p",
                str(settings["PORT"] or 5432),
                "-U",
                settings["USER"] or "postgres",
                settings["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""},
        ).stdout
        # pg_dump sees committed data only: the personas were committed at session set-up.
    assert "accounts_user" in dump
    for secret in (RESIDENT_ID, RESIDENT_PHONE, RESIDENT_ID[6:14]):
        assert secret not in dump


def test_exact_lookup_through_the_blind_index(world, user_of):
    assert User.objects.get(lookup(User, "id_number", RESIDENT_ID)) == user_of("resident")
    assert not User.objects.filter(lookup(User, "phone", "13000000000")).exists()


def test_masked_by_default(world, user_of, client_of):
    resident = user_of("resident")
    assert masked(resident, "id_number") == "**************0029"
    assert masked(resident, "phone") == "139****5678"
    page = client_of("resident").get("/accounts/me/").content.decode()
    assert "**************0029" in page and RESIDENT_ID not in page and RESIDENT_PHONE not in page
    me = client_of("resident").get("/api/me").json()
    assert me["id_number_masked"] == "**************0029"
    assert RESIDENT_ID not in str(me)


def test_every_reveal_needs_a_reason_and_is_audited(world, user_of):
    staff = user_of("community_staff")
    resident = user_of("resident")
    with pytest.raises(ValidationError):
        reveal(actor=staff, model=User, pk=resident.pk, field="id_number", category="assistance", reason=" ")
    before = AuditEvent.objects.filter(action="privacy.reveal").count()
    value = reveal(
        actor=staff, model=User, pk=resident.pk, field="id_number", category="assistance", reason="核实低保申请人身份"
    )
    assert value == RESIDENT_ID
    event = AuditEvent.objects.filter(action="privacy.reveal").order_by("-id").first()
    assert AuditEvent.objects.filter(action="privacy.reveal").count() == before + 1
    assert (event.actor_id, event.object_id, event.data) == (
        staff.pk,
        str(resident.pk),
        {"field": "id_number", "category": "assistance", "reason": "困难救助核查: 核实低保申请人身份"},
    )
    assert RESIDENT_ID not in str(event.data)


@pytest.mark.parametrize(
    "persona",
    [
        "community_staff_b",
        "grid_worker",
        "district_officer_b",
        "auditor",
        "sysadmin",
        "programme_officer",
        "resident_b",
        "service_provider",
    ],
)
def test_reveal_outside_scope_or_without_permission_is_a_404(world, user_of, persona):
    resident = user_of("resident")
    with pytest.raises(Http404):
        reveal(actor=user_of(persona), model=User, pk=resident.pk, field="phone", category="other", reason="想看看而已")


def test_own_data_can_be_revealed_and_is_audited(world, client_of, user_of):
    resident = user_of("resident")
    response = client_of("resident").post(
        f"/api/accounts/{resident.pk}/reveal",
        {"field": "phone", "category": "service", "reason": "核对本人信息"},
        content_type="application/json",
    )
    assert response.json() == {"field": "phone", "value": RESIDENT_PHONE}
    assert AuditEvent.objects.filter(action="privacy.reveal", actor=resident).exists()


def test_a_value_moved_to_another_column_does_not_decrypt():
    sealed = crypto.encrypt("x", context="accounts.user.id_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, context="accounts.user.phone")


def test_key_rotation_reencrypts_everything(world, user_of, settings):
    old_stored = raw_row(user_of("resident").pk)[0]
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.SHEQU_ENCRYPTION_KEYS = settings.SHEQU_ENCRYPTION_KEYS + f",2:{new_key}"
    totals = reencrypt_all(batch_size=3)
    assert totals["accounts.user"] >= 4  # two residents, two fields each
    stored_id, stored_phone, _index = raw_row(user_of("resident").pk)
    assert stored_id.startswith("v2:") and stored_phone.startswith("v2:") and stored_id != old_stored
    assert reencrypt_all()["accounts.user"] == 0  # a rerun finds nothing left
    settings.SHEQU_ENCRYPTION_KEYS = f"2:{new_key}"  # the old key can now be retired
    assert user_of("resident").id_number == RESIDENT_ID
    assert AuditEvent.objects.filter(action="privacy.reencrypt").exists()
