"""Who reaches what of home care. Staff reach orders through the elder's enrolment (the programme core's
rule: area, and a programme officer's domain); a provider's staff reach only the orders offered or sent
to their own legal entity; a resident reaches the orders and calls of the people registered with their
phone and of those people's households (the elder's family)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from shequ.accounts.models import User
from shequ.accounts.roles import Programme as Domain
from shequ.accounts.roles import Role
from shequ.casework.selectors import resident_persons
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import has_capability
from shequ.programmes.common import access as core
from shequ.programmes.common.models import Programme
from shequ.residents.models import Person, PersonStatus

from .models import HomeCareOrder, Provider

PROGRAMME_CODE = "homecare"


def programme() -> Programme:
    found = Programme.objects.filter(code=PROGRAMME_CODE, is_active=True).first()
    if found is None:
        raise Http404
    return found


def provider_of(actor: User) -> Provider | None:
    """The provider whose staff the actor is (their account linked to its legal entity), or None."""
    entity_id = core.provider_entity_id(actor)
    if entity_id is None:
        return None
    return Provider.objects.filter(entity_id=entity_id, is_active=True).first()


def staff_orders(actor: User, capability: str = Capability.PROGRAMME_READ) -> QuerySet[HomeCareOrder]:
    """The orders of the enrolments the actor reaches in the home-care programme."""
    enrolments = core.enrolments_visible(actor, capability).filter(programme__code=PROGRAMME_CODE)
    return HomeCareOrder.objects.filter(enrolment__in=enrolments)


def provider_orders(actor: User) -> QuerySet[HomeCareOrder]:
    """The orders offered to the actor's provider or accepted by it: nothing else, ever."""
    provider = provider_of(actor)
    if provider is None:
        return HomeCareOrder.objects.none()
    return HomeCareOrder.objects.filter(Q(offers__provider=provider) | Q(provider=provider)).distinct()


def family_persons(actor: User) -> QuerySet[Person]:
    """The people registered with the resident's phone and the members of their households."""
    own = resident_persons(actor)
    households = own.exclude(household__isnull=True).values("household_id")
    return Person.objects.filter(
        Q(pk__in=own.values("pk")) | Q(household_id__in=households), status=PersonStatus.ACTIVE
    )


def family_orders(actor: User) -> QuerySet[HomeCareOrder]:
    return HomeCareOrder.objects.filter(enrolment__person__in=family_persons(actor))


def orders_visible(actor: User) -> QuerySet[HomeCareOrder]:
    """Every order the actor reaches, as staff, as a provider or as family."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return HomeCareOrder.objects.none()
    return HomeCareOrder.objects.filter(
        Q(pk__in=staff_orders(actor).values("pk"))
        | Q(pk__in=provider_orders(actor).values("pk"))
        | Q(pk__in=family_orders(actor).values("pk"))
    )


def is_staff(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(core.programme_paths(actor, programme()))


def may_manage(actor: User, order: HomeCareOrder) -> bool:
    return core.reaches(actor, programme(), order.enrolment.area.path, Capability.PROGRAMME_MANAGE)


def may_register_providers(actor: User) -> bool:
    """The city's administrators (reference data) and the elderly-care programme officers."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if has_capability(actor, Capability.REFERENCE_EDIT):
        return True
    return actor.grants.filter(role=Role.PROGRAMME_OFFICER, programme=Domain.ELDERCARE).exists()


def may_link_accounts(actor: User) -> bool:
    """A city administrator or a system administrator links provider staff accounts."""
    return has_capability(actor, Capability.REFERENCE_EDIT) or has_capability(actor, Capability.ACCOUNTS_MANAGE)


def is_resident(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.grants.filter(role=Role.RESIDENT).exists()
