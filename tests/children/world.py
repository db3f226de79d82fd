"""The children's rows of the shared test world (``extend(world)``, once per session), made through the
real services where there is one.

- A minor-protection station in ``world.street`` (so 1 of the district's streets is covered), a
  children's home in community A, a women's home in community B, an inclusive childcare facility of
  20 places in community A.
- Children (born 2015, under 18) in ``child_care``, enrolled by the children's officer:
  小明 (left-behind, grid A1, carer: the grid worker, visited this month),
  小军 (orphan, grid A1, carer: the grid worker, visited this month),
  小红 (left-behind, grid A2, carer: community A's staff, enrolled 40 days ago, not visited),
  小刚 (in difficulty, community B, carer: community B's staff, not visited);
  小芳 (left-behind, community B) holds the tag and is not enrolled.
The matrix's targets pick the first enrolment by key in an area: 小明 is made first.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.programmes.common import services as core
from shequ.reference.models import FacilityType, TagType
from shequ.residents.models import Address, Household, Person, PersonTag, Relation, ResidenceType, Sex
from shequ.resources.models import Facility
from tests import factories

# name -> (tag, where, carer persona or None, enrolled days ago, visited this month)
CHILDREN = {
    "小明": ("left_behind_child", "grid_a1", "grid_worker", 0, True),
    "小军": ("orphan", "grid_a1", "grid_worker", 0, True),
    "小红": ("left_behind_child", "grid_a2", "community_staff", 40, False),
    "小刚": ("child_in_difficulty", "community_b", "community_staff_b", 0, False),
    "小芳": ("left_behind_child", "community_b", None, None, False),
}
PLACES = 20


def child(*, name: str, area: Area, order: int, tag: str, birth: str = "20150301") -> Person:
    """A child living in ``area``, registered as the head of a household of their own (as a roster makes
    everyone a household's member), holding ``tag`` since birth."""
    address = Address.objects.create(area=area, street_address="儿童路1号", building="2", unit="1", room=str(order))
    community = area if area.level == Level.COMMUNITY else area.parent
    household = Household.objects.create(area=community, address=address, number=f"CH-{order}")
    person = Person.objects.create(
        area=area,
        name=name,
        id_number=factories.id_number(order, birth=birth),
        sex=Sex.MALE if order % 2 else Sex.FEMALE,
        birth_date=datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )
    PersonTag.objects.create(
        person=person, tag=TagType.objects.get(code=tag), source="民政局", valid_from=birth[:4] + "-03-01"
    )
    return person


def _facility(area: Area, type_code: str, name: str, capacity: int | None = None) -> Facility:
    return Facility.objects.create(
        area=area,
        type=FacilityType.objects.get(code=type_code),
        name=name,
        lon=123.43,
        lat=41.79,
        capacity=capacity,
    )


def extend(world) -> None:  # noqa: ANN001  (tests.conftest.World)
    _facility(world.street, "minor_protection_station", "未成年人保护工作站")
    _facility(world.community_a, "children_home", "儿童之家")
    _facility(world.community_b, "women_home", "妇女之家")
    _facility(world.community_a, "inclusive_childcare", "普惠托育园", capacity=PLACES)
    officer = User.objects.get(pk=world.personas["children_officer"])
    today = timezone.localdate()
    for order, (name, (tag, where, carer, days_ago, visited)) in enumerate(CHILDREN.items(), start=701):
        person = child(name=name, area=getattr(world, where), order=order, tag=tag)
        if days_ago is None:
            continue
        enrolment = core.enrol(
            actor=officer,
            programme_code="child_care",
            person_id=person.pk,
            on=today - datetime.timedelta(days=days_ago),
            carer_id=world.personas[carer],
        )
        if visited:
            carer_user = User.objects.get(pk=world.personas[carer])
            visit = enrolment.visits.get(done_at__isnull=True)
            core.visit_record(actor=carer_user, visit_id=visit.pk, outcome="met", note="孩子状况良好")
