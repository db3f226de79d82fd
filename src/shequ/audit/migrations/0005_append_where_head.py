from django.db import migrations

# PostgreSQL only. audit_try_append(stripe, expected): take the stripe's advisory lock if it is free and
# say whether its newest event is still ``expected``. A process that remembers the head of the stripe it
# last wrote appends with one statement (INSERT ... WHERE audit_try_append(...)) instead of claiming a
# stripe first: one round trip instead of two. VOLATILE, so its SELECT takes a snapshot after the lock is
# granted and sees the previous holder's committed event; a false answer (stripe busy, or written by
# someone else since) inserts nothing and the writer claims a stripe as before.
CREATE = """
CREATE OR REPLACE FUNCTION audit_try_append(p_stripe integer, p_expected varchar) RETURNS boolean AS $$
DECLARE
    head varchar;
BEGIN
    IF NOT pg_try_advisory_xact_lock(24218, p_stripe) THEN
        RETURN false;
    END IF;
    SELECT e.hash INTO head FROM audit_auditevent e WHERE e.stripe = p_stripe ORDER BY e.id DESC LIMIT 1;
    RETURN head IS NOT DISTINCT FROM p_expected;
END;
$$ LANGUAGE plpgsql VOLATILE;
"""

DROP = "DROP FUNCTION IF EXISTS audit_try_append(integer, varchar);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_lookup_misses"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
