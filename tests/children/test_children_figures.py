"""The children's figures, each derived from the fixture (tests/children/world.py): minor-protection
station coverage (1 of the district's streets), care coverage per category, inclusive childcare places
per 1,000 people, children's and women's homes per community; the pages and the API that show them, and
the targets as data."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.html import strip_tags

from shequ.areas.models import Area, Level
from shequ.programmes.children import selectors, services
from shequ.programmes.children.models import Target
from shequ.programmes.common.selectors import per_child_area
from shequ.residents.models import Person, PersonStatus
from shequ.resources.models import Facility
from tests.children.world import CHILDREN, PLACES

pytestmark = pytest.mark.django_db


def test_station_coverage_is_one_street_of_the_district(world):
    streets = Area.objects.filter(level=Level.STREET, is_active=True, path__startswith=world.district.path).count()
    assert streets > 1
    figures = selectors.station_coverage(world.district.path)
    assert figures == {"streets": streets, "covered": 1, "rate": round(100.0 / streets, 1)}
    assert selectors.station_coverage(world.street.path)["covered"] == 1
    assert selectors.station_coverage(world.street_b.path)["covered"] == 0
    total, rows = per_child_area(world.district, selectors.station_coverage)
    assert total["covered"] == 1
    assert [r.area.pk for r in rows if r.values["covered"]] == [world.street.pk]


def test_a_closed_station_no_longer_counts(world):
    Facility.objects.filter(type__code="minor_protection_station").update(is_active=False)
    assert selectors.station_coverage(world.district.path)["covered"] == 0


def _expected_care(world, category: str) -> tuple[int, int]:
    rows = [(where, visited) for _n, (tag, where, _c, _d, visited) in CHILDREN.items() if tag == category]
    inside = [visited for where, visited in rows if getattr(world, where).path.startswith(world.street.path)]
    return len(inside), sum(inside)


@pytest.mark.parametrize("category", ["left_behind_child", "child_in_difficulty", "orphan"])
def test_care_coverage_per_category(world, category):
    children, covered = _expected_care(world, category)
    figures = selectors.care_coverage(world.street.path, category)
    assert (figures["children"], figures["covered"]) == (children, covered)
    assert figures["rate"] == round(100.0 * covered / children, 1)


def test_care_coverage_left_behind_figures(world):
    """小明 visited; 小红 enrolled, not visited; 小芳 not enrolled: 1 of 3."""
    assert selectors.care_coverage(world.street.path, "left_behind_child") == {
        "children": 3,
        "covered": 1,
        "rate": 33.3,
    }
    assert selectors.care_coverage(world.community_a.path, "left_behind_child")["covered"] == 1


def test_an_adult_holding_the_tag_is_not_counted(world):
    from tests.children.world import child

    child(name="成年", area=world.community_b, order=790, tag="left_behind_child", birth="20000101")
    assert selectors.care_coverage(world.street.path, "left_behind_child")["children"] == 3


def test_childcare_places_per_thousand(world):
    population = Person.objects.filter(
        status=PersonStatus.ACTIVE, area__path__startswith=world.community_a.path
    ).count()
    figures = selectors.childcare_places(world.community_a.path)
    assert figures == {"places": PLACES, "population": population, "per_1000": round(1000.0 * PLACES / population, 2)}
    assert selectors.childcare_places(world.community_b.path)["places"] == 0


def test_homes_per_community(world):
    assert selectors.homes(world.community_a.path) == {"communities": 1, "children_home": 1, "women_home": 0}
    assert selectors.homes(world.community_b.path) == {"communities": 1, "children_home": 0, "women_home": 1}
    street = selectors.homes(world.street.path)
    assert (street["children_home"], street["women_home"]) == (1, 1)


def test_targets_are_data_with_sources():
    targets = selectors.targets()
    assert targets["minor_protection_station_coverage"].value == Decimal("70")
    assert targets["childcare_places_per_1000"].value == Decimal("4.5")
    assert all(t.source for t in targets.values())


def test_target_update_by_the_city_administrator(user_of):
    target = services.target_update(
        actor=user_of("city_admin"),
        code="childcare_places_per_1000",
        value="5",
        year=2026,
        source="沈阳市规划（测试）",
        grade="none",
    )
    assert Target.objects.get(pk=target.pk).value == Decimal("5")
    with pytest.raises(ValidationError) as refused:
        services.target_update(
            actor=user_of("city_admin"), code="childcare_places_per_1000", value="-1", year=1900, source="", grade="x"
        )
    assert set(refused.value.message_dict) == {"value", "year", "source", "grade"}
    with pytest.raises(Http404):
        services.target_update(
            actor=user_of("children_officer"),
            code="childcare_places_per_1000",
            value="5",
            year=2026,
            source="x",
            grade="C",
        )


def test_figures_page_and_api(world, client_of):
    page = client_of("district_officer").get("/programmes/children/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="children-stations"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'data-chart="children-care"' not in html  # the district officer reads no care figures
    api = client_of("district_officer").get("/api/programmes/children/figures").json()
    assert api["area"]["code"] == world.district.code and api["area"]["stations"]["covered"] == 1
    assert api["area"]["care"] is None
    officer = client_of("street_officer").get("/api/programmes/children/figures").json()
    assert officer["area"]["care"]["left_behind_child"]["covered"] == 1
    page = client_of("children_officer").get(f"/programmes/children/?area={world.district.code}")
    assert 'data-chart="children-care"' in page.content.decode()


def test_figures_of_an_area_outside_are_a_404(world, client_of):
    assert client_of("street_officer").get(f"/programmes/children/?area={world.street_b.code}").status_code == 404
    assert (
        client_of("community_staff").get(f"/api/programmes/children/figures?area={world.district.code}").status_code
        == 404
    )


def test_figures_query_count_is_fixed(world, client_of):
    """The same number of queries for a street (a few communities) as for a district (many streets)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of("children_officer")
    counts = []
    for area in (world.street, world.district):
        client.get(f"/programmes/children/?area={area.code}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/programmes/children/?area={area.code}").status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 25, counts


def _homes(row: str) -> dict[str, str]:
    """The text of a table row's cells naming the homes, by their class."""
    cells = re.findall(r'<td[^>]*\bclass="(homes-[a-z]+)"[^>]*>(.*?)</td>', row, flags=re.S)
    return {kind: strip_tags(content).strip() for kind, content in cells}


def test_street_page_names_the_homes_of_each_community(world, client_of):
    html = client_of("street_officer").get(f"/programmes/children/?area={world.street.code}").content.decode()
    row_a = html.split(f'data-area="{world.community_a.code}"')[1].split("</tr>")[0]
    row_b = html.split(f'data-area="{world.community_b.code}"')[1].split("</tr>")[0]
    # The homes' names are the columns' names too (their data-label): read what the cells show.
    assert _homes(row_a) == {"homes-children": "儿童之家", "homes-women": "无"}
    assert _homes(row_b) == {"homes-children": "无", "homes-women": "妇女之家"}
    assert "/programmes/p/child_care/candidates/" in html  # the street officer enrols children
