import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from shequ.areas.models import Area
from shequ.areas.services import grid_create, grid_update
from shequ.audit import services as audit_services
from shequ.audit.models import AppendOnlyError, AuditEvent
from shequ.audit.services import verify_chain

pytestmark = pytest.mark.django_db


def test_one_event_per_audited_action(world, user_of):
    staff = user_of("community_staff")
    before = AuditEvent.objects.count()
    grid = grid_create(actor=staff, community_code=world.community_a.code, name="新网格")
    grid_update(actor=staff, grid_code=grid.code, name="新网格二")
    grid_update(actor=staff, grid_code=grid.code, name="新网格二")  # no change: no event
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["areas.grid_create", "areas.grid_update"]
    assert events[1].data == {"name": ["新网格", "新网格二"]}


def test_request_context_is_recorded(world, client_of):
    client = client_of("community_staff")
    response = client.post(
        f"/api/areas/{world.community_a.code}/grids",
        {"name": "请求网格"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-12345678",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "req-12345678"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.request_id, event.ip, event.action) == ("req-12345678", "10.1.2.3", "areas.grid_create")


def test_a_failed_audit_write_rolls_the_change_back(world, user_of, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("audit store unavailable")

    monkeypatch.setattr(audit_services, "_insert", broken)
    with pytest.raises(DatabaseError):
        grid_create(actor=user_of("community_staff"), community_code=world.community_a.code, name="不应存在")
    assert not Area.objects.filter(name="不应存在").exists()


def test_record_event_outside_a_transaction_is_refused(world):
    # Under pytest-django every test runs in a transaction; simulate the bare case.
    assert connection.in_atomic_block
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            connection.in_atomic_block = False
            try:
                audit_services.record_event(actor=None, action="x")
            finally:
                connection.in_atomic_block = True


def test_events_cannot_be_changed_or_deleted_by_the_application(world):
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_postgresql_refuses_update_and_delete_in_the_database(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no trigger: the application is the guard (tested above)")
    event_id = AuditEvent.objects.first().pk
    for sql in (
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event_id])


def _tamper(event_id: int, action: str):
    """Change one stored event behind the application's back, as a database administrator could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # a superuser bypassing triggers
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", [action, event_id])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_tampering_is_detected_and_the_first_broken_event_named(world, user_of):
    staff = user_of("community_staff")
    for n in range(3):
        grid_create(actor=staff, community_code=world.community_a.code, name=f"链{n}")
    assert verify_chain().ok
    call_command("verify_audit_chain")
    victim = AuditEvent.objects.order_by("-id")[1]
    _tamper(victim.pk, "areas.something_else")
    report = verify_chain()
    assert report.first_broken_id == victim.pk
    with pytest.raises(CommandError, match=f"#{victim.pk}"):
        call_command("verify_audit_chain")


def test_auditor_reads_the_trail_and_others_do_not(world, client_of):
    assert client_of("auditor").get("/api/audit/events").status_code == 200
    for persona in ["city_admin", "sysadmin", "street_officer", "resident"]:
        assert client_of(persona).get("/api/audit/events").status_code == 404
        assert client_of(persona).get("/audit/").status_code == 403  # a page the role never has
    assert client_of("auditor").get("/audit/?verify=1").status_code == 200
