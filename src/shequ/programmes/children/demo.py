"""The children's demo, made through the real services by the demo accounts: minor-protection stations in
two of the demo district's streets, children's and women's homes, an inclusive childcare facility, and
children of demo-street's first two communities tagged (left-behind, in difficulty, orphan), enrolled in
``child_care`` with a carer (儿童主任: the grid worker for those of their grid, else the community's
staff), some visited this month and some not, one with an assessment. Needs ``load_demo``, its residents
and ``load_programmes`` first; idempotent (nothing is added once ``child_care`` has enrolled anyone)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.programmes.common import services as core
from shequ.programmes.common.models import Enrolment, Programme
from shequ.programmes.common.seeding import load_programmes
from shequ.residents.models import Person, PersonStatus
from shequ.residents.services import tag_add
from shequ.resources.models import Facility
from shequ.resources.services import facility_create

from . import services
from .models import CHILDCARE, CHILDREN_HOME, PROGRAMME, STATION, WOMEN_HOME

# Per community (demo-street's first two), the tags given to its youngest residents, in order; a child
# whose flag is True is visited this month.
GROUPS = [
    ("left_behind_child", True),
    ("left_behind_child", False),
    ("child_in_difficulty", True),
    ("orphan", False),
    ("left_behind_child", False),
]
TAG_SOURCE = "区民政局（演示数据）"


def _point(area: Area, step: int) -> tuple[float, float]:
    """A point inside the area's district (facilities must lie there), a little apart for each facility."""
    from shapely.geometry import shape

    district = area
    while district.level > Level.DISTRICT and district.parent is not None:
        district = district.parent
    if not district.boundary:
        return 123.43 + step / 1000, 41.80
    centre = shape(district.boundary).representative_point()
    return round(centre.x + step / 2000, 6), round(centre.y, 6)


@transaction.atomic  # all or nothing: a half-made demo would be skipped by the next run
def load_demo_children(*, children_per_community: int = 5, seed: int = 2026) -> dict[str, int]:
    """Children's demo rows around demo-street; returns what was made (all zero when already loaded)."""
    del seed  # the residents are the demo's own (seeded there); nothing here is random
    made = {"facilities": 0, "enrolled": 0, "visited": 0}
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    if "demo-street" not in users or "demo-children" not in users:
        return made
    load_programmes()
    programme = Programme.objects.filter(code=PROGRAMME).first()
    if programme is None or Enrolment.objects.filter(programme=programme).exists():
        return made
    admin, officer = users["demo-city"], users["demo-children"]
    street = users["demo-street"].grants.get(role="street_officer").area
    district = street.parent
    assert district is not None
    communities = list(street.children.filter(level=Level.COMMUNITY).order_by("code")[:2])
    other_street = district.children.filter(level=Level.STREET).exclude(pk=street.pk).order_by("code").first()

    def facility(area: Area, type_code: str, name: str, capacity: int | None = None) -> None:
        if Facility.objects.filter(area=area, type__code=type_code, is_active=True).exists():
            return
        lon, lat = _point(area, made["facilities"])
        facility_create(
            actor=admin, area_code=area.code, type_code=type_code, name=name, lon=lon, lat=lat, capacity=capacity
        )
        made["facilities"] += 1

    for each in [street, other_street]:
        if each is not None:
            facility(each, STATION, f"{each.name}未成年人保护工作站")
    for n, community in enumerate(communities):
        short = community.name.removesuffix("社区委员会").removesuffix("居委会")
        if n == 0:
            facility(community, CHILDREN_HOME, f"{short}儿童之家")
            facility(community, CHILDCARE, f"{short}普惠托育园", capacity=30)
        facility(community, WOMEN_HOME, f"{short}妇女之家")

    today = timezone.localdate()
    staff_of = {
        c.pk: User.objects.filter(grants__role="community_staff", grants__area=c, is_active=True).first()
        for c in communities
    }
    for community in communities:
        young = Person.objects.filter(
            status=PersonStatus.ACTIVE,
            area__path__startswith=community.path,
            birth_date__gt=today.replace(year=today.year - 17),
        ).select_related("area")
        for person, (tag, visited) in zip(
            young.order_by("birth_date", "pk")[:children_per_community], GROUPS, strict=False
        ):
            tag_add(actor=admin, person_id=person.pk, tag_code=tag, source=TAG_SOURCE, valid_from=person.birth_date)
            carer = _carer(person, staff_of[community.pk])
            if carer is None:
                continue
            enrolment = core.enrol(
                actor=officer,
                programme_code=PROGRAMME,
                person_id=person.pk,
                on=today - datetime.timedelta(days=45),
                carer_id=carer.pk,
            )
            made["enrolled"] += 1
            if made["enrolled"] == 1:
                services.assessment_record(
                    actor=carer,
                    enrolment_id=enrolment.pk,
                    risk_level="medium",
                    needs=["guardianship", "psychological"],
                    notes="父母在外务工，由祖母照看；孩子性格内向，需每月探访。",
                )
            if visited:
                visit = enrolment.visits.get(done_at__isnull=True)
                core.visit_record(actor=carer, visit_id=visit.pk, outcome="met", note="孩子在家，学习生活正常。")
                made["visited"] += 1
    return made


def _carer(person: Person, community_staff: User | None) -> User | None:
    """The grid's worker for a child of a grid that has one, else the community's staff."""
    if person.area.level == Level.GRID:
        worker = User.objects.filter(grants__role="grid_worker", grants__area=person.area, is_active=True).first()
        if worker is not None:
            return worker
    return community_staff
