"""Issue 9's staff journeys in a real browser: community staff file 社区代办 for a resident with their
consent, the case is in the queue and in the resident's own list (signed in by phone and code); a case
filed 网格内上门办 lands on the grid worker's phone task list, who records the visit with a photo and
moves it on.

Each journey registers its own resident (a fresh phone and identity number) so the shared demo site's
residents and cases stay as the demo made them."""

from __future__ import annotations

import random
import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import id_number

pytestmark = pytest.mark.browser

PHONE_SIZE = {"width": 375, "height": 812}
# Elements of the page that reach past the phone's width (a page wider than the screen scrolls sideways).
OVERFLOWING = """() => Array.from(document.querySelectorAll('main *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def _overflowing(page) -> list[str]:
    if page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]:
        return []
    return page.evaluate(OVERFLOWING) or ["(the page is wider than the phone)"]


def _png(path) -> None:
    """A real 8×8 PNG (RFC 2083): signature, IHDR, one IDAT of filtered red rows, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc0\x20\x20" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def _resident(page, site, name: str, phone: str) -> None:
    """Register a resident as the signed-in account's page preselects community and grid, as head of a
    household of their own."""
    rng = random.Random(phone)  # noqa: S311 - a distinct identity number per phone
    birth = f"19{rng.randint(30, 55)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    page.goto(site + "/residents/new/")
    page.fill("input[name=name]", name)
    page.fill("input[name=id_number]", id_number(rng.randint(0, 999), birth=birth))
    page.fill("input[name=phone]", phone)
    page.select_option("select[name=residence_type]", "registered")
    page.fill("input[name=street_address]", "办件路9号")
    page.fill("input[name=household_number]", f"BJ-{phone[-6:]}")
    page.fill("input[name=relation]", "户主")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(name)


def _file(page, site, *, channel: str, phone: str, proxy: bool) -> str:
    """File a case of 居家养老服务申请 for the resident with this phone; return its number."""
    page.goto(site + "/cases/new/")
    page.check(f"input[name=channel][value={channel}]")
    page.select_option("select[name=item]", "home_care_service")
    page.fill("input[name=q]", phone)
    page.click("button[name=step][value=search]")
    expect(page.locator("label.found-person")).to_have_count(1)
    page.check("input[name=applicant]")
    page.click("button[name=step][value=form]")
    expect(page.locator("select[name=v_service]")).to_be_visible()
    if proxy:
        # Without the consent the page does not post (the server refuses it too: test_staff_pages).
        page.select_option("select[name=v_service]", index=1)
        page.fill("input[name=v_wanted_on]", "2027-01-15")
        page.click("button[name=step][value=file]")
        assert page.locator("select[name=consent_method]").evaluate("e => e.validity.valueMissing")
        page.select_option("select[name=consent_method]", "in_person")
        page.fill("input[name=consent_note]", "本人在社区服务站当面同意")
        page.fill("input[name=proxy_reason]", "行动不便，不会使用手机")
    else:
        page.select_option("select[name=v_service]", index=1)
        page.fill("input[name=v_wanted_on]", "2027-01-15")
    page.click("button[name=step][value=file]")
    expect(page.locator(".messages")).to_contain_text("已提交")
    number = re.search(r"\b(\d{8}[0-9A-Z]{6})\b", page.locator("h1").inner_text())
    assert number, page.locator("h1").inner_text()
    return number.group(1)


