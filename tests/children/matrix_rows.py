"""The children's rows of the authorization matrix (merged by tests/test_authorization_matrix.py).

Care records (a child's record, its assessments, the visit page, the list of children lacking a visit)
are a restricted programme's: the child's carer (the grid worker of grid A1 cares for 小明, the first
child there, ``tests/children/world.py``), the children's programme officer and the street officer.
The eldercare programme officer is excluded though their role is allowed; community staff who are not
the carer and the district officer are refused by role. Figures and targets hold nothing personal:
every staff role reading an area reads them."""

from __future__ import annotations

from shequ.accounts.roles import Role
from tests.test_authorization_matrix import AREA_READERS, PAGE, Spec, Target, json_post

CARE = frozenset({Role.GRID_WORKER, Role.STREET_OFFICER, Role.PROGRAMME_OFFICER})
CARE_OFFICERS = frozenset({Role.STREET_OFFICER, Role.PROGRAMME_OFFICER})
PROGRAMME_READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER}
)
ELDERCARE = frozenset({"programme_officer"})
BASE = "/api/programmes/children"


def _enrolment(world, key, where, outside_own):  # noqa: ANN001
    from shequ.programmes.common.models import Enrolment

    rows = Enrolment.objects.filter(programme__code="child_care", area__path__startswith=where.path)
    for enrolment in rows.select_related("area").order_by("pk"):
        if outside_own(enrolment.area.path):
            return Target(obj=enrolment)
    return None


def _visit(world, key, where, outside_own):  # noqa: ANN001
    from shequ.programmes.common.models import Visit

    rows = Visit.objects.filter(
        enrolment__programme__code="child_care", enrolment__area__path__startswith=where.path, done_at__isnull=True
    )
    for visit in rows.select_related("enrolment__area").order_by("enrolment_id", "pk"):
        if outside_own(visit.enrolment.area.path):
            return Target(obj=visit)
    return None


TARGETS = {"child_enrolment": _enrolment, "child_visit": _visit}

ASSESSMENT = {"risk_level": "medium", "needs": ["schooling"], "notes": "需要课后辅导"}

API_SPECS: dict[str, Spec] = {
    "children_figures": Spec(lambda c, t: c.get(f"{BASE}/figures"), AREA_READERS),
    "children_lacking_visits": Spec(
        lambda c, t: c.get(f"{BASE}/lacking-visits?area={t.area.code}"),
        CARE_OFFICERS,
        target="area",
        excluded=ELDERCARE,
    ),
    "children_care_record": Spec(
        lambda c, t: c.get(f"{BASE}/children/{t.obj.pk}"), CARE, target="child_enrolment", excluded=ELDERCARE
    ),
    "children_assessment_create": Spec(
        lambda c, t: json_post(c, f"{BASE}/children/{t.obj.pk}/assessments", ASSESSMENT),
        CARE,
        ok=201,
        target="child_enrolment",
        excluded=ELDERCARE,
    ),
    "children_targets": Spec(lambda c, t: c.get(f"{BASE}/targets"), AREA_READERS),
    "children_target_update": Spec(
        lambda c, t: c.patch(
            f"{BASE}/targets/childcare_places_per_1000",
            {"value": "4.5", "year": 2025, "source": "十四五公共服务规划", "grade": "C"},
            content_type="application/json",
        ),
        frozenset({Role.CITY_ADMIN}),
    ),
}

PAGE_SPECS: dict[str, Spec] = {
    "children:index": Spec(lambda c, t: c.get("/programmes/children/"), AREA_READERS, **PAGE),
    "children:lacking": Spec(
        lambda c, t: c.get(f"/programmes/children/lacking-visits/?area={t.area.code}"),
        CARE_OFFICERS,
        target="area",
        excluded=ELDERCARE,
        **PAGE,
    ),
    "children:child": Spec(
        lambda c, t: c.get(f"/programmes/children/children/{t.obj.pk}/"),
        CARE,
        target="child_enrolment",
        excluded=ELDERCARE,
        **PAGE,
    ),
    "children:assess": Spec(
        lambda c, t: c.post(f"/programmes/children/children/{t.obj.pk}/assess/", ASSESSMENT),
        CARE,
        ok=302,
        target="child_enrolment",
        excluded=ELDERCARE,
        **PAGE,
    ),
    "children:visits": Spec(lambda c, t: c.get("/programmes/children/visits/"), PROGRAMME_READERS, **PAGE),
    "children:visit": Spec(
        lambda c, t: c.get(f"/programmes/children/visits/{t.obj.pk}/"),
        CARE,
        target="child_visit",
        excluded=ELDERCARE,
        **PAGE,
    ),
    "children:targets": Spec(lambda c, t: c.get("/programmes/children/targets/"), AREA_READERS, **PAGE),
}
