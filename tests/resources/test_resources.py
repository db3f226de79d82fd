import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.entities import selectors as entity_selectors
from shequ.entities.services import legal_entity_create
from shequ.lib.geo import wgs84_to_gcj02
from shequ.reference.models import FacilityType
from shequ.reference.services import facility_type_update, facility_types_load
from shequ.resources import selectors
from shequ.resources.services import facility_create
from tests.factories import USCC

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_seeded_once_and_keeps_the_administrators_edits(world, user_of):
    assert FacilityType.objects.count() == 58
    primary = FacilityType.objects.get(code="primary_school")
    assert (primary.circle_level, primary.required, primary.service_radius_m) == ("10min", True, 500)
    facility_type_update(actor=user_of("city_admin"), code="primary_school", service_radius_m=600)
    assert facility_types_load(actor=None) == 0
    assert FacilityType.objects.get(code="primary_school").service_radius_m == 600
    with pytest.raises(ValidationError):
        facility_type_update(actor=user_of("city_admin"), code="primary_school", circle_level="20min")
    with pytest.raises(Http404):
        facility_type_update(actor=user_of("district_officer"), code="primary_school", name="x")


def test_gcj02_input_is_stored_as_wgs84(world, user_of):
    true_lon, true_lat = 123.4315, 41.8057
    shown_lon, shown_lat = wgs84_to_gcj02(true_lon, true_lat)
    facility = facility_create(
        actor=user_of("community_staff"),
        area_code=world.community_a.code,
        type_code="convenience_store",
        name="社区便利店",
        lon=shown_lon,
        lat=shown_lat,
        coordinates="gcj02",
        floor_area_m2=80,
        capacity=10,
        opening_hours="07:00-22:00",
        operator_uscc=USCC[0].lower(),
    )
    assert abs(facility.lon - true_lon) < 1e-6 and abs(facility.lat - true_lat) < 1e-6
    assert facility.operator.uscc == USCC[0]


def test_facility_input_is_checked_field_by_field(world, user_of):
    with pytest.raises(ValidationError) as exc:
        facility_create(
            actor=user_of("community_staff"),
            area_code=world.community_b.code,
            type_code="nope",
            name="",
            lon=200,
            lat=0,
            floor_area_m2=-1,
            operator_uscc="123",
        )
    assert {"area_code", "type_code", "name", "lon", "floor_area_m2", "operator_uscc"} <= set(exc.value.message_dict)


def test_legal_entities_need_a_valid_unique_credit_code(world, user_of):
    staff = user_of("community_staff")
    with pytest.raises(ValidationError) as exc:
        legal_entity_create(
            actor=staff, area_code=world.community_a.code, name="某公司", uscc=USCC[0][:-1] + "0", kind="company"
        )
    assert "uscc" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        legal_entity_create(actor=staff, area_code=world.community_a.code, name="某公司", uscc=USCC[0], kind="company")
    assert "uscc" in exc.value.message_dict  # already registered
    assert entity_selectors.legal_entities(actor=staff, query=USCC[0]).get().name == "物业公司0"
    assert not entity_selectors.legal_entities(actor=user_of("community_staff_b"), query=USCC[0]).exists()


def test_facility_list_is_scoped(world, user_of):
    # conftest's stores (the children's world adds homes and childcare of its own to community A).
    def stores(key: str) -> set[str]:
        return {f.name for f in selectors.facilities(actor=user_of(key)) if f.name.startswith("便利店")}

    assert stores("community_staff") == {"便利店0"}
    assert stores("street_officer") == {"便利店0", "便利店1"}
    assert stores("city_admin") == {"便利店0", "便利店1"}  # Dalian's is another city


def test_city_administrator_edits_the_catalogue_on_its_page(world, client_of):
    page = client_of("city_admin").get("/reference/facility-types/").content.decode()
    assert "primary_school" in page and "<details>" in page
    response = client_of("city_admin").post(
        "/reference/facility-types/",
        {
            "code": "primary_school",
            "name": "小学",
            "circle_level": "10min",
            "required": "on",
            "service_radius_m": "550",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert FacilityType.objects.get(code="primary_school").service_radius_m == 550
    assert "<details>" not in client_of("district_officer").get("/reference/facility-types/").content.decode()
    assert (
        client_of("district_officer")
        .post("/reference/facility-types/", {"code": "primary_school", "name": "x"})
        .status_code
        == 403  # the role never edits the catalogue: no permission
    )
