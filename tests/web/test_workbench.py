"""The workbench (工作台): each role lands on its area's figures, what needs attention and its shortcuts.

The expected figures come from who lives where: the shared world has one resident in community A (甲,
born 1960, alone in household H-101, a veteran, in grid A1), one in community B (乙) and a rejected import
in each community; each test adds its own people and counts them in."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from shequ.reference.models import TagType
from shequ.residents.models import Person, PersonStatus, PersonTag
from tests import factories

pytestmark = pytest.mark.django_db


def _figure(page: str, stat: str) -> str:
    found = re.search(rf'data-stat="{stat}"><span class="figure">([^<]*)</span>', page)
    assert found, stat
    return found.group(1)


def _attention(page: str, item: str) -> int:
    """The count an attention card says: its last number ("30 天内到期的特殊群体 1 项")."""
    found = re.search(rf'data-attention="{item}"><strong>([^<]*)</strong>', page)
    assert found, item
    return int(re.findall(r"\d+", found.group(1))[-1])


def _add_people(world):
    """Community A gains 丁 (grid A2, a veteran whose group ends in 10 days) and 戊 (moved out, not
    counted); community B gains 己 (counted only there)."""
    soon = timezone.localdate() + datetime.timedelta(days=10)
    ding = factories.resident(name="丁", area=world.grid_a2, community=world.community_a, number="411")
    PersonTag.objects.filter(person=ding).update(valid_to=soon)
    wu = factories.resident(name="戊", area=world.grid_a1, community=world.community_a, number="412")
    Person.objects.filter(pk=wu.pk).update(status=PersonStatus.MOVED_OUT)
    factories.resident(name="己", area=world.community_b, community=world.community_b, number="413")
    return ding


STATS = ("residents", "households", "age60", "alone", "minor", "veteran")


def _figures(page: str) -> dict[str, int]:
    return {stat: int(_figure(page, stat)) for stat in STATS}


def test_community_staff_sees_the_figures_of_their_community(world, client_of):
    # The world's community A holds 甲 and the people the programme apps' worlds add: the figures are read
    # before and after this test adds its own, and the change is what the test's people make it.
    client = client_of("community_staff")
    before_page = client.get("/").content.decode()
    before = _figures(before_page)
    ding = _add_people(world)
    page = client.get("/").content.decode()
    after = _figures(page)
    # 丁 joins community A (戊 moved out, 己 lives in B): one more resident heading a household of one,
    # born 1960, alone, a veteran, no minor.
    assert {stat: after[stat] - before[stat] for stat in STATS} == {
        "residents": 1,
        "households": 1,
        "age60": 1,
        "alone": 1,
        "minor": 0,
        "veteran": 1,
    }
    assert _attention(page, "alone") == _attention(before_page, "alone") + 1
    assert _attention(page, "expiring") == _attention(before_page, "expiring") + 1  # 丁's group ends in 10 days
    assert _attention(page, "imports") == 1  # the world's rejected import of community A
    assert _attention(page, "moves") == 0
    assert f"/residents/{ding.pk}/" in page
    assert "己" not in page and "戊" not in page
    # The shortcuts of community staff, and none of the auditor's or the administrator's.
    for url in ("/residents/", "/residents/new/", "/imports/residents/", "/residents/moves/"):
        assert f'href="{url}"' in page
    assert 'href="/audit/"' not in page and 'href="/accounts/manage/"' not in page


def test_a_grid_worker_counts_only_their_grid(world, client_of):
    client = client_of("grid_worker")
    before = int(_figure(client.get("/").content.decode(), "residents"))
    _add_people(world)
    page = client.get("/").content.decode()
    assert int(_figure(page, "residents")) == before  # 丁 lives in grid A2; 戊 moved out of A1
    assert _attention(page, "imports") == 0  # the rejected import is the community's, not the grid's


def test_residents_and_auditors_see_no_resident_figures(world, client_of):
    _add_people(world)
    resident = client_of("resident").get("/").content.decode()
    assert 'data-stat="residents"' not in resident and "丁" not in resident
    auditor = client_of("auditor").get("/").content.decode()
    assert 'data-stat="residents"' not in auditor and 'data-attention="alerts"' in auditor
    assert 'href="/audit/"' in auditor


def test_the_workbench_costs_the_same_number_of_queries_for_more_people(
    world, client_of, django_assert_max_num_queries
):
    client = client_of("community_staff")
    client.get("/")
    with django_assert_max_num_queries(25):
        client.get("/")
    for n in range(20):
        factories.resident(name=f"多{n}", area=world.grid_a1, community=world.community_a, number=str(500 + n))
    with django_assert_max_num_queries(25):
        client.get("/")


def test_an_expired_group_is_not_counted(world, client_of):
    ding = _add_people(world)
    PersonTag.objects.filter(person=ding).update(valid_from="2000-01-01", valid_to="2001-01-01")
    page = client_of("community_staff").get("/").content.decode()
    assert _figure(page, "veteran") == "1"
    assert TagType.objects.filter(code="veteran").exists()
