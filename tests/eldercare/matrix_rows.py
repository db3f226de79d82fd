"""The authorization matrix's rows for the eldercare pages and the programme rules' pages (merged by
tests/test_authorization_matrix.py). Eldercare rows refuse the children's programme officer: access follows
the programme."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.accounts.roles import Role
from shequ.programmes.common.models import EligibilityRule, Visit
from shequ.programmes.eldercare.models import FamilyBed, RetrofitPhoto, RetrofitProject
from shequ.residents.models import Person
from tests.eldercare.support import PNG
from tests.eldercare.world import fixtures
from tests.test_authorization_matrix import PAGE, Spec, Target

READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER}
)
MANAGERS = READERS - {Role.GRID_WORKER}
ADMIN = frozenset({Role.CITY_ADMIN})
OTHER_PROGRAMME = frozenset({"children_officer"})
EXCL = {"excluded": OTHER_PROGRAMME}


def _first(rows, area_of, outside_own):
    """The first row outside the persona's own area (any row for "own")."""
    for row in rows:
        if outside_own(area_of(row).path):
            return Target(obj=row)
    return None


def _visit(world, key, where, outside_own):
    rows = Visit.objects.filter(
        enrolment__programme__code="care_visits", enrolment__area__path__startswith=where.path, done_at__isnull=True
    ).select_related("enrolment__area")
    return _first(rows.order_by("pk"), lambda v: v.enrolment.area, outside_own)


def _retrofit(world, key, where, outside_own):
    rows = RetrofitProject.objects.filter(area__path__startswith=where.path, stage="assessment").select_related("area")
    return _first(rows.order_by("pk"), lambda p: p.area, outside_own)


def _photo(world, key, where, outside_own):
    rows = RetrofitPhoto.objects.filter(project__area__path__startswith=where.path).select_related("project__area")
    return _first(rows.order_by("pk"), lambda p: p.project.area, outside_own)


def _bed(world, key, where, outside_own):
    rows = FamilyBed.objects.filter(enrolment__area__path__startswith=where.path).select_related("enrolment__area")
    return _first(rows.order_by("pk"), lambda b: b.enrolment.area, outside_own)


def _candidate(world, key, where, outside_own):
    rows = Person.objects.filter(name="养老候选", area__path__startswith=where.path).select_related("area")
    return _first(rows.order_by("pk"), lambda p: p.area, outside_own)


def _made_first(find):
    """``find`` after the eldercare rows exist in the running test (``world.fixtures``)."""

    def target(world, key, where, outside_own):
        fixtures(world)
        return find(world, key, where, outside_own)

    return target


TARGETS = {
    "eldercare_visit": _made_first(_visit),
    "eldercare_retrofit": _made_first(_retrofit),
    "eldercare_photo": _made_first(_photo),
    "eldercare_bed": _made_first(_bed),
    "eldercare_candidate": _made_first(_candidate),
}


def _rule_id() -> int:
    return EligibilityRule.objects.filter(programme__code="care_visits", valid_to__isnull=True).order_by("pk")[0].pk


