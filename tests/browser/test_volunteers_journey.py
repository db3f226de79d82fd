"""Mutual-aid care in a real browser: a resident of the demo community signs in to the portal with their
phone and registers as a volunteer, the community's staff confirm them and post a care task for an
elder, the volunteer sees the task without the elder's name, takes it (the name and address appear),
records it done, the staff confirm the hours, and the volunteer's time-bank balance shows them.

The volunteer and the elder are registered first by the demo community's staff, with numbers this test
knows."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.browser.test_edit_journeys import register
from tests.factories import id_number

pytestmark = pytest.mark.browser

PHONE = "13655509612"
PHONE_VIEWPORT = {"width": 375, "height": 812}
WEB = "/programmes/volunteers"


def _portal_sign_in(context, page, site, phone: str) -> None:
    page.goto(site + "/portal/login/")
    page.fill("input[name=phone]", phone)
    page.click("main form button[type=submit]")
    masked = phone[:3] + "****" + phone[-4:]
    expect(page.locator("p.ok")).to_contain_text(masked)
    outbox = context.new_page()
    outbox.goto(site + "/outbox/dev/")
    card = outbox.locator("li.card", has_text=masked).first
    code = re.search(r"(\d{6})", card.inner_text()).group(1)
    outbox.close()
    page.fill("input[name=code]", code)
    page.click("main form button.wide")


def test_a_resident_volunteers_takes_a_task_and_banks_the_hours(site, browser):
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff_watch = Watch(staff, site)
    sign_in(staff, site, "demo-community")
    register(staff, site, "互助志愿者", 961, phone=PHONE, room="961")
    register(staff, site, "互助老人", 962, id_number=id_number(962, birth="19440404"), room="962")

    resident_context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    page = resident_context.new_page()
    watch = Watch(page, site)
    _portal_sign_in(resident_context, page, site, PHONE)
    expect(page.locator("h1")).to_contain_text("互助志愿者")

    # Register as a volunteer: services offered, availability, consent.
    page.goto(site + WEB + "/portal/register/")
    page.check("input[name=service_types][value=companionship]")
    page.check("input[name=service_types][value=shopping]")
    page.fill("input[name=availability]", "周末全天")
    page.fill("input[name=skills]", "会开车")
    page.check("input[name=consent]")
    page.click("main form.register button[type=submit]")
    registration = page.locator("p.registration")
    expect(registration.locator(".state-pending")).to_have_count(1)
    volunteer_id = int(registration.get_attribute("data-volunteer"))

    # The community's staff confirm the registration from what waits for them.
    staff.goto(site + WEB + "/pending/")
    staff.click(f"li[data-volunteer='{volunteer_id}'] a")
    staff.click("form.decide button.confirm")
    expect(staff.locator("#volunteer-state .state-confirmed")).to_have_count(1)

    # ...and post a task for the elder (an hour ago: the help was just given).
    staff.goto(site + WEB + "/tasks/new/?q=互助老人")
    staff.select_option("select[name=elder]", label="互助老人")
    staff.select_option("select[name=service_type]", "companionship")
    started = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")) - datetime.timedelta(hours=1)
    staff.fill("input[name=starts_at]", started.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("input[name=duration_minutes]", "60")
    staff.fill("input[name=description]", "陪老人聊天")
    staff.click("main form.task-new button[type=submit]")
    expect(staff.locator("#task-state .state-open")).to_have_count(1)
    task_id = int(re.search(r"/tasks/(\d+)/$", staff.url).group(1))

    # The volunteer sees the task without the elder's name or address, takes it, then reads them.
    page.goto(site + WEB + "/portal/")
    tile = page.locator(f"ul.open-tasks a[data-task='{task_id}']")
    expect(tile).to_have_count(1)
    expect(tile).not_to_contain_text("互助老人")
    tile.click()
    expect(page.locator("#task-elder")).not_to_contain_text("互助老人")
    expect(page.locator("#task-place")).not_to_contain_text("浏览器路8号")
    page.click("button.take")
    expect(page.locator("#task-elder")).to_contain_text("互助老人")
    expect(page.locator("#task-place")).to_contain_text("浏览器路8号")
    page.fill("form.complete input[name=hours]", "1.5")
    page.click("form.complete button[type=submit]")
    expect(page.locator("#task-state .state-done")).to_have_count(1)

    # The staff confirm the hours; they are banked.
    staff.goto(f"{site}{WEB}/tasks/{task_id}/")
    staff.click("form.confirm button[type=submit]")
    staff.goto(f"{site}{WEB}/tasks/{task_id}/")
    expect(staff.locator("#task-state .state-confirmed")).to_have_count(1)

    page.goto(site + WEB + "/portal/")
    expect(page.locator(f"#balance-{volunteer_id}")).to_have_text("1.5")
    page.click(f"a[href='{WEB}/portal/account/{volunteer_id}/']")
    expect(page.locator("#balance")).to_have_text("1.5")
    expect(page.locator("table.ledger")).to_contain_text("+1.5")

    # The figures' chart draws from the local ECharts.
    staff.goto(site + WEB + "/figures/")
    expect(staff.locator("body[data-charts='1']")).to_have_count(1)
    watch.assert_clean()
    staff_watch.assert_clean()
    staff_context.close()
    resident_context.close()
