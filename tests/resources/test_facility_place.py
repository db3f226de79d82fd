"""A facility's point must lie in its area's district (within the tolerance of the coarse outline), the
message says where it does lie; no two open facilities of one name at one place; no type chosen for the
user; a wrong filter is a form error, not a 404."""

import pytest
from django.core.exceptions import ValidationError

from shequ.resources.models import Facility
from shequ.resources.services import facility_create

pytestmark = pytest.mark.django_db

# Geography of the bundled outlines (areas/data/shenyang_districts.geojson): community A is in 和平区.
IN_HEPING = (123.40, 41.80)
IN_SHENHE = (123.45, 41.79)  # 沈河区, about 2 km east of 和平区's outline
BEIJING = (116.397, 39.909)


def _create(user, area, lon_lat, name="社区食堂", **extra):
    lon, lat = lon_lat
    return facility_create(
        actor=user, area_code=area.code, type_code="convenience_store", name=name, lon=lon, lat=lat, **extra
    )


def test_a_point_in_beijing_is_refused_for_a_community_of_the_city(world, user_of):
    with pytest.raises(ValidationError) as exc:
        _create(user_of("community_staff"), world.community_a, BEIJING)
    message = exc.value.message_dict["lon"][0]
    # No district of the city contains it: the message names only the community's own district.
    assert "和平区" in message and not any(d in message for d in ("沈河区", "大东区", "铁西区", "皇姑区"))
    assert not Facility.objects.filter(name="社区食堂").exists()


def test_a_point_in_another_district_names_that_district(world, user_of):
    with pytest.raises(ValidationError) as exc:
        _create(user_of("community_staff"), world.community_a, IN_SHENHE)
    message = exc.value.message_dict["lon"][0]
    assert "沈河区" in message and "和平区" in message


def test_a_point_in_the_district_is_accepted(world, user_of):
    facility = _create(user_of("community_staff"), world.community_a, IN_HEPING)
    assert (facility.lon, facility.lat) == IN_HEPING and facility.area == world.community_a


def test_a_point_just_outside_the_coarse_outline_is_within_the_tolerance(world, user_of, settings):
    # 123.4315, 41.8057 lies about 0.85 km outside 和平区's simplified outline.
    settings.SHEQU_FACILITY_TOLERANCE_M = 1000
    assert _create(user_of("community_staff"), world.community_a, (123.4315, 41.8057)).pk
    settings.SHEQU_FACILITY_TOLERANCE_M = 100
    with pytest.raises(ValidationError):
        _create(user_of("community_staff"), world.community_a, (123.4315, 41.8057), name="另一个食堂")


def test_the_same_name_at_the_same_place_is_a_duplicate(world, user_of):
    staff = user_of("community_staff")
    _create(staff, world.community_a, IN_HEPING, name="和平社区卫生站")
    with pytest.raises(ValidationError) as exc:
        _create(staff, world.community_a, (IN_HEPING[0] + 0.0003, IN_HEPING[1]), name=" 和平社区卫生站 ")
    assert "name" in exc.value.message_dict
    # The same name a few kilometres away is another branch.
    assert _create(staff, world.community_a, (123.36, 41.75), name="和平社区卫生站").pk


def test_markup_is_not_a_facility_name(world, user_of):
    with pytest.raises(ValidationError) as exc:
        _create(user_of("community_staff"), world.community_a, IN_HEPING, name="<script>alert(1)</script>")
    assert "name" in exc.value.message_dict


def test_the_form_preselects_no_type_and_no_community_list(world, client_of):
    page = client_of("community_staff").get("/resources/facilities/").content.decode()
    form = page[page.index('name="type_code"') :]
    form = form[: form.index("</select>")]
    assert form.count("selected") == 1 and 'value="" selected' in form  # only the empty "choose a type"
    assert "data-area-picker" in page and page.count("<option") < 200


def test_a_wrong_filter_is_a_form_error_not_a_404(world, client_of):
    response = client_of("city_admin").get("/resources/facilities/?area=abc&type=nope")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error"' in page and "便利店0" in page  # the list stays, unfiltered


def test_a_page_post_with_a_far_point_shows_the_district_on_the_form(world, client_of):
    response = client_of("community_staff").post(
        "/resources/facilities/",
        {
            "area_code": world.community_a.code,
            "type_code": "convenience_store",
            "name": "页面上的食堂",
            "lon": IN_SHENHE[0],
            "lat": IN_SHENHE[1],
            "coordinates": "wgs84",
        },
    )
    assert response.status_code == 200
    assert "沈河区" in response.content.decode()
    assert not Facility.objects.filter(name="页面上的食堂").exists()
