from django.http import HttpRequest

from shequ.accounts.access import roles_of
from shequ.accounts.roles import Role
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import has_capability
from shequ.programmes.common.access import provider_entity_id


def navigation(request: HttpRequest) -> dict[str, dict[str, bool]]:
    """What the menu offers: only what the signed-in person may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "areas": has_capability(user, Capability.AREA_READ),
            "residents": has_capability(user, Capability.REGISTRY_READ),
            "imports": has_capability(user, Capability.REGISTRY_EDIT),
            "audit": has_capability(user, Capability.AUDIT_READ),
            "reference": has_capability(user, Capability.REFERENCE_EDIT),
            "accounts": has_capability(user, Capability.ACCOUNTS_MANAGE),
            "cases": has_capability(user, Capability.CASE_READ),
            "programmes": has_capability(user, Capability.PROGRAMME_READ),
            "provider": provider_entity_id(user) is not None,
            "api_keys": has_capability(user, Capability.API_KEYS_MANAGE),
            "portal": Role.RESIDENT in roles_of(user),
        }
    }
