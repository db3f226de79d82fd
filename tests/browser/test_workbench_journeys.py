"""The workbench and the auditor's trail in Chromium, on the demo site (tests/browser/conftest.py).

Expected figures are read straight from the site's database file with SQL (who lives where), not from
the code under test."""

from __future__ import annotations

import datetime
import io
import sqlite3

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import id_number

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def site_db(site, tmp_path_factory):
    """The demo site's SQLite database, read-only."""
    path = next(tmp_path_factory.getbasetemp().glob("browser-site*/site.sqlite3"))
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield db
    db.close()


def _community_of(db, username):
    return db.execute(
        "SELECT a.code, a.path FROM areas_area a JOIN accounts_grant g ON g.area_id = a.id "
        "JOIN accounts_user u ON g.user_id = u.id WHERE u.username = ?",
        [username],
    ).fetchone()


def _figure(page, stat):
    return page.locator(f'[data-stat="{stat}"] .figure').inner_text()


def test_community_worker_lands_on_their_workbench(site, browser, site_db):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    # Register one resident through the shortcut, so the community has someone whatever the demo roster.
    page.locator(".shortcuts a", has_text="登记居民").click()
    page.fill("input[name=name]", "工作台测试")
    page.fill("input[name=id_number]", id_number(913, birth="19400101"))
    page.fill("input[name=phone]", "13912340913")
    page.fill("input[name=street_address]", "工作台路1号")
    page.fill("input[name=household_number]", "WB-913")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("工作台测试")
    _code, path = _community_of(site_db, "demo-community")
    living, households = site_db.execute(
        "SELECT count(*), count(DISTINCT p.household_id) FROM residents_person p JOIN areas_area a ON p.area_id = a.id "
        "WHERE p.status = 'active' AND a.path LIKE ?",
        [path + "%"],
    ).fetchone()
    assert living > 0
    page.goto(site + "/")
    expect(page.locator("h1")).to_contain_text("社区工作者")
    assert _figure(page, "residents") == str(living)
    assert _figure(page, "households") == str(households)
    assert _figure(page, "digitisation").endswith("%")
    expect(page.locator('[data-attention="alone"]')).to_contain_text("独居老人")
    expect(page.locator('[data-attention="imports"]')).to_be_visible()
    # On a phone the lists are cards as wide as the screen, not tables squeezed into columns.
    card = page.locator(".attention-items .card").first.bounding_box()
    assert card is not None and card["width"] > PHONE["width"] * 0.8
    # A shortcut opens the resident list, whose rows are cards on a phone, each naming its area's path.
    page.locator(".shortcuts a", has_text="查找居民").click()
    expect(page.locator("h1")).to_have_text("居民")
    assert page.locator("table.stacked thead").evaluate("e => getComputedStyle(e).display") == "none"
    row = page.locator("table.stacked tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    expect(row.locator("td.area-path")).to_contain_text("›")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A typo in a filter is a form error, not an error page.
    page.goto(site + "/residents/?area=abc")
    expect(page.locator(".error").first).to_contain_text("区域编码")
    page.goto(site + "/")
    page.locator(".shortcuts a", has_text="导入花名册").click()
    assert page.url.endswith("/imports/residents/")
    watch.assert_clean()
    context.close()


def test_auditor_filters_the_trail_and_exports_it(site, browser, site_db):
    code, _path = _community_of(site_db, "demo-community")
    # The demo's city administrator (demo-city) uploaded one roster into each demo community.
    uploads = site_db.execute(
        "SELECT count(*) FROM audit_auditevent e JOIN accounts_user u ON e.actor_id = u.id "
        "WHERE u.username = 'demo-city' AND e.action = 'imports.upload' AND e.area_path LIKE ?",
        [f"%/{code}/%"],
    ).fetchone()[0]
    assert uploads == 1
    page = browser.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-auditor")
    page.goto(site + "/audit/")
    today = datetime.date.today().isoformat()
    page.fill("input[name=person]", "demo-city")
    page.select_option("select[name=action]", "imports.upload")
    page.fill("input[name=area]", code)
    page.fill("input[name=since]", today)
    page.fill("input[name=until]", today)
    page.locator("form.audit-filters button[type=submit]").first.click()
    rows = page.locator("table.events tbody tr")
    expect(rows).to_have_count(uploads)
    expect(rows.first.locator("td.actor")).to_contain_text("demo-city")
    expect(rows.first.locator("td.action")).to_have_text("上传导入文件")
    text = page.locator("table.events").inner_text()
    assert "{" not in text and "imports.upload" not in text
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    cells = list(book.active.iter_rows(values_only=True))
    assert len(cells) == 1 + uploads
    header, first = cells[0], cells[1]
    assert first[header.index("操作")] == "上传导入文件"
    assert "demo-city" in first[header.index("操作人")]
    assert first[header.index("区域代码")] == code
    # A wrong filter is a form error on the page.
    page.goto(site + "/audit/?area=abc")
    expect(page.locator(".error").first).to_contain_text("区域编码")
    watch.assert_clean()
