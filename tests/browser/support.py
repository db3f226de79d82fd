"""What the browser tests share: watching a page for requests that leave the site and console errors, and
signing in as a demo account."""

from __future__ import annotations

from shequ.demo.services import DEMO_PASSWORD


class Watch:
    """Collects requests that leave the site and console errors (CSP violations show up there)."""

    def __init__(self, page, site):
        self.foreign, self.errors = [], []
        page.on("request", lambda r: None if r.url.startswith(site) else self.foreign.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def assert_clean(self):
        assert self.foreign == []
        assert [e for e in self.errors if "404" not in e] == []


def sign_in(page, site, username):
    page.goto(site + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
