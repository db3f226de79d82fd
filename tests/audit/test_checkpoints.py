"""Anchoring the chain: signed checkpoints outside the database find deleted newest events and TRUNCATE."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shequ.areas.services import grid_create
from shequ.audit.models import Alert, AuditEvent
from shequ.audit.services import ChainBroken, Checkpoint, checkpoint_write, last_checkpoint, verify_chain

pytestmark = pytest.mark.django_db


def _delete_behind_the_applications_back(where: str, params: list) -> None:
    """What a database administrator (or an intruder with the owner's password) could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # a superuser bypassing triggers
        cursor.execute(f"DELETE FROM audit_auditevent WHERE {where}", params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _grids(world, staff, names):
    for name in names:
        grid_create(actor=staff, community_code=world.community_a.code, name=name)


def test_deleting_the_newest_events_is_found_against_the_checkpoint(world, user_of):
    staff = user_of("community_staff")
    _grids(world, staff, ["锚1", "锚2", "锚3"])
    checkpoint = checkpoint_write()
    assert checkpoint.count == AuditEvent.objects.count()
    newest = AuditEvent.objects.order_by("-id")[1].pk
    _delete_behind_the_applications_back("id >= %s", [newest])
    report = verify_chain()
    # Without the checkpoint the shortened chain links up perfectly: that was the hole.
    assert verify_chain(checkpoint=Checkpoint(at=checkpoint.at, stripes={}).sign()).ok
    assert not report.ok
    assert report.kind == "missing"
    assert "missing" in report.reason
    with pytest.raises(CommandError, match="missing"):
        call_command("audit_verify")
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_audit_chain")  # the earlier name
    alerts = Alert.objects.filter(kind=Alert.Kind.AUDIT_CHAIN)
    assert alerts.count() == 1  # verified three times, one open alert


def test_emptying_the_table_is_found_even_when_new_events_follow(world, user_of):
    staff = user_of("community_staff")
    _grids(world, staff, ["清1", "清2"])
    checkpoint_write()
    _delete_behind_the_applications_back("id > %s", [0])  # TRUNCATE's effect (the owner may truncate)
    assert verify_chain().kind == "missing"
    # The trail grows again past the checkpoint's count: the recorded events are still not there.
    for n in range(AuditEvent.objects.count(), last_checkpoint().count + 3):
        _grids(world, staff, [f"新{n}"])
    assert AuditEvent.objects.count() > last_checkpoint().count
    report = verify_chain()
    assert report.kind == "replaced"


def test_checkpoint_is_signed_printed_and_appended(world, user_of, capsys, checkpoint_file):
    call_command("audit_checkpoint")
    _grids(world, user_of("community_staff"), ["签1"])
    call_command("audit_checkpoint")
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 2
    lines = checkpoint_file.read_text().strip().splitlines()
    assert lines == printed
    second = Checkpoint.parse(printed[1])
    assert second.signed and second.count == AuditEvent.objects.count()
    assert json.loads(printed[1])["count"] == second.count
    assert verify_chain().checkpoint == second

    # The auditor's printed copy can be checked on its own; a forged one is refused.
    call_command("audit_verify", checkpoint=printed[0])
    forged = json.loads(printed[1]) | {"count": 1}
    forged["stripes"] = {"0": [1, 1, "0" * 64]}
    with pytest.raises(CommandError, match="not signed"):
        call_command("audit_verify", checkpoint=json.dumps(forged))
    with pytest.raises(CommandError, match="--checkpoint"):
        call_command("audit_verify", checkpoint="{not json")


def test_a_broken_chain_is_not_checkpointed(world, user_of, checkpoint_file):
    _grids(world, user_of("community_staff"), ["断1", "断2"])
    checkpoint_write()
    _delete_behind_the_applications_back("id = (SELECT MAX(id) FROM audit_auditevent)", [])
    with pytest.raises(ChainBroken):
        checkpoint_write()
    with pytest.raises(CommandError, match="no checkpoint written"):
        call_command("audit_checkpoint")
    assert len(checkpoint_file.read_text().strip().splitlines()) == 1


def test_the_scheduler_checkpoints_periodically(world, settings, checkpoint_file):
    from shequ.audit.tasks import checkpoint_task
    from shequ.tasks import app

    entry = app.conf.beat_schedule["audit-checkpoint"]
    assert entry["task"] == checkpoint_task.name
    assert entry["schedule"].total_seconds() == settings.SHEQU_AUDIT_CHECKPOINT_MINUTES * 60
    checkpoint_task.delay()  # eager in tests
    assert last_checkpoint().count == AuditEvent.objects.count()