def test_community_staff_file_for_a_resident_with_consent(site, browser):
    phone = f"139{random.randrange(10**8):08d}"  # noqa: S311 - a test phone
    staff = browser.new_page()
    watch = Watch(staff, site)
    sign_in(staff, site, "demo-community")
    _resident(staff, site, "代办居民", phone)
    number = _file(staff, site, channel="proxy", phone=phone, proxy=True)
    expect(staff.locator("dl.case-facts")).to_contain_text("社区代办")
    expect(staff.locator("dl.case-facts")).to_contain_text("当面口头同意")
    expect(staff.locator("dl.case-facts .applicant")).to_contain_text("代**民")
    expect(staff.locator("dl.case-facts .applicant")).not_to_contain_text("代办居民")
    staff.goto(site + "/cases/")
    expect(staff.locator(f"tr[data-case='{number}']")).to_contain_text("社区代办")
    watch.assert_clean()

    # The resident signs in to the portal with their phone and the code the development outbox shows.
    resident = browser.new_context(viewport=PHONE_SIZE)
    portal = resident.new_page()
    portal_watch = Watch(portal, site)
    portal.goto(site + "/portal/login/")
    portal.fill("input[name=phone]", phone)
    portal.click("main form button[type=submit]")
    expect(portal.locator("input[name=code]")).to_be_visible()
    outbox = resident.new_page()
    outbox.goto(site + "/outbox/dev/")
    masked = phone[:3] + "****" + phone[-4:]
    card = outbox.locator(".dev-sms .card", has_text=masked).filter(has_text="验证码").first
    code = re.search(r"验证码是 (\d{6})", card.locator(".sms-body").inner_text())
    assert code
    portal.fill("input[name=code]", code.group(1))
    portal.click("main form button[type=submit]")
    portal.goto(site + "/portal/cases/")
    expect(portal.locator("main")).to_contain_text(number)
    expect(portal.locator("main")).to_contain_text("社区代办")
    portal_watch.assert_clean()
    resident.close()


def test_door_to_door_on_the_grid_workers_phone(site, browser, tmp_path):
    phone = f"138{random.randrange(10**8):08d}"  # noqa: S311 - a test phone
    # The grid worker registers a resident of their grid (their page offers their own grid only).
    worker = browser.new_context(viewport=PHONE_SIZE).new_page()
    watch = Watch(worker, site)
    sign_in(worker, site, "demo-grid")
    _resident(worker, site, "上门居民", phone)

    staff = browser.new_page()
    sign_in(staff, site, "demo-community")
    number = _file(staff, site, channel="door", phone=phone, proxy=False)
    expect(staff.locator("dl.case-facts .handler")).to_contain_text("网格员")  # went to the grid's worker

    # On the worker's phone: the task list is cards, not a wide table.
    worker.goto(site + "/cases/?mine=on")
    card = worker.locator(f"tr[data-case='{number}']")
    expect(card).to_contain_text("网格内上门办")
    expect(card).to_contain_text("我")
    expect(worker.locator("table.cases thead")).to_be_hidden()
    assert _overflowing(worker) == []
    box = card.bounding_box()
    assert box is not None and box["width"] <= PHONE_SIZE["width"]
    card.locator("a").first.click()
    expect(worker.locator("h1")).to_contain_text(number)

    # The visit, with a photo taken on the phone.
    photo = tmp_path / "visit.png"
    _png(photo)
    worker.check("input[name=outcome][value=done]")
    worker.fill(".visit-form textarea[name=note]", "已上门核实，老人在家")
    worker.set_input_files(".visit-form input[name=photos]", str(photo))
    worker.click(".visit-form button[type=submit]")
    expect(worker.locator(".messages")).to_contain_text("上门情况已记录")
    expect(worker.locator("ol.timeline")).to_contain_text("已上门办理")
    expect(worker.locator("tr.other-file")).to_contain_text("visit.png")

    # And the case moves on: the grid worker accepts it.
    worker.click("form.action-accept button[type=submit]")
    expect(worker.locator("h1 .state")).to_contain_text("已受理")
    expect(worker.locator("ol.timeline")).to_contain_text("受理")
    assert _overflowing(worker) == []
    watch.assert_clean()


def test_the_figures_draw_their_charts_from_local_scripts(site, browser):
    page = browser.new_page(viewport=PHONE_SIZE)
    watch = Watch(page, site)
    sign_in(page, site, "demo-street")
    page.goto(site + "/cases/figures/")
    expect(page.locator("body")).to_have_attribute("data-charts", "2")  # ECharts ran under the CSP
    expect(page.locator("#chart-channels canvas")).to_have_count(1)
    total = int(page.locator("#fig-total").inner_text())
    assert total > 0  # the demo's cases
    page.locator("table.figures tbody tr a").first.click()  # drill down to a community
    expect(page.locator("h1")).to_contain_text("社区")
    assert int(page.locator("#fig-total").inner_text()) <= total
    watch.assert_clean()
