"""PostgreSQL: the application's own role may only INSERT and SELECT audit events; TRUNCATE of the audit
tables is refused for every role but their owner. Checked with a real role that is not a superuser."""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from shequ.audit.models import AuditEvent
from shequ.audit.roles import runtime_role_grant

pytestmark = pytest.mark.django_db

if connection.vendor != "postgresql":
    pytestmark = [pytestmark, pytest.mark.skip(reason="PostgreSQL only: SQLite has no roles and no TRUNCATE")]


def _conninfo(user: str) -> str:
    s = connection.settings_dict
    password = f" password={s['PASSWORD']}" if s["PASSWORD"] and user == s["USER"] else ""
    return f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={user}{password}"


@pytest.fixture
def app_role(world):
    """A runtime role made by runtime_role_grant in the test database; its rights are committed through an
    owner connection of their own (the test's transaction is rolled back), and dropped afterwards."""
    role = f"shequ_test_app_{os.getpid()}"
    owner = connection.settings_dict["USER"]
    with psycopg.connect(_conninfo(owner), autocommit=True) as admin:
        admin.execute("SET lock_timeout = '10s'")
        with admin.cursor() as cursor:
            runtime_role_grant(cursor=cursor, role=role)
        (superuser,) = admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        assert superuser is False
    yield role
    with psycopg.connect(_conninfo(owner), autocommit=True) as admin:
        admin.execute("SET lock_timeout = '10s'")
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


def _as(role: str, sql: str, params: list | None = None) -> list:
    """One statement as ``role`` in a transaction that is rolled back (the test database stays clean)."""
    with psycopg.connect(_conninfo(role)) as conn:
        conn.execute("SET lock_timeout = '10s'")
        try:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            conn.rollback()


INSERT = (
    "INSERT INTO audit_auditevent (at, action, object_type, object_id, area_path, request_id, data, stripe, "
    "prev_hash, hash) VALUES (now(), 'test.role', '', '', '', '', '{}', 0, %s, %s) RETURNING id"
)


def test_the_runtime_role_inserts_and_reads_audit_events_and_nothing_more(app_role):
    event_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    assert _as(app_role, INSERT, ["0" * 64, "f" * 64])
    assert _as(app_role, "SELECT count(*) FROM audit_auditevent")[0][0] >= 1
    for sql in (
        f"UPDATE audit_auditevent SET action = 'forged' WHERE id = {event_id}",
        f"DELETE FROM audit_auditevent WHERE id = {event_id}",
        "TRUNCATE audit_auditevent",
        "DELETE FROM audit_alert",
        "TRUNCATE audit_alert",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as(app_role, sql)
    # The rest of the application works: other tables are read and written, alerts acknowledged.
    _as(app_role, "UPDATE areas_area SET name = name WHERE id = (SELECT min(id) FROM areas_area)")
    _as(app_role, "UPDATE audit_alert SET acknowledged_at = now()")
    _as(app_role, "SELECT claimed, last_hash FROM audit_claim_stripe(16)")


def test_truncate_is_refused_to_every_role_but_the_owner(app_role):
    owner = connection.settings_dict["USER"]
    with psycopg.connect(_conninfo(owner), autocommit=True) as admin:
        admin.execute(f'GRANT TRUNCATE ON audit_auditevent TO "{app_role}"')  # a careless grant
    with pytest.raises(psycopg.errors.RaiseException, match="TRUNCATE of audit_auditevent refused"):
        _as(app_role, "TRUNCATE audit_auditevent")
    # The owner (who runs migrations, and flushes the test database) may: rolled back with the test.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditevent")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)
    assert AuditEvent.objects.exists()


def test_db_roles_command_refuses_bad_names_and_the_owner(world):
    with pytest.raises(CommandError, match="--app-role"):
        call_command("db_roles", app_role="Robert'); DROP TABLE x;--")
    with pytest.raises(CommandError, match="owner"):
        call_command("db_roles", app_role=connection.settings_dict["USER"])
