"""Editing in a real browser: correcting a resident's details and reading the history, changing a
household's head, a grid worker registering a resident in their own grid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import id_number

pytestmark = pytest.mark.browser


def register(page, site, name: str, order: int, **extra: str) -> int:
    """Fill the registration page (the community and grid as the role's page preselects them) and
    return the new resident's id from the page it lands on."""
    page.goto(site + "/residents/new/")
    page.fill("input[name=name]", name)
    page.fill("input[name=id_number]", id_number(order, birth="19770707"))
    page.select_option("select[name=residence_type]", "registered")
    page.fill("input[name=street_address]", extra.pop("street_address", "浏览器路8号"))
    for field, value in extra.items():
        page.fill(f"input[name={field}]", value)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(name)
    match = re.search(r"/residents/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_correcting_a_residents_details_shows_in_the_history(site, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    person = register(page, site, "更正前", 901, room="901")
    page.click(f"a[href='/residents/{person}/edit/']")
    page.fill("input[name=name]", "更正后")
    page.fill("input[name=room]", "902")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("更正后")
    row = page.locator("table.history tbody tr").last
    expect(row).to_contain_text("信息变更")  # "Updated"
    expect(row).to_contain_text("姓名")
    expect(row).to_contain_text("地址")
    expect(row).to_contain_text("demo-community")
    expect(page.locator("table.history")).not_to_contain_text("902")  # names of fields, never values
    watch.assert_clean()


def test_changing_a_households_head(site, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    address = {"street_address": "浏览器路9号", "room": "903", "household_number": "BH-903"}
    register(page, site, "原户主", 903, relation="户主", **address)
    spouse = register(page, site, "新户主", 905, relation="配偶", **address)
    page.click("a[href*='/residents/households/']")
    form = page.locator("form[data-form=head]")
    page.locator("details", has=form).locator("summary").click()
    form.locator("select[name=head-person_id]").select_option(str(spouse))
    form.locator("select[name=head-former_relation]").select_option("10")  # 配偶
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("table.list tbody tr", has_text="新户主")).to_contain_text("户主")
    expect(page.locator("table.list tbody tr", has_text="原户主")).to_contain_text("配偶")
    watch.assert_clean()


def test_a_grid_worker_registers_a_resident_in_their_grid(site, browser):
    page = browser.new_page(viewport={"width": 360, "height": 780})
    watch = Watch(page, site)
    sign_in(page, site, "demo-grid")
    page.goto(site + "/residents/new/")
    assert page.locator("select[name=community_code]").input_value()  # their community, preselected
    grids = page.locator("select[name=grid] option")
    expect(grids).to_have_count(1)  # their own grid only
    grid = grids.first.inner_text()
    register(page, site, "网格登记", 907, room="907")
    expect(page.locator("dl.facts")).to_contain_text(grid)
    watch.assert_clean()
