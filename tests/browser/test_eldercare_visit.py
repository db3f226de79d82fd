"""A grid worker records a care visit due today on a phone: the list, the visit, the outcome, the phone's
position from the browser's geolocation; the visit leaves the day's list and the database holds it with
the place. On the demo site (tests/browser/conftest.py), with the eldercare demo loaded."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}
POSITION = {"longitude": 123.4315, "latitude": 41.7968}


@pytest.fixture
def site_db_path(site, tmp_path_factory):
    """The demo site's database (its demo holds the eldercare demo: ``load_demo`` loads the programmes)."""
    return next(tmp_path_factory.getbasetemp().glob("browser-site*/site.sqlite3"))


def _visit(path, visit_id):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT done_at, outcome, lon, lat FROM programmes_visit WHERE id = ?", [visit_id]).fetchone()


def test_a_grid_worker_records_a_due_visit_on_a_phone(site, browser, site_db_path):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, geolocation=POSITION, permissions=["geolocation"]
    )
    page = context.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-grid")
    page.goto(site + "/programmes/eldercare/visits/")
    today = page.locator("#visits-today li a")
    expect(today.first).to_be_visible()
    due = today.count()
    href = today.first.get_attribute("href")
    visit_id = int(href.rstrip("/").rsplit("/", 1)[-1])
    today.first.click()
    expect(page).to_have_url(site + href)
    page.locator("input[name=outcome][value=met]").check()
    page.fill("textarea[name=note]", "老人在家，精神很好")
    expect(page.locator("[data-geo-status]")).to_contain_text("41.796800")
    page.locator("form.visit-record button[type=submit]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#visits-today li a")).to_have_count(due - 1)
    done_at, outcome, lon, lat = _visit(site_db_path, visit_id)
    assert done_at is not None and outcome == "met"
    assert (round(lon, 4), round(lat, 4)) == (123.4315, 41.7968)
    watch.assert_clean()
    context.close()
