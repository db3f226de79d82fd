"""Issue 8 in a real browser: the search-as-you-type area picker, a facility placed by clicking the map,
the password change forced at first sign-in, and the 403/404 pages."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from shequ.demo.services import DEMO_PASSWORD
from tests.browser.support import Watch, sign_in

pytestmark = pytest.mark.browser

IN_HEPING = (123.40, 41.80)  # inside 和平区, the demo's first district (areas/data/shenyang_districts.geojson)


def test_city_administrator_picks_a_community_by_typing(site, browser):
    page = browser.new_page(viewport={"width": 375, "height": 740})
    watch = Watch(page, site)
    sign_in(page, site, "demo-city")
    page.goto(site + "/imports/residents/")
    assert page.locator("option").count() < 50  # no list of the city's 2,703 communities
    page.fill(".area-picker-box", "社区")
    options = page.locator(".area-picker-list [role=option]")
    expect(options.first).to_contain_text("›")
    first = options.first.inner_text()
    options.first.click()
    code = page.input_value("input[name=community]")
    assert re.fullmatch(r"[0-9]{12}", code) and code in first
    assert "›" in page.input_value(".area-picker-box")
    watch.assert_clean()


def test_a_facility_is_placed_by_clicking_the_map(site, browser):
    page = browser.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    page.goto(site + "/resources/facilities/")
    expect(page.locator("#facility-pick")).to_have_attribute("data-ready", "1")
    add = page.locator("form[action='#add']")
    add.locator(".area-picker-box").fill("社区")
    add.locator(".area-picker-list [role=option]").first.click()
    assert re.fullmatch(r"[0-9]{12,}", add.locator("input[name=area_code]").input_value())
    assert page.input_value("select[name=type_code]") == ""  # nothing chosen for the user
    page.select_option("select[name=type_code]", "convenience_store")
    name = f"点选便利店{uuid.uuid4().hex[:4]}"
    page.fill("input[name=name]", name)
    x, y = page.evaluate(
        "([lat, lon]) => { const p = document.getElementById('facility-pick').shequMap"
        ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [IN_HEPING[1], IN_HEPING[0]],
    )
    page.locator("#facility-pick").click(position={"x": x, "y": y})
    expect(page.locator("#facility-pick-where")).to_contain_text("和平区")
    assert abs(float(page.input_value("input[name=lon]")) - IN_HEPING[0]) < 0.01
    assert abs(float(page.input_value("input[name=lat]")) - IN_HEPING[1]) < 0.01
    page.click("form[action='#add'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(name)
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("table.history")).to_contain_text("新增")
    expect(page.locator("#facility-pick .leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    # Closed again with a reason, so the shared demo site's map keeps its own facilities only.
    page.locator("main form").last.locator("input[name=reason]").fill("浏览器测试完毕")
    page.click("button[name=state][value=close]")
    expect(page.locator(".messages")).to_contain_text("设施已关闭")
    expect(page.locator("table.history")).to_contain_text("浏览器测试完毕")
    watch.assert_clean()


def test_an_initial_password_is_changed_at_first_sign_in(site, browser):
    admin = browser.new_context().new_page()
    sign_in(admin, site, "demo-sysadmin")
    admin.goto(site + "/accounts/manage/")
    username = f"ui-{uuid.uuid4().hex[:6]}"
    admin.fill("input[name=username]", username)
    admin.fill("input[name=password]", "Initial-pass-2026")
    admin.fill("input[name=display_name]", "新同事")
    admin.click("text=创建")
    expect(admin.locator(".messages")).to_contain_text("账号")
    page = browser.new_context().new_page()
    watch = Watch(page, site)
    page.goto(site + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Initial-pass-2026")
    page.click("main button[type=submit]")
    expect(page).to_have_url(site + "/accounts/password/")
    expect(page.locator("ul.rules")).to_contain_text("至少 10 个字符")
    page.goto(site + "/resources/facilities/")
    expect(page).to_have_url(site + "/accounts/password/")  # nothing else until it is changed
    page.fill("input[name=old_password]", "Initial-pass-2026")
    page.fill("input[name=new_password]", "short")
    page.fill("input[name=new_password_again]", "short")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("密码太短")
    assert "too short" not in page.content()
    page.fill("input[name=old_password]", "Initial-pass-2026")
    page.fill("input[name=new_password]", "Mine-own-pass-2026")
    page.fill("input[name=new_password_again]", "Mine-own-pass-2026")
    page.click("main form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("密码已修改")
    page.goto(site + "/accounts/me/")
    expect(page).to_have_url(site + "/accounts/me/")
    watch.assert_clean()
    assert DEMO_PASSWORD  # the demo accounts keep their published password: they are never held


def test_no_permission_and_not_found_pages(site, browser):
    page = browser.new_page()
    sign_in(page, site, "demo-grid")
    response = page.goto(site + "/accounts/manage/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("没有权限")
    page.click("text=返回首页")
    expect(page).to_have_url(site + "/")
    response = page.goto(site + "/resources/facilities/99999999/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("找不到")
    response = page.goto(site + "/resources/facilities/?area=abc")
    assert response.status == 200
    expect(page.locator(".field.invalid")).to_have_count(1)
