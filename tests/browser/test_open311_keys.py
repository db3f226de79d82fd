"""Open311 end to end on the demo site: the city administrator issues a key for 和平区 on a phone-sized
page (picking the district as one types), an outside client files a request with it and follows it, the
list shows the key's last use, and once revoked the key is refused."""

from __future__ import annotations

import json
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.browser.support import Watch, sign_in

PHONE = {"width": 375, "height": 740}
HEPING = {"lat": "41.75204", "long": "123.40134"}  # inside 和平区's outline


def _call(url: str, data: dict[str, str] | None = None) -> tuple[int, object]:
    request = Request(url, data=urlencode(data).encode() if data is not None else None)  # noqa: S310 - our site
    try:
        with urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_issue_use_and_revoke_a_key_on_a_phone(site, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-city")
    page.goto(site + "/cases/keys/new/")
    _fits(page)
    page.fill("input[name=name]", "12345热线（浏览器测试）")
    page.locator(".area-picker-box").first.fill("和平区")
    page.locator(".area-picker-list [role=option]").first.click()
    page.click("main button[type=submit]")
    key = page.text_content("[data-api-key]")
    assert key and "." in key
    _fits(page)

    status, body = _call(
        site + "/open311/v2/requests.json",
        {"api_key": key, "service_code": "street_light_out", "description": "路灯不亮", **HEPING},
    )
    assert status == 201, body
    number = body[0]["service_request_id"]  # type: ignore[index]
    status, body = _call(site + f"/open311/v2/requests/{number}.json?" + urlencode({"api_key": key}))
    assert status == 200 and body[0]["status"] == "open"  # type: ignore[index]

    page.goto(site + "/cases/keys/")
    _fits(page)
    row = page.locator("tr", has_text="12345热线（浏览器测试）")
    assert key.split(".")[0] in row.text_content()
    assert key.split(".")[1] not in page.content()
    assert "从未" not in row.text_content()  # used just now
    row.locator("button[type=submit]").click()
    page.wait_for_url(site + "/cases/keys/")
    assert "吊销" in page.locator("tr", has_text="12345热线（浏览器测试）").text_content()

    status, body = _call(
        site + "/open311/v2/requests.json",
        {"api_key": key, "service_code": "street_light_out", "description": "路灯不亮", **HEPING},
    )
    assert status == 403 and body[0]["code"] == 403  # type: ignore[index]
    watch.assert_clean()
    context.close()
