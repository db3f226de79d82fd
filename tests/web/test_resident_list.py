"""The resident list: wrong filters are form errors (never a 404 page), moved-out and deceased residents
stay findable with the status filter, and each row names its area's whole path (第1网格 exists in many
communities). The shared world: 甲 lives in grid A1 (第1网格 of community A), 乙 in community B."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequ.residents.models import Person, PersonStatus
from tests import factories

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _rows(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")]


@pytest.mark.parametrize("query", ["?area=abc", "?area=210102'--", "?tag=no_such_group", "?status=gone"])
def test_a_wrong_filter_is_a_form_error(world, client_of, query):
    response = client_of("community_staff").get("/residents/" + query, **ZH)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="error">' in page
    assert "甲" not in _rows(page)  # nothing listed while a filter is wrong


@pytest.mark.parametrize("persona", ["community_staff", "grid_worker"])
def test_an_area_out_of_reach_reads_like_an_unknown_one(world, client_of, persona):
    client = client_of(persona)
    outside = client.get(f"/residents/?area={world.community_b.code}", **ZH).content.decode()
    unknown = client.get("/residents/?area=219999999999", **ZH).content.decode()
    message = "您可访问的范围内没有这个代码的区域"
    assert message in outside and message in unknown
    assert "乙" not in _rows(outside)


def test_moved_out_and_deceased_residents_are_found_with_the_status_filter(world, client_of):
    gone = factories.resident(name="庚", area=world.grid_a1, community=world.community_a, number="611")
    Person.objects.filter(pk=gone.pk).update(status=PersonStatus.MOVED_OUT)
    dead = factories.resident(name="辛", area=world.grid_a1, community=world.community_a, number="612")
    Person.objects.filter(pk=dead.pk).update(status=PersonStatus.DECEASED)
    client = client_of("community_staff")
    living = _rows(client.get("/residents/").content.decode())
    assert "甲" in living and "庚" not in living and "辛" not in living
    moved = _rows(client.post("/residents/", {"status": "moved_out"}).content.decode())
    assert "庚" in moved and "甲" not in moved and "辛" not in moved
    everyone = _rows(client.get("/residents/?status=all").content.decode())
    assert all(name in everyone for name in "甲庚辛")
    # The pager keeps the status (it posts the filters back as hidden fields).
    page = client.get("/residents/?status=deceased").content.decode()
    assert '<input type="hidden" name="status" value="deceased">' in page and "辛" in _rows(page)
    # The export lists what the list shows.
    exported = client.post("/residents/export/", {"status": "moved_out"})
    sheet = load_workbook(io.BytesIO(exported.content), read_only=True).worksheets[0]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"庚"}


def test_each_row_names_its_areas_path(world, client_of):
    factories.resident(name="壬", area=world.grid_b1, community=world.community_b, number="613")
    rows = _rows(client_of("street_officer").get("/residents/?status=all").content.decode())
    # Both 甲 (grid A1) and 壬 (grid B1) live in a "第1网格": each row says which community's.
    assert f"{world.community_a.name} › 第1网格" in rows
    assert f"{world.community_b.name} › 第1网格" in rows
    assert f"{world.district.name} › {world.street.name}" in rows


def test_an_export_with_a_wrong_filter_exports_nothing(world, client_of):
    response = client_of("community_staff").post("/residents/export/", {"area": "abc"})
    assert response.status_code == 302 and response["Location"] == "/residents/"
