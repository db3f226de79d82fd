"""The online channel (线上办) in a real browser on a phone-sized page: a resident of the demo community
signs in with their phone and the code the development SMS outbox shows, applies with a real PDF, the
community's staff accept the case and list the missing materials at once, the resident adds them, the
staff approve and complete it, and the resident reads the timeline and rates it.

The resident is registered first by the demo community's staff (as any newcomer is), with a number this
test knows: the demo's own resident has a number drawn at load time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.browser.test_edit_journeys import register

pytestmark = pytest.mark.browser

PHONE = "13655501234"
PHONE_VIEWPORT = {"width": 375, "height": 812}


def minimal_pdf(text: str = "Shequ") -> bytes:
    """A small, valid one-page PDF (ISO 32000-1: header, objects, cross-reference table, trailer)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": minimal_pdf(name)}


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"], page.url


def _staff_act(page, site, case_id: int, action: str, materials: tuple[str, ...] = ()) -> None:
    page.goto(f"{site}/cases/{case_id}/")
    form = page.locator(f"form.action-{action}")
    for code in materials:
        form.locator(f"input[type=checkbox][value={code}]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".errors, .messages .error")).to_have_count(0)


def test_a_resident_applies_online_and_follows_the_case_to_its_rating(site, browser):
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff_watch = Watch(staff, site)
    sign_in(staff, site, "demo-community")
    register(staff, site, "线上办居民", 931, phone=PHONE, room="931")

    resident_context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    page = resident_context.new_page()
    watch = Watch(page, site)
    page.goto(site + "/portal/login/")
    _fits_the_phone(page)
    page.fill("input[name=phone]", PHONE)
    page.click("main form button[type=submit]")
    expect(page.locator("p.ok")).to_contain_text("136****1234")
    # The development SMS outbox (console sender, not production) shows the code, the phone masked.
    outbox = resident_context.new_page()
    outbox.goto(site + "/outbox/dev/")
    card = outbox.locator("li.card", has_text="136****1234").first
    code = re.search(r"验证码是 (\d{6})", card.inner_text()).group(1)
    outbox.close()
    page.fill("input[name=code]", code)
    page.click("main form button.wide")
    expect(page.locator("h1")).to_contain_text("线上办居民")

    # Apply: the catalogue by department, the item's typed form, a real PDF for one material.
    page.click("main a[href='/portal/cases/items/']")
    _fits_the_phone(page)
    page.click("a[href='/portal/cases/apply/resident_medical_insurance/']")
    expect(page.locator("h1")).to_have_text("城乡居民医保参保")
    page.select_option("select[name=insured_group]", index=1)
    page.set_input_files("input[name=id_card]", files=[_pdf("身份证.pdf")])
    _fits_the_phone(page)
    page.click("main form button.wide")
    expect(page.locator("#case-state")).to_have_text("已提交")
    case_id = int(re.search(r"/portal/cases/(\d+)/$", page.url).group(1))
    expect(page.locator(".files")).to_contain_text("身份证.pdf")

    # Staff accept and list every missing material at once.
    _staff_act(staff, site, case_id, "accept")
    _staff_act(staff, site, case_id, "request_materials", ("hukou", "residence_permit"))

    # The resident sees the list, adds both files and says so.
    page.click("nav a[href='/portal/cases/']")
    tile = page.locator(f"a.tile[href='/portal/cases/{case_id}/']")
    expect(tile).to_contain_text("待补材料")
    tile.click()
    notice = page.locator("#missing-materials")
    expect(notice).to_contain_text("居民户口簿")
    expect(notice).to_contain_text("居住证")
    _fits_the_phone(page)
    for code_, name in (("hukou", "户口簿.pdf"), ("residence_permit", "居住证.pdf")):
        page.set_input_files(f"#missing-{code_}", files=[_pdf(name)])
        page.locator("form.inline-upload", has=page.locator(f"#missing-{code_}")).locator("button").click()
        expect(page.locator(".messages")).to_contain_text("文件已上传")
    expect(notice.locator(".given")).to_have_count(2)
    notice.locator("button.wide").click()
    expect(page.locator("#case-state")).to_have_text("已受理")

    # Staff approve and complete.
    _staff_act(staff, site, case_id, "approve")
    _staff_act(staff, site, case_id, "complete")

    # The resident reads the timeline and rates the service.
    page.reload()
    expect(page.locator("#case-state")).to_have_text("已办结")
    timeline = page.locator("ol.timeline")
    for step in ("申请已提交", "已受理", "一次性告知需补充的材料", "已补充材料", "已办结"):
        expect(timeline).to_contain_text(step)
    page.locator("#rate input[name=level][value='5']").check()
    page.click("#rate button.wide")
    expect(page.locator(".messages")).to_contain_text("感谢您的评价")
    expect(page.locator("#rate")).to_have_count(0)
    _fits_the_phone(page)
    watch.assert_clean()
    staff_watch.assert_clean()
    resident_context.close()
    staff_context.close()
