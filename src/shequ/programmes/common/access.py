"""Who reaches a programme's people: the one rule every programme selector and service scopes by.

A grant carrying the capability reaches the programme's enrolments in its area's subtree, except that
a programme officer's grant reaches only the programmes of the domain it names, and a restricted
programme (children in difficulty) is reached only by its domain's officers and the street's officers,
and by each person's named carer. A service provider reaches none of this: only the orders sent to it
(``homecare``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shequ.accounts.access import grants_holding
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import paths_filter

from .models import Enrolment, Programme

# The roles that reach a restricted programme's care records (besides the person's carer).
RESTRICTED_ROLES = frozenset({Role.PROGRAMME_OFFICER, Role.STREET_OFFICER})


def _roots(paths: set[str]) -> list[str]:
    roots: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def programme_paths(actor: User, programme: Programme, capability: str = Capability.PROGRAMME_READ) -> list[str]:
    """The area paths where ``actor`` reaches the programme's people with ``capability``."""
    if not getattr(actor, "is_authenticated", False):
        return []
    paths: set[str] = set()
    for grant in grants_holding(actor, capability):
        if grant.role == Role.PROGRAMME_OFFICER and grant.programme != programme.domain:
            continue
        if programme.restricted and grant.role not in RESTRICTED_ROLES:
            continue
        paths.add(grant.area.path)
    return _roots(paths)


def reaches(actor: User, programme: Programme, area_path: str, capability: str = Capability.PROGRAMME_READ) -> bool:
    return any(area_path.startswith(root) for root in programme_paths(actor, programme, capability))


def visible_programmes(actor: User, capability: str = Capability.PROGRAMME_READ) -> list[Programme]:
    """The active programmes the actor reaches anywhere (or, for a restricted one, as someone's carer)."""
    found = []
    for programme in Programme.objects.filter(is_active=True):
        if programme_paths(actor, programme, capability):
            found.append(programme)
        elif capability == Capability.PROGRAMME_READ and programme.restricted and _cares_in(actor, programme):
            found.append(programme)
    return found


def _cares_in(actor: User, programme: Programme) -> bool:
    return Enrolment.objects.filter(programme=programme, carer=actor).exclude(state="ended").exists()


def enrolments_visible(actor: User, capability: str = Capability.PROGRAMME_READ) -> QuerySet[Enrolment]:
    """Every enrolment the actor reaches: per programme, its paths; and the people they are carer of."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Enrolment.objects.none()
    q = Q(pk__in=[])
    for programme in Programme.objects.all():
        paths = programme_paths(actor, programme, capability)
        if paths:
            q |= Q(programme=programme) & paths_filter("area__path", paths)
    if capability == Capability.PROGRAMME_READ:
        # The carer reads the records of the people they care for (managing them is the officers').
        q |= Q(carer=actor)
    return Enrolment.objects.filter(q)


def provider_entity_id(actor: User) -> int | None:
    """The legal entity whose staff the actor is (a service provider's account), or None."""
    from .models import ProviderAccount

    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    return ProviderAccount.objects.filter(user=actor).values_list("entity_id", flat=True).first()
