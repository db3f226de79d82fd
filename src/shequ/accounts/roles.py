"""Roles and what each may do. A grant gives one role over one area's subtree."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.lib.capabilities import Capability


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    CITY_ADMIN = "city_admin", _("City administrator")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    AUDITOR = "auditor", _("Auditor")
    SYSADMIN = "sysadmin", _("System administrator")
    # The account periodic jobs act as (escalation, reminders): named as such in the audit trail, with
    # grants of its own, never signed in to.
    SYSTEM = "system", _("System (scheduled jobs)")


class Programme(models.TextChoices):
    """The programmes a programme officer runs (MISSION.md pillar 3)."""

    EMPLOYMENT = "employment", _("Employment")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health and fitness")
    ELDERCARE = "eldercare", _("Elderly care")
    CHILDREN = "children", _("Children and women")
    ASSISTANCE = "assistance", _("Social assistance")
    SOCIAL_AFFAIRS = "social_affairs", _("Social affairs and culture")


_STAFF_READ = {Capability.AREA_READ}
# Casework (一网通办): grid workers and community staff handle their area's cases; deciding them (approve,
# reject) is community staff's and the officers' above.
_CASES = {Capability.CASE_READ, Capability.CASE_HANDLE}
_CASES_DECIDE = _CASES | {Capability.CASE_DECIDE}
_POOL = {Capability.REGISTRY_READ, Capability.REGISTRY_EDIT}
# Programmes: grid workers visit; community staff and the officers above enrol and run them. A programme
# officer reads no resident pool, only the people of the programme their grant names
# (``programmes.common.access``).
_PROGRAMMES = {Capability.PROGRAMME_READ, Capability.PROGRAMME_MANAGE}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.GRID_WORKER: frozenset(_STAFF_READ | _POOL | _CASES | {Capability.PROGRAMME_READ}),
    Role.COMMUNITY_STAFF: frozenset(
        _STAFF_READ | _POOL | _CASES_DECIDE | _PROGRAMMES | {Capability.GRID_MANAGE, Capability.PERSONAL_REVEAL}
    ),
    Role.STREET_OFFICER: frozenset(
        _STAFF_READ | _POOL | _CASES_DECIDE | _PROGRAMMES | {Capability.GRID_MANAGE, Capability.PERSONAL_REVEAL}
    ),
    Role.DISTRICT_OFFICER: frozenset(
        _STAFF_READ | _POOL | _CASES_DECIDE | _PROGRAMMES | {Capability.GRID_MANAGE, Capability.PERSONAL_REVEAL}
    ),
    Role.PROGRAMME_OFFICER: frozenset(_STAFF_READ | _PROGRAMMES),
    Role.CITY_ADMIN: frozenset(
        _STAFF_READ
        | _POOL
        | {
            Capability.GRID_MANAGE,
            Capability.PERSONAL_REVEAL,
            Capability.REFERENCE_EDIT,
            Capability.CASE_READ,
            Capability.API_KEYS_MANAGE,
        }
    ),
    Role.SERVICE_PROVIDER: frozenset(),
    # The auditor reads the trail and nothing else; the system administrator manages accounts and
    # reads no personal data (MISSION.md, "Who uses it").
    Role.AUDITOR: frozenset({Capability.AUDIT_READ}),
    Role.SYSADMIN: frozenset({Capability.ACCOUNTS_MANAGE}),
    Role.SYSTEM: frozenset({Capability.CASE_READ, Capability.CASE_ESCALATE}),
}

# Roles a grant may carry at each area level (1 province … 6 grid). A grid worker works in a grid,
# community staff in a community, and so on; city-wide roles sit at the top of a loaded tree.
ALLOWED_LEVELS: dict[str, frozenset[int]] = {
    Role.RESIDENT: frozenset({5, 6}),
    Role.GRID_WORKER: frozenset({6}),
    Role.COMMUNITY_STAFF: frozenset({5}),
    Role.STREET_OFFICER: frozenset({4}),
    Role.DISTRICT_OFFICER: frozenset({3}),
    Role.PROGRAMME_OFFICER: frozenset({1, 2, 3, 4}),
    Role.CITY_ADMIN: frozenset({1, 2}),
    Role.SERVICE_PROVIDER: frozenset({1, 2, 3, 4, 5}),
    Role.AUDITOR: frozenset({1, 2, 3}),
    Role.SYSADMIN: frozenset({1, 2}),
    Role.SYSTEM: frozenset({1, 2}),
}

# Capabilities that open personal data: the pools, the reveal, the audit trail (which names who looked at
# whom) and account management itself (whoever holds it approves the others' grants: a system
# administrator made at once could approve the grant that a colleague requested for him).
PERSONAL_DATA_CAPABILITIES: frozenset[str] = frozenset(
    {
        Capability.REGISTRY_READ,
        Capability.REGISTRY_EDIT,
        Capability.CASE_READ,
        Capability.PROGRAMME_READ,
        Capability.PERSONAL_REVEAL,
        Capability.AUDIT_READ,
        Capability.ACCOUNTS_MANAGE,
    }
)

# Roles whose grant is a request until a second system administrator approves it (four eyes), read from
# CAPABILITIES so that a capability added to a role later is covered without a second list to update.
NEEDS_SECOND_APPROVAL: frozenset[str] = frozenset(
    role for role, capabilities in CAPABILITIES.items() if capabilities & PERSONAL_DATA_CAPABILITIES
)
