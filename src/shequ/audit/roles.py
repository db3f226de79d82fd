"""PostgreSQL roles: the owner migrates, the application runs as a role that cannot rewrite history.

The runtime role (SHEQU_DATABASE_URL) may read and write every table, except the audit trail: audit
events it may only INSERT and SELECT, alerts INSERT, SELECT and UPDATE (acknowledgement). TRUNCATE it
holds nowhere, and the audit tables' TRUNCATE trigger (migration 0003) refuses every role but their owner
even if someone grants it later. The owner (SHEQU_MIGRATE_DATABASE_URL) runs migrations and this grant.
"""

from __future__ import annotations

import re
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .models import Alert, AuditEvent

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
# Tables whose runtime rights are narrower than TABLE_RIGHTS.
NARROW_RIGHTS = {
    AuditEvent._meta.db_table: "SELECT, INSERT",
    Alert._meta.db_table: "SELECT, INSERT, UPDATE",
}


def runtime_role_grant(*, cursor: Any, role: str, password: str | None = None) -> None:
    """Create or update ``role`` (LOGIN, no superuser, no role or database creation) and give it exactly
    the runtime rights in the current database; run as the tables' owner. Running it again after new
    migrations brings the rights up to date (new tables also get TABLE_RIGHTS by default privileges)."""
    if not _ROLE_NAME.match(role):
        raise ValueError("role: lower-case letters, digits and _ only, at most 63 characters")
    cursor.execute("SELECT current_user, current_database()")
    owner, database = cursor.fetchone()
    if role == owner:
        raise ValueError("role: the runtime role must not be the owner that runs migrations")
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    cursor.execute(f'{verb} ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS')
    if password:
        cursor.execute(f'ALTER ROLE "{role}" PASSWORD %s', [password])
    cursor.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{role}"')
    cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    # From nothing, so that running it again also takes back what an earlier version gave.
    cursor.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
    cursor.execute(f'GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA public TO "{role}"')
    for table, rights in NARROW_RIGHTS.items():
        cursor.execute(f'REVOKE ALL ON "{table}" FROM "{role}"')
        cursor.execute(f'GRANT {rights} ON "{table}" TO "{role}"')
    cursor.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
    cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    cursor.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {TABLE_RIGHTS} ON TABLES TO "{role}"')
    cursor.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')


def use_owner_connection() -> bool:
    """Point the default connection at SHEQU_MIGRATE_DATABASE_URL's role (the owner) for this process.

    Only when it names the same database as the default connection: a test run (whose database is
    ``test_…``) and a deployment without the setting keep their connection. Returns whether it did."""
    if not settings.SHEQU_MIGRATE_DATABASE_URL:
        return False
    owner = dj_database_url.parse(settings.SHEQU_MIGRATE_DATABASE_URL)
    connection = connections[DEFAULT_DB_ALIAS]
    if owner["NAME"] != connection.settings_dict["NAME"]:
        return False
    connection.close()
    for key in ("USER", "PASSWORD", "HOST", "PORT"):
        connection.settings_dict[key] = owner[key]
    return True
