"""The capabilities every layer names when it scopes a read or checks a write.

Which role holds which capability is the accounts app's business (``accounts.roles.CAPABILITIES``);
the names live here, at the bottom, so that an app below accounts can ask for one without importing it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(models.TextChoices):
    AREA_READ = "area.read", _("Read the area's data")
    GRID_MANAGE = "grid.manage", _("Create and edit grids")
    PERSONAL_REVEAL = "personal.reveal", _("Reveal masked personal data, with a reason")
    AUDIT_READ = "audit.read", _("Read the audit trail")
    ACCOUNTS_MANAGE = "accounts.manage", _("Manage accounts and grants")
    REGISTRY_READ = "registry.read", _("Read the resident pool")
    REGISTRY_EDIT = "registry.edit", _("Register, import and edit residents and resources")
    REFERENCE_EDIT = "reference.edit", _("Edit reference data (catalogues, types, thresholds)")
    CASE_READ = "case.read", _("Read the area's cases")
    CASE_HANDLE = "case.handle", _("Take, accept and process cases, and file them for residents")
    CASE_DECIDE = "case.decide", _("Approve and reject cases")
    CASE_ESCALATE = "case.escalate", _("Warn about and escalate cases near or past their deadline")
    API_KEYS_MANAGE = "api_keys.manage", _("Issue and revoke API keys for outside systems")
    # Programmes: which programme's people a grant reaches is the programmes' own rule (a programme
    # officer's grant names one; restricted programmes narrow it further): ``programmes.common.access``.
    PROGRAMME_READ = "programme.read", _("Read the programmes' enrolments, visits and care records")
    PROGRAMME_MANAGE = "programme.manage", _("Enrol people in programmes and run them")
