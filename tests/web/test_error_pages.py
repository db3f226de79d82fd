"""The site's error pages: "no permission" for a page the role never has, "not found" for a row outside the
area (the same as one that does not exist), a 500 that shows nothing of the request; the API keeps 404."""

import pytest
from django.test import RequestFactory

from shequ.web import errors

pytestmark = pytest.mark.django_db


def test_a_page_the_role_never_has_is_no_permission(client_of):
    response = client_of("grid_worker").get("/accounts/manage/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限" in page and 'href="/"' in page and "找不到" not in page


def test_a_row_outside_the_area_is_not_found_like_a_missing_one(world, client_of):
    client = client_of("community_staff")
    outside = client.get(f"/areas/{world.community_b.code}/")
    missing = client.get("/areas/999999999999/")
    assert outside.status_code == missing.status_code == 404
    assert "找不到" in outside.content.decode() and "没有权限" not in outside.content.decode()
    page = outside.content.decode()
    assert page[page.index("<main>") :] == missing.content.decode()[page.index("<main>") :]  # past the CSRF token


def test_the_api_answers_404_for_a_capability_the_role_lacks(client_of):
    response = client_of("grid_worker").get("/api/accounts")
    assert response.status_code == 404


def test_the_server_error_page_is_chinese_and_carries_nothing_of_the_request():
    request = RequestFactory().get("/residents/?q=210102194803120029")
    response = errors.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "出错" in page and "210102194803120029" not in page


def test_the_sites_pages_show_with_debug_on_too(world, client_of, settings):
    settings.DEBUG = True
    client = client_of("community_staff")
    assert "找不到" in client.get(f"/areas/{world.community_b.code}/").content.decode()
    refused = client_of("grid_worker").get("/accounts/manage/")
    assert refused.status_code == 403 and "没有权限" in refused.content.decode()
