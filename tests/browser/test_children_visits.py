"""Children in difficulty in Chromium, on the demo site (tests/browser/conftest.py): the street officer sees
the left-behind children lacking a visit this month, and a carer records one of those visits on a phone;
the child then leaves the list. Expected rows are read from the site's database file with SQL, not from
the code under test."""

from __future__ import annotations

import datetime
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def children_db(site, tmp_path_factory):
    """The demo site's database, read-only (its demo holds the children's: ``load_demo`` loads the
    programmes)."""
    path = next(tmp_path_factory.getbasetemp().glob("browser-site*/site.sqlite3"))
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield db
    db.close()


def _lacking(db) -> dict[str, str | None]:
    """Left-behind children under demo-street not visited since the first of this month: name -> carer's
    display name (None: not enrolled)."""
    street = db.execute(
        "SELECT a.path FROM areas_area a JOIN accounts_grant g ON g.area_id = a.id JOIN accounts_user u "
        "ON g.user_id = u.id WHERE u.username = 'demo-street'"
    ).fetchone()[0]
    today = datetime.date.today()
    month = today.replace(day=1).isoformat()
    adult = today.replace(year=today.year - 18).isoformat()
    rows = db.execute(
        "SELECT p.name, (SELECT u.display_name FROM programmes_enrolment e JOIN programmes_programme pr ON "
        "e.programme_id = pr.id LEFT JOIN accounts_user u ON e.carer_id = u.id WHERE e.person_id = p.id AND "
        "pr.code = 'child_care' AND e.state = 'active'), (SELECT max(v.done_at) FROM programmes_visit v JOIN "
        "programmes_enrolment e ON v.enrolment_id = e.id WHERE e.person_id = p.id) FROM residents_person p "
        "JOIN areas_area a ON p.area_id = a.id JOIN residents_persontag t ON t.person_id = p.id JOIN "
        "reference_tagtype tt ON t.tag_id = tt.id WHERE tt.code = 'left_behind_child' AND a.path LIKE ? "
        "AND p.status = 'active' AND p.birth_date > ?",
        [street + "%", adult],
    ).fetchall()
    return {name: carer for name, carer, last in rows if last is None or last[:10] < month}


def test_street_officer_sees_children_lacking_a_visit_and_a_carer_records_one(site, browser, children_db):
    expected = _lacking(children_db)
    assert expected, "the demo has left-behind children not visited this month"
    officer = browser.new_context()
    page = officer.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-street")
    page.goto(site + "/programmes/children/lacking-visits/")
    rows = page.locator("#lacking tr.lacking-row")
    expect(rows).to_have_count(len(expected))
    shown = {rows.nth(i).locator("td").first.inner_text().split()[0] for i in range(len(expected))}
    assert shown == set(expected)
    page.goto(site + "/programmes/children/")  # the street's figures: stations, places, care coverage
    expect(page.locator("body")).to_have_attribute("data-charts", "3")
    watch.assert_clean()

    name, carer_name = next((n, c) for n, c in sorted(expected.items()) if c)
    carer = children_db.execute("SELECT username FROM accounts_user WHERE display_name = ?", [carer_name]).fetchone()[0]
    phone = browser.new_context(viewport=PHONE)
    mobile = phone.new_page()
    watch = Watch(mobile, site)
    sign_in(mobile, site, carer)
    mobile.goto(site + "/programmes/children/visits/")
    row = mobile.locator("#my-visits tr.visit-row", has_text=name)
    row.locator("a.record").click()
    expect(mobile.locator("h1")).to_contain_text(name)
    mobile.select_option("select[name=outcome]", "met")
    mobile.fill("textarea[name=note]", "浏览器测试：已上门探访")
    mobile.locator("form.visit-form button[type=submit]").click()
    expect(mobile).to_have_url(re.compile(r"/programmes/children/visits/$"))  # back on the carer's list
    watch.assert_clean()
    phone.close()

    page.goto(site + "/programmes/children/lacking-visits/")
    expect(page.locator("#lacking tr.lacking-row")).to_have_count(len(expected) - 1)
    expect(page.locator("#lacking")).not_to_contain_text(name)
    officer.close()
