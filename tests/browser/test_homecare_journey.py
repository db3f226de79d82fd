"""Government-bought home care in a real browser: the city's administrator registers a provider (a
legal entity the demo has not made one) and links the demo provider's account; community staff register
an elder of 86 and apply for home care by proxy, and approving the application enrols her; her family
(the phone she is registered with) asks for a visit from the portal on a phone; staff offer it to the
providers; the provider's worker, on a phone with the position granted (Playwright's geolocation),
accepts it, checks in and checks out; the family rates the visit."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import id_number

pytestmark = pytest.mark.browser

PHONE = "13655508080"
PHONE_VIEWPORT = {"width": 375, "height": 812}
HOME = "/programmes/homecare"
POSITION = {"longitude": 123.4315, "latitude": 41.7886}


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"], page.url


def _no_error(page) -> None:
    expect(page.locator(".messages .error")).to_have_count(0)


def _register_elder(page, site) -> None:
    page.goto(site + "/residents/new/")
    page.fill("input[name=name]", "居家养老测试老人")
    page.fill("input[name=id_number]", id_number(808, birth="19400303"))
    page.select_option("select[name=residence_type]", "registered")
    page.fill("input[name=street_address]", "浏览器路80号")
    page.fill("input[name=phone]", PHONE)
    page.fill("input[name=room]", "808")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("居家养老测试老人")


def _case_act(page, site, case_id: int, action: str) -> None:
    page.goto(f"{site}/cases/{case_id}/")
    page.locator(f"form.action-{action} button[type=submit]").click()
    _no_error(page)


def _portal_sign_in(context, site):
    page = context.new_page()
    page.goto(site + "/portal/login/")
    page.fill("input[name=phone]", PHONE)
    page.click("main form button[type=submit]")
    outbox = context.new_page()
    outbox.goto(site + "/outbox/dev/")
    card = outbox.locator("li.card", has_text="136****8080").first
    code = re.search(r"(\d{6})", card.inner_text()).group(1)
    outbox.close()
    page.fill("input[name=code]", code)
    page.click("main form button.wide")
    return page


def test_a_home_care_visit_from_request_to_rating(site, browser):
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = desk.new_page()
    admin_watch = Watch(admin, site)

    # The city registers a provider serving the whole city, and makes the demo provider its staff. The
    # demo already registers some legal entities as providers: the city picks one that is not yet.
    sign_in(admin, site, "demo-city")
    admin.goto(site + HOME + "/providers/")
    registered = {name.strip() for name in admin.locator("table.providers tbody tr td:first-child").all_inner_texts()}
    register = admin.locator("form[action$='/providers/new/']")
    unregistered = [
        option
        for option in register.locator("select[name=entity] option").all()
        if option.inner_text().strip() not in registered
    ]
    assert unregistered, "every legal entity is already a provider: nothing to register"
    entity = unregistered[0].inner_text().strip()
    register.locator("select[name=entity]").select_option(value=unregistered[0].get_attribute("value"))
    register.locator("input[name=areas]").fill("210100000000")
    register.locator("input[name=service_types][value=meal]").check()
    register.locator("button[type=submit]").click()
    _no_error(admin)
    expect(admin.locator("table.providers")).to_contain_text(entity)
    link = admin.locator("form[action$='/providers/accounts/']")
    link.locator("input[name=username]").fill("demo-provider")
    link.locator("select[name=entity]").select_option(label=entity)
    link.locator("button[type=submit]").click()
    _no_error(admin)
    expect(admin.locator("main")).to_contain_text("demo-provider")

    # Community staff register the elder and apply for her by proxy; approving enrols her.
    staff = desk.new_page()
    staff_watch = Watch(staff, site)
    sign_in(staff, site, "demo-community")
    _register_elder(staff, site)
    staff.goto(site + HOME + "/applications/")
    row = staff.locator("table.candidates tr", has_text="居家养老测试老人")
    row.locator("input[name=proxy_reason]").fill("行动不便，家属在外地")
    row.locator("button[type=submit]").click()
    _no_error(staff)
    case_id = int(re.search(r"/cases/(\d+)/$", staff.url).group(1))  # the application's case page
    _case_act(staff, site, case_id, "accept")
    _case_act(staff, site, case_id, "approve")

    # The family asks for a visit from the portal on a phone.
    family_context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    family = _portal_sign_in(family_context, site)
    family_watch = Watch(family, site)
    family.goto(site + HOME + "/my/")
    _fits_the_phone(family)
    expect(family.locator("p.hours")).to_be_visible()
    family.locator("details.request summary").click()
    start = (datetime.datetime.now() + datetime.timedelta(days=1)).replace(hour=9, minute=0)
    family.fill("details.request input[name=scheduled_start]", start.strftime("%Y-%m-%dT%H:%M"))
    family.fill("details.request input[name=planned_minutes]", "60")
    family.locator("details.request button[type=submit]").click()
    _no_error(family)
    order_row = family.locator("li.order").first
    order_id = int(order_row.get_attribute("data-order"))

    # Staff offer it to the providers that serve her address and offer the service.
    staff.goto(f"{site}{HOME}/orders/{order_id}/")
    staff.locator(f"form[action$='/orders/{order_id}/dispatch/'] button").click()
    _no_error(staff)
    expect(staff.locator("ul.offers")).to_contain_text(entity)

    # The provider's worker, on a phone that gives its position: accept, check in, check out.
    phone_context = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, geolocation=POSITION, permissions=["geolocation"]
    )
    phone = phone_context.new_page()
    phone_watch = Watch(phone, site)
    sign_in(phone, site, "demo-provider")
    phone.goto(site + HOME + "/phone/")
    _fits_the_phone(phone)
    phone.locator(f"ul.offered li[data-order='{order_id}'] button.accept").click()
    _no_error(phone)
    card = phone.locator(f"ul.mine li[data-order='{order_id}']")
    card.locator("button.checkin").click()
    _no_error(phone)
    expect(card.locator("button.checkin")).to_have_count(0)
    card.locator("button.checkout").click()
    _no_error(phone)
    expect(phone.locator(f"ul.mine li[data-order='{order_id}']")).to_have_count(0)
    _fits_the_phone(phone)

    staff.goto(f"{site}{HOME}/orders/{order_id}/")
    expect(staff.locator("#order-state")).to_have_text(re.compile("Done|完成"))
    expect(staff.locator("#checkin-position")).to_contain_text("123.4315")
    # The street's figures: its communities' coverage this month drawn by the local ECharts.
    street = desk.new_page()
    street_watch = Watch(street, site)
    sign_in(street, site, "demo-street")
    street.goto(site + HOME + "/figures/")
    expect(street.locator("[data-chart=homecare-coverage] canvas")).to_have_count(1)
    expect(street.locator("body")).to_have_attribute("data-charts", "1")
    expect(street.locator("#fig-covered")).not_to_have_text(re.compile(r"^0 /"))

    # The family rates the visit.
    family.goto(site + HOME + "/my/")
    rate = family.locator(f"li.order[data-order='{order_id}'] form.rate")
    rate.locator("select[name=level]").select_option("5")
    rate.locator("input[name=reason]").fill("准时，服务周到")
    rate.locator("button[type=submit]").click()
    _no_error(family)
    expect(family.locator(f"li.order[data-order='{order_id}'] form.rate")).to_have_count(0)
    expect(family.locator(f"li.order[data-order='{order_id}']")).to_contain_text("5")
    _fits_the_phone(family)
    for watch in (admin_watch, staff_watch, family_watch, phone_watch, street_watch):
        watch.assert_clean()
    for context in (desk, family_context, phone_context):
        context.close()
