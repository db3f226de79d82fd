import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.areas import selectors
from shequ.areas.models import Level
from shequ.areas.services import grid_create, grid_update
from shequ.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_community_staff_creates_and_renames_a_grid_with_audit(world, user_of):
    staff = user_of("community_staff")
    grid = grid_create(actor=staff, community_code=world.community_a.code, name="第3网格")
    assert grid.level == Level.GRID and grid.parent == world.community_a
    assert grid.code == world.community_a.code + "003"
    assert grid.path == world.community_a.path + grid.code + "/"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id, event.area_path) == ("areas.grid_create", staff.pk, grid.path)
    grid_update(actor=staff, grid_code=grid.code, name="东区网格", is_active=False)
    grid.refresh_from_db()
    assert (grid.name, grid.is_active) == ("东区网格", False)


@pytest.mark.parametrize("persona", ["community_staff_b", "grid_worker", "district_officer_b", "auditor", "resident"])
def test_others_cannot_touch_community_a_grids(world, user_of, persona):
    with pytest.raises(Http404):
        grid_create(actor=user_of(persona), community_code=world.community_a.code, name="X")
    with pytest.raises(Http404):
        grid_update(actor=user_of(persona), grid_code=world.grid_a1.code, name="X")


def test_grid_names_are_checked(world, user_of):
    staff = user_of("community_staff")
    for bad in ["", "   ", "网" * 51, "第1网格"]:
        with pytest.raises(ValidationError) as exc:
            grid_create(actor=staff, community_code=world.community_a.code, name=bad)
        assert "name" in exc.value.message_dict


def test_search_finds_by_name_and_code_within_scope_only(world, user_of):
    street_officer = user_of("street_officer")
    results = selectors.area_search(actor=street_officer, query="社区")
    assert results and all(a.path.startswith(world.street.path) for a in results)
    assert selectors.area_search(actor=street_officer, query=world.community_a.code)[0] == world.community_a
    assert selectors.area_search(actor=user_of("district_officer_b"), query=world.community_a.code) == []
    city_results = selectors.area_search(actor=user_of("city_admin"), query="和平")
    assert city_results[0].code == "210102000000"


def test_search_by_mca_code(world, user_of):
    found = selectors.area_search(actor=user_of("city_admin"), query="210102005")
    assert "太原街街道" in [a.name for a in found]


def test_district_at_point(world, user_of):
    # 沈阳市政府 area in 沈河区 / 和平区 boundary region; a point well inside 和平区's polygon:
    city_admin = user_of("city_admin")
    area = selectors.district_at(actor=city_admin, lon=123.40, lat=41.78)
    assert area.level == Level.DISTRICT and area.code.startswith("2101")
    with pytest.raises(Http404):
        selectors.district_at(actor=city_admin, lon=116.39, lat=39.90)  # Beijing
    other = "district_officer" if area.code != world.district.code else "district_officer_b"
    with pytest.raises(Http404):
        selectors.district_at(actor=user_of(other), lon=123.40, lat=41.78)
