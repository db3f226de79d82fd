"""The authorization matrix's rows for the programme core's pages and API (merged by
tests/test_authorization_matrix.py). Rows about the eldercare test programme refuse the children's
programme officer (``excluded``): access follows the programme."""

from __future__ import annotations

from shequ.accounts.roles import Role
from shequ.programmes.common.models import Enrolment, Visit
from shequ.residents.models import Address, Person
from tests.factories import id_number
from tests.programmes.world import ELDERCARE
from tests.test_authorization_matrix import AUTHENTICATED, PAGE, POOL, Spec, Target, json_post, unique

READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER}
)
MANAGERS = READERS - {Role.GRID_WORKER}
OTHER_PROGRAMME = frozenset({"children_officer"})


def _enrolment(world, key, where, outside_own):
    rows = Enrolment.objects.filter(programme__code=ELDERCARE, area__path__startswith=where.path).select_related("area")
    for enrolment in rows.order_by("pk"):
        if outside_own(enrolment.area.path):
            return Target(obj=enrolment)
    return None


def _visit(world, key, where, outside_own):
    found = _enrolment(world, key, where, outside_own)
    if found is None:
        return None
    visit = Visit.objects.filter(enrolment=found.obj, done_at__isnull=True).first()
    return Target(obj=visit) if visit is not None else None


TARGETS = {"enrolment": _enrolment, "visit": _visit}


def _newcomer(area) -> Person:
    """A person who just moved into ``area`` (inside the test's transaction): eligible, not enrolled."""
    n = int(unique("")) % 900 + 100
    address = Address.objects.create(area=area, street_address="民主路8号", room=str(n))
    return Person.objects.create(
        area=area,
        name="新居民",
        id_number=id_number(n, birth="19400101", region="210103"),
        sex="M",
        birth_date="1940-01-01",
        residence_type="registered",
        address=address,
    )


API_SPECS = {
    "programmes_list": Spec(lambda c, t: c.get("/api/programmes"), READERS),
    "enrolments_list": Spec(
        lambda c, t: c.get(f"/api/programmes/enrolments?programme={ELDERCARE}"), READERS, excluded=OTHER_PROGRAMME
    ),
    "enrolment_create": Spec(
        lambda c, t: json_post(
            c, "/api/programmes/enrolments", {"programme": ELDERCARE, "person_id": _newcomer(t.area).pk}
        ),
        MANAGERS,
        ok=201,
        target="community",
        excluded=OTHER_PROGRAMME,
    ),
    "enrolment_get": Spec(
        lambda c, t: c.get(f"/api/programmes/enrolments/{t.obj.pk}"),
        READERS,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
    ),
    "enrolment_change": Spec(
        lambda c, t: json_post(
            c, f"/api/programmes/enrolments/{t.obj.pk}/change", {"action": "suspend", "reason": "住院"}
        ),
        MANAGERS,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
    ),
    # A person's entitlements: whoever reads them in the pool, and the officers whose programme has them.
    "person_entitlements": Spec(
        lambda c, t: c.get(f"/api/programmes/people/{t.obj.pk}/entitlements"),
        POOL | {Role.PROGRAMME_OFFICER},
        target="person",
    ),
    "visits_mine": Spec(lambda c, t: c.get("/api/programmes/visits/mine"), AUTHENTICATED),
    # Only the worker a visit is assigned to records it; the others who reach the person are told so (422).
    "visit_record": Spec(
        lambda c, t: json_post(c, f"/api/programmes/visits/{t.obj.pk}/record", {"outcome": "met"}),
        frozenset({Role.GRID_WORKER}),
        target="visit",
        denied=(404, 422),
    ),
}

PAGE_SPECS = {
    "programmes:index": Spec(lambda c, t: c.get("/programmes/"), READERS, **PAGE),
    "programmes:programme": Spec(
        lambda c, t: c.get(f"/programmes/p/{ELDERCARE}/"), READERS, excluded=OTHER_PROGRAMME, **PAGE
    ),
    "programmes:candidates": Spec(
        lambda c, t: c.get(f"/programmes/p/{ELDERCARE}/candidates/"), MANAGERS, excluded=OTHER_PROGRAMME, **PAGE
    ),
    "programmes:enrol": Spec(
        lambda c, t: c.post(f"/programmes/p/{ELDERCARE}/enrol/", {"person": _newcomer(t.area).pk}),
        MANAGERS,
        ok=302,
        target="community",
        excluded=OTHER_PROGRAMME,
        **PAGE,
    ),
    "programmes:figures": Spec(
        lambda c, t: c.get(f"/programmes/p/{ELDERCARE}/figures/"), READERS, excluded=OTHER_PROGRAMME, **PAGE
    ),
    "programmes:enrolment": Spec(
        lambda c, t: c.get(f"/programmes/enrolments/{t.obj.pk}/"),
        READERS,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
        **PAGE,
    ),
    "programmes:change": Spec(
        lambda c, t: c.post(f"/programmes/enrolments/{t.obj.pk}/change/", {"action": "suspend", "reason": "住院"}),
        MANAGERS,
        ok=302,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
        **PAGE,
    ),
    "programmes:review": Spec(
        lambda c, t: c.post(f"/programmes/enrolments/{t.obj.pk}/review/", {"keep": "1"}),
        MANAGERS,
        ok=302,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
        **PAGE,
    ),
    "programmes:carer": Spec(
        lambda c, t: c.post(f"/programmes/enrolments/{t.obj.pk}/carer/", {"carer": c.world.personas["grid_worker"]}),
        MANAGERS,
        ok=302,
        target="enrolment",
        excluded=OTHER_PROGRAMME,
        **PAGE,
    ),
    "programmes:person": Spec(
        lambda c, t: c.get(f"/programmes/people/{t.obj.pk}/"), POOL | {Role.PROGRAMME_OFFICER}, target="person", **PAGE
    ),
}