E = "/programmes/eldercare"
R = "/programmes/rules"
A = "/api/programmes/eldercare"
API_SPECS: dict[str, Spec] = {
    "eldercare_visits_summary": Spec(lambda c, t: c.get(f"{A}/visits/summary"), READERS, **EXCL),
    "eldercare_visits_overdue": Spec(lambda c, t: c.get(f"{A}/visits/overdue"), MANAGERS, **EXCL),
    "eldercare_retrofits_list": Spec(lambda c, t: c.get(f"{A}/retrofits"), READERS, **EXCL),
    "eldercare_figures": Spec(lambda c, t: c.get(f"{A}/figures"), READERS, **EXCL),
}
PAGE_SPECS: dict[str, Spec] = {
    "eldercare:visits": Spec(lambda c, t: c.get(f"{E}/visits/"), READERS, **PAGE, **EXCL),
    "eldercare:overdue": Spec(lambda c, t: c.get(f"{E}/visits/overdue/"), MANAGERS, **PAGE, **EXCL),
    "eldercare:visit": Spec(
        lambda c, t: c.get(f"{E}/visits/{t.obj.pk}/"), READERS, target="eldercare_visit", **PAGE, **EXCL
    ),
    "eldercare:service_list": Spec(lambda c, t: c.get(f"{E}/services/"), READERS, **PAGE, **EXCL),
    "eldercare:retrofits": Spec(lambda c, t: c.get(f"{E}/retrofits/"), READERS, **PAGE, **EXCL),
    "eldercare:retrofit_start": Spec(
        lambda c, t: c.post(f"{E}/retrofits/start/", {"person": t.obj.pk}),
        MANAGERS,
        ok=302,
        target="eldercare_candidate",
        **PAGE,
        **EXCL,
    ),
    "eldercare:retrofit_target": Spec(lambda c, t: c.get(f"{E}/retrofits/target/"), ADMIN, **PAGE),
    "eldercare:retrofit": Spec(
        lambda c, t: c.get(f"{E}/retrofits/{t.obj.pk}/"), READERS, target="eldercare_retrofit", **PAGE, **EXCL
    ),
    "eldercare:retrofit_stage": Spec(
        lambda c, t: c.post(
            f"{E}/retrofits/{t.obj.pk}/stage/",
            {"stage": "assessment", "done_on": t.obj.enrolment.started_on.isoformat(), "item_codes": ["bed_rail"]},
        ),
        MANAGERS,
        ok=302,
        target="eldercare_retrofit",
        **PAGE,
        **EXCL,
    ),
    "eldercare:retrofit_photo": Spec(
        lambda c, t: c.post(
            f"{E}/retrofits/{t.obj.pk}/photos/",
            {"stage": "assessment", "photo": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        ),
        MANAGERS,
        ok=302,
        target="eldercare_retrofit",
        **PAGE,
        **EXCL,
    ),
    "eldercare:retrofit_photo_file": Spec(
        lambda c, t: c.get(f"{E}/retrofits/photos/{t.obj.pk}/"), READERS, target="eldercare_photo", **PAGE, **EXCL
    ),
    "eldercare:beds": Spec(lambda c, t: c.get(f"{E}/beds/"), READERS, **PAGE, **EXCL),
    "eldercare:bed_new": Spec(lambda c, t: c.get(f"{E}/beds/new/"), MANAGERS, **PAGE, **EXCL),
    "eldercare:bed": Spec(lambda c, t: c.get(f"{E}/beds/{t.obj.pk}/"), READERS, target="eldercare_bed", **PAGE, **EXCL),
    "eldercare:bed_visit": Spec(
        lambda c, t: c.post(f"{E}/beds/{t.obj.pk}/visits/", {"at": "2026-01-01T10:00", "service": "助浴"}),
        MANAGERS,
        ok=302,
        target="eldercare_bed",
        **PAGE,
        **EXCL,
    ),
    "eldercare:bed_plan": Spec(
        lambda c, t: c.post(f"{E}/beds/{t.obj.pk}/plan/", {"care_plan": "助浴|每周2次"}),
        MANAGERS,
        ok=302,
        target="eldercare_bed",
        **PAGE,
        **EXCL,
    ),
    "eldercare:figures": Spec(lambda c, t: c.get(f"{E}/figures/"), READERS, **PAGE, **EXCL),
    "programme_rules:programmes": Spec(lambda c, t: c.get(f"{R}/"), ADMIN, **PAGE),
    "programme_rules:programme": Spec(lambda c, t: c.get(f"{R}/care_visits/"), ADMIN, **PAGE),
    "programme_rules:programme_edit": Spec(lambda c, t: c.get(f"{R}/care_visits/edit/"), ADMIN, **PAGE),
    "programme_rules:benefit_new": Spec(lambda c, t: c.get(f"{R}/basic_eldercare/benefits/new/"), ADMIN, **PAGE),
    "programme_rules:benefit_edit": Spec(
        lambda c, t: c.get(f"{R}/basic_eldercare/benefits/longevity_allowance/edit/"), ADMIN, **PAGE
    ),
    "programme_rules:rule_new": Spec(lambda c, t: c.get(f"{R}/care_visits/rules/visit/new/"), ADMIN, **PAGE),
    "programme_rules:rule_edit": Spec(
        lambda c, t: c.get(f"{R}/care_visits/rules/eligibility/{_rule_id()}/edit/"), ADMIN, **PAGE
    ),
    "programme_rules:rule_end": Spec(
        lambda c, t: c.post(f"{R}/care_visits/rules/eligibility/{_rule_id()}/end/", {"on": "2030-01-01"}),
        ADMIN,
        ok=302,
        **PAGE,
    ),
}
