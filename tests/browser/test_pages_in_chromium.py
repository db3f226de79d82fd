"""A real browser (Debian's Chromium, driven by Playwright) clicks through the pages.

The site runs as `./run.sh` runs it (runserver on a fresh SQLite file with the real Shenyang tree and
the demo accounts), on a free local port. Every request must stay on that server: no CDN.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import id_number

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def test_community_worker_browses_searches_and_creates_a_grid(site, browser):
    page = browser.new_page()
    watch = Watch(page, site)
    page.goto(site + "/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    sign_in(page, site, "demo-community")
    expect(page.locator("h1")).to_contain_text("社区工作者")
    page.click("text=打开该区域")
    expect(page.locator("h1")).to_contain_text("社区")
    expect(page.locator("table.list tbody tr")).to_have_count(3)  # the demo's three grids
    page.fill("input[name=name]", "浏览器网格")
    page.click("text=新建网格 >> xpath=following::button[1]")
    expect(page.locator(".messages")).to_contain_text("浏览器网格")
    expect(page.locator("table.list tbody tr")).to_have_count(4)
    # Live search through htmx: results appear without leaving the page.
    page.goto(site + "/areas/")
    page.fill("input[name=q]", "第1网格")
    expect(page.locator("#search-results table tbody tr").first).to_contain_text("第1网格")
    assert page.url == site + "/areas/"
    page.screenshot(path=str(ROOT / "var" / "screenshot-areas.png"), full_page=True)
    watch.assert_clean()


def test_resident_sees_masked_data_and_reveals_with_a_reason(site, browser):
    page = browser.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-resident")
    page.goto(site + "/accounts/me/")
    masked = page.locator("dd.masked").first.inner_text()
    assert masked.startswith("*" * 14) and len(masked) == 18  # only the last four characters shown
    page.select_option("select[name=field]", "id_number")
    page.select_option("select[name=category]", "service")
    page.fill("input[name=reason]", "核对本人信息")
    page.click("#reveal button[type=submit]")
    revealed = page.locator(".revealed strong")
    # The whole number: fourteen digits, then the four characters the mask showed.
    expect(revealed).to_have_text(re.compile("^[0-9]{14}" + re.escape(masked[14:]) + "$"))
    watch.assert_clean()


def test_phone_layout_and_english_switch(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-street")
    menu = page.locator("nav.menu")
    expect(menu).to_be_hidden()
    page.click("label.menu-button")
    expect(menu).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "screenshot-phone.png"))
    page.click("button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Welcome")
    watch.assert_clean()
    context.close()


def _street_facilities(tmp_path_factory) -> int:
    """The demo's facilities in demo-street's street (2 communities × 8, and the children's homes, stations
    and childcare the children's demo adds there), from the site's database."""
    path = next(tmp_path_factory.getbasetemp().glob("browser-site*/site.sqlite3"))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        (street,) = db.execute(
            "SELECT a.path FROM accounts_grant g JOIN accounts_user u ON u.id = g.user_id "
            "JOIN areas_area a ON a.id = g.area_id WHERE u.username = 'demo-street'"
        ).fetchone()
        (count,) = db.execute(
            "SELECT COUNT(*) FROM resources_facility f JOIN areas_area a ON a.id = f.area_id "
            "WHERE f.is_active AND a.path LIKE ? || '%'",
            [street],
        ).fetchone()
    return count


def test_facility_map_draws_points_without_any_tile_server(site, browser, tmp_path_factory):
    expected = _street_facilities(tmp_path_factory)
    assert expected >= 16  # at least the demo's 2 communities × 8
    page = browser.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-street")
    page.goto(site + "/resources/facilities/")
    expect(page.locator("#facility-map")).to_have_attribute("data-ready", str(expected))
    expect(page.locator("#facility-map canvas")).to_be_visible()
    page.screenshot(path=str(ROOT / "var" / "screenshot-facilities.png"), full_page=True)
    watch.assert_clean()


def test_community_worker_imports_a_roster_and_watches_it_finish(site, browser, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,身份证号,手机号,居住类型,小区或街路门牌,楼栋,单元,室\n"
        f"王秀英,{id_number(123, birth='19520304')},13911112222,户籍,和平花园,1,1,101\n"
        "李四,210102195203041230,139,户籍,和平花园,1,1,102\n",
        encoding="utf-8",
    )
    page = browser.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    page.goto(site + "/imports/residents/")
    page.set_input_files("input[type=file]", str(roster))
    page.click("main form button[type=submit]")
    expect(page.locator("#job-status")).to_contain_text("错误", timeout=20000)  # row 3 is wrong
    with page.expect_download() as download:
        page.click("#job-status a.button")
    assert download.value.suggested_filename.endswith("-errors.xlsx")
    lines = roster.read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    page.goto(site + "/imports/residents/")
    page.set_input_files("input[type=file]", str(roster))
    page.click("main form button[type=submit]")
    expect(page.locator("#job-status")).to_contain_text("新增 1", timeout=20000)
    page.goto(site + "/residents/?q=王秀英")
    expect(page.locator("table.list tbody")).to_contain_text("王秀英")
    watch.assert_clean()
