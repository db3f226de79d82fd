"""Every residents service scopes its own reads from the actor; the expected rows come from the fixture
(甲 lives in grid A1 of community A, 乙 in community B, 丙 in Dalian)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from shequ.residents import selectors, services
from shequ.residents.models import Person, PersonTag

pytestmark = pytest.mark.django_db

# Who each persona must find in the pool: from where the fixture put people, not from the code's scoping.
# The programme apps' worlds add people of their own to the same areas (tests/<app>/world.py); these
# tests look at conftest's three, whose places they know.
FIXTURE_NAMES = {"甲", "乙", "丙"}
SEES = {
    "grid_worker": {"甲"},
    "grid_worker_b": set(),  # grid B1 holds nobody: 乙 is registered at community level
    "community_staff": {"甲"},
    "community_staff_b": {"乙"},
    "street_officer": {"甲", "乙"},
    "district_officer": {"甲", "乙"},
    "district_officer_b": set(),
    "city_admin": {"甲", "乙"},
    "dalian_staff": {"丙"},
}


def _exported_names(content: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_an_export_holds_exactly_the_people_of_the_actors_area(persona, world, user_of):
    assert _exported_names(services.residents_export(actor=user_of(persona))) & FIXTURE_NAMES == SEES[persona]


@pytest.mark.parametrize("persona", sorted(SEES))
def test_a_search_finds_exactly_the_people_of_the_actors_area(persona, world, user_of):
    assert {p.name for p in selectors.residents(actor=user_of(persona))} & FIXTURE_NAMES == SEES[persona]


@pytest.mark.parametrize("persona", sorted(SEES))
def test_households_of_the_people_one_sees_are_readable(persona, world, user_of):
    actor = user_of(persona)
    for person in Person.objects.filter(name__in=FIXTURE_NAMES).select_related("household"):
        if person.name in SEES[persona]:
            household, members = selectors.household_get(actor=actor, household_id=person.household_id)
            assert person.name in {m.name for m in members}
        else:
            with pytest.raises(Http404):
                selectors.household_get(actor=actor, household_id=person.household_id)


def test_ending_a_tag_of_someone_out_of_reach_is_a_404_and_changes_nothing(world, user_of):
    tag = PersonTag.objects.get(person__name="丙")
    with pytest.raises(Http404):
        services.tag_end(actor=user_of("grid_worker"), tag_id=tag.pk, on=datetime.date(2024, 1, 1))
    tag.refresh_from_db()
    assert tag.valid_to is None
    own = PersonTag.objects.get(person__name="甲")
    services.tag_end(actor=user_of("grid_worker"), tag_id=own.pk, on=datetime.date(2024, 1, 1))
    own.refresh_from_db()
    assert own.valid_to == datetime.date(2024, 1, 1)


def test_an_export_is_filed_in_its_area_where_district_auditors_see_it(world, user_of):
    from shequ.accounts.roles import Role
    from shequ.audit.models import AuditEvent
    from tests.factories import account

    services.residents_export(actor=user_of("community_staff"))
    services.residents_export(actor=user_of("city_admin"), area_code=world.community_b.code)
    district_auditor = account("district-auditor", Role.AUDITOR, world.district)
    other_auditor = account("other-auditor", Role.AUDITOR, world.district_b)
    seen = AuditEvent.objects.visible_to(district_auditor).filter(action="residents.export")
    assert {e.area_path for e in seen} == {world.community_a.path, world.community_b.path}
    assert not AuditEvent.objects.visible_to(other_auditor).filter(action="residents.export").exists()


def test_the_masked_export_shows_the_age_never_the_birth_date(world, user_of):
    sheet = load_workbook(io.BytesIO(services.residents_export(actor=user_of("grid_worker"))), read_only=True)
    header, *rows = list(sheet.worksheets[0].iter_rows(values_only=True))
    assert "出生日期" not in header
    (row,) = [r for r in rows if r[0] == "甲"]
    age = row[header.index("年龄")]
    # 甲 was born on 1960-01-01 (conftest)
    today = timezone.localdate()
    assert age == today.year - 1960
