"""Home care's rows in the shared test world: two providers (A serves community A, B community B, both
every service), the personas "service_provider" and "service_provider_b" as their staff, and an elder of
grid A1 enrolled in home care. Orders are made where a test needs one (the matrix's targets make one per
cell): an order is a case, and a case in the shared world would change every casework count."""

from __future__ import annotations

from shequ.accounts.models import User
from shequ.entities.models import LegalEntity
from shequ.programmes.common.models import ProviderAccount
from shequ.programmes.common.services import enrol
from shequ.programmes.homecare.models import ServiceType
from shequ.residents.models import Address, Household, Person, Relation, ResidenceType, Sex
from tests import factories

ENTITY_NAMES = ("居家养老服务中心甲", "居家养老服务中心乙")
ELDER_NAME = "居家老人"


def elder(area, community, *, birth: str = "1940-05-01", phone: str = "13611110801", room: str = "801") -> Person:
    """An elder living at 和平路8号 in ``area`` (a grid of ``community``), head of their own household."""
    address = Address.objects.create(area=area, street_address="和平路8号", building="8", unit="1", room=room)
    household = Household.objects.create(area=community, address=address, number=f"HC-{room}-{phone[-4:]}")
    return Person.objects.create(
        area=area,
        name=ELDER_NAME,
        id_number=factories.id_number(int(room) % 1000, birth=birth.replace("-", "")),
        phone=phone,
        sex=Sex.FEMALE,
        birth_date=birth,
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )


def providers(world) -> tuple:
    from shequ.programmes.homecare.models import Provider

    made = []
    for n, (name, area) in enumerate(zip(ENTITY_NAMES, (world.community_a, world.community_b), strict=True)):
        entity = LegalEntity.objects.create(
            area=world.district,
            name=name,
            uscc=factories.uscc(f"91210102MA0QHC{'AB'[n]}0{n + 1}"),
            kind=LegalEntity.Kind.SOCIAL_ORGANISATION,
        )
        provider = Provider.objects.create(entity=entity)
        provider.areas.set([area])
        provider.service_types.set(ServiceType.objects.all())
        made.append(provider)
    return tuple(made)


def extend(world) -> None:
    provider_a, provider_b = providers(world)
    for key, provider in (("service_provider", provider_a), ("service_provider_b", provider_b)):
        ProviderAccount.objects.create(user_id=world.personas[key], entity=provider.entity)
    staff = User.objects.get(pk=world.personas["community_staff"])
    person = elder(world.grid_a1, world.community_a)
    enrol(actor=staff, programme_code="homecare", person_id=person.pk)
