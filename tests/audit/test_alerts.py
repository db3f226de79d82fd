"""The alert list on the auditor's page: per area, open first, acknowledged by an auditor (audited)."""

import pytest
from django.db import transaction

from shequ.accounts.roles import Role
from shequ.audit.models import Alert, AuditEvent
from shequ.audit.services import alert_raise
from tests import factories

pytestmark = pytest.mark.django_db


def _alert(area, **data):
    with transaction.atomic():
        return alert_raise(kind=Alert.Kind.MASS_REVEAL, area=area, data=data)


def test_auditors_see_the_alerts_of_their_area_and_acknowledge_them(world, client_of):
    in_a = _alert(world.community_a, reveals=21)
    in_b = _alert(world.district_b, reveals=30)
    older = _alert(world.community_a, reveals=25)
    district_auditor = factories.account("auditor_b", Role.AUDITOR, world.district_b)
    city = client_of("auditor")

    listed = [a["id"] for a in city.get("/api/audit/alerts").json()["items"]]
    assert listed[:3] == [older.pk, in_b.pk, in_a.pk]
    response = city.post(f"/audit/alerts/{in_a.pk}/acknowledge/")
    assert response.status_code == 302
    in_a.refresh_from_db()
    assert in_a.acknowledged_at is not None and in_a.acknowledged_by_id == world.personas["auditor"]
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.object_id, event.area_path) == (
        "audit.alert_acknowledge",
        str(in_a.pk),
        world.community_a.path,
    )
    # Open alerts before acknowledged ones.
    listed = [a["id"] for a in city.get("/api/audit/alerts").json()["items"]]
    assert listed.index(in_a.pk) > listed.index(older.pk)
    page = city.get("/audit/").content.decode()
    assert f"/audit/alerts/{older.pk}/acknowledge/" in page
    assert f"/audit/alerts/{in_a.pk}/acknowledge/" not in page

    # A district's auditor sees and acknowledges only the alerts of that district.
    from django.test import Client

    district = Client()
    district.force_login(district_auditor)
    assert [a["id"] for a in district.get("/api/audit/alerts").json()["items"]] == [in_b.pk]
    assert district.post(f"/audit/alerts/{older.pk}/acknowledge/").status_code == 404
    older.refresh_from_db()
    assert older.acknowledged_at is None
    assert district.post(f"/audit/alerts/{in_b.pk}/acknowledge/").status_code == 302


def test_acknowledging_twice_records_once(world, client_of):
    alert = _alert(world.community_a)
    client = client_of("auditor")
    client.post(f"/audit/alerts/{alert.pk}/acknowledge/")
    client.post(f"/audit/alerts/{alert.pk}/acknowledge/")
    assert AuditEvent.objects.filter(action="audit.alert_acknowledge", object_id=str(alert.pk)).count() == 1


def test_only_auditors_acknowledge(world, client_of):
    alert = _alert(world.community_a)
    for persona in ["city_admin", "sysadmin", "community_staff"]:
        assert client_of(persona).post(f"/audit/alerts/{alert.pk}/acknowledge/").status_code == 403  # never theirs
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_page_shows_the_checkpoint_status(world, client_of, settings):
    from django.core.management import call_command

    client = client_of("auditor")
    client.cookies["django_language"] = "en"
    assert "No checkpoint has been written yet." in client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    call_command("audit_checkpoint", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    page = client.get("/audit/?verify=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Last checkpoint:" in page and "The chain is intact" in page


def test_the_page_speaks_chinese(world, client_of):
    _alert(world.community_a, reveals=21)
    page = client_of("auditor").get("/audit/").content.decode()
    for text in ("提醒", "短时间内多次查看明文", "涉及账号", "确认", "尚未生成检查点。"):
        assert text in page, text
