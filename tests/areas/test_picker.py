"""The area picker: search as one types over the actor's part of the tree, each match with its path;
the pages that pick a community carry no list of the city's communities."""

import pytest

from shequ.areas.models import Area, Level

pytestmark = pytest.mark.django_db


def test_search_shows_the_path_and_keeps_to_the_levels_asked(world, client_of):
    community = world.community_a
    response = client_of("city_admin").get("/api/areas/search", {"q": community.name, "level": [Level.COMMUNITY]})
    assert response.status_code == 200
    found = {item["code"]: item for item in response.json()}
    assert community.code in found and all(item["level"] == Level.COMMUNITY for item in found.values())
    assert found[community.code]["label"] == f"{world.district.name} › {world.street.name} › {community.name}"


def test_search_keeps_to_the_actors_area(world, client_of):
    # Community B's name asked by community A's staff: not in their part of the tree.
    response = client_of("community_staff").get("/api/areas/search", {"q": world.community_b.name})
    assert world.community_b.code not in {item["code"] for item in response.json()}
    response = client_of("community_staff").get("/api/areas/search", {"q": world.community_a.name})
    assert world.community_a.code in {item["code"] for item in response.json()}


def test_the_import_page_carries_no_list_of_communities(world, client_of):
    communities = Area.objects.filter(path__startswith=world.city.path, level=Level.COMMUNITY).count()
    assert communities > 2000  # the city administrator's tree
    page = client_of("city_admin").get("/imports/residents/").content.decode()
    assert "data-area-picker" in page and page.count("<option") < 50
    assert len(page.encode()) < 40_000  # was about 210 KB with every community as an option


def test_a_typed_code_outside_the_area_is_an_error_on_the_field(world, client_of):
    import io

    upload = io.BytesIO(b"name\n")
    upload.name = "roster.csv"
    response = client_of("community_staff").post(
        "/imports/residents/", {"community": world.community_b.code, "file": upload}
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
