"""Exact lookups by identity number or phone are limited per account and audited by their blind index.

A masked phone (138****5678) leaves 10,000 candidates: trying them through the exact search must hit the
limit long before the end, leave a trace per attempt and put one alert before the auditors.
"""

import datetime
import io
import re
from collections import Counter
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from shequ.audit.models import Alert, AuditEvent
from shequ.privacy.lookups import identifier_lookup

pytestmark = pytest.mark.django_db


def test_lookups_past_the_limit_are_refused_with_one_alert(world, user_of, settings):
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 3
    worker, other = user_of("grid_worker"), user_of("grid_worker_b")
    for n in range(3):
        identifier_lookup(actor=worker, purpose="residents.search", index=f"{n:064x}")
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            identifier_lookup(actor=worker, purpose="residents.search", index="f" * 64)
        assert "3" in refused.value.messages[0]
    # Another account keeps its own allowance.
    identifier_lookup(actor=other, purpose="residents.search", index="e" * 64)
    events = AuditEvent.objects.filter(actor=worker, action__startswith="privacy.lookup")
    assert [e.action for e in events.order_by("id")] == ["privacy.lookup"] * 3 + ["privacy.lookup_refused"] * 2
    assert events.first().data == {"purpose": "residents.search", "index": "0" * 64}
    # Filed under the grid worker's grid, so the auditors of that area see it.
    assert events.first().area_path == world.grid_a1.path
    alerts = Alert.objects.filter(kind=Alert.Kind.LOOKUP_LIMIT)
    assert [a.actor_id for a in alerts] == [worker.pk]


def test_the_allowance_comes_back_after_an_hour(world, user_of, settings):
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 1
    worker = user_of("grid_worker")
    identifier_lookup(actor=worker, purpose="residents.search", index="a" * 64)
    with pytest.raises(ValidationError):
        identifier_lookup(actor=worker, purpose="residents.search", index="b" * 64)
    # Events are append-only: age the clock instead of the events.
    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        identifier_lookup(actor=worker, purpose="residents.search", index="c" * 64)


# --- through the API and the pages ---------------------------------------------------------------


@pytest.fixture
def person(world):
    from shequ.residents.models import Person

    return Person.objects.get(name="甲")  # the world's resident of grid A1


def test_api_refuses_identifiers_in_the_query_string(world, client_of, person):
    client = client_of("grid_worker")
    for q in (person.id_number, person.phone, "138 0000 1010", person.id_number[:10]):
        answer = client.get("/api/residents", {"q": q})
        assert answer.status_code == 400, q
        assert "/api/residents/lookup" in answer.json()["detail"] and q not in answer.content.decode()
    # Names and addresses still search by GET.
    assert [r["name"] for r in client.get("/api/residents", {"q": "甲"}).json()["items"]] == ["甲"]
    assert not AuditEvent.objects.filter(action__startswith="privacy.lookup").exists()


def test_api_lookup_finds_masked_and_is_audited_by_blind_index(world, client_of, user_of, person):
    client = client_of("grid_worker")
    found = client.post("/api/residents/lookup", {"id_number": person.id_number}, content_type="application/json")
    assert found.status_code == 200
    (row,) = found.json()
    assert row["name"] == "甲" and row["id_number_masked"] == "*" * 14 + person.id_number[-4:]
    assert "birth_date" not in row and row["age"] >= 60  # the fixture's 甲 was born in 1960
    by_phone = client.post("/api/residents/lookup", {"phone": person.phone}, content_type="application/json")
    assert [r["name"] for r in by_phone.json()] == ["甲"]
    events = AuditEvent.objects.filter(action="privacy.lookup", actor=user_of("grid_worker")).order_by("id")
    assert [e.data["index"] for e in events] == [person.id_number_index, person.phone_index]
    trail = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert person.id_number not in trail and person.phone not in trail
    # Bad input names its field; nobody in reach is a 404 (the neighbouring grid's worker).
    bad = client.post("/api/residents/lookup", {"id_number": "21010219480312002X"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "id_number"
    both = client.post("/api/residents/lookup", {}, content_type="application/json")
    assert both.status_code == 422
    elsewhere = client_of("grid_worker_b").post(
        "/api/residents/lookup", {"id_number": person.id_number}, content_type="application/json"
    )
    assert elsewhere.status_code == 404


def test_trying_the_candidates_of_a_masked_phone_hits_the_limit(world, client_of, user_of, person, settings):
    """The attack of the finding: 138****5678 has 10,000 candidates; try them one after another."""
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 60
    client = client_of("grid_worker")
    masked = person.phone[:3] + "****" + person.phone[-4:]
    statuses = Counter()
    for n in range(100, 170):  # 138 0000 1010, the real one, is tried last
        candidate = masked.replace("****", f"{n:04d}")
        answer = client.post("/api/residents/lookup", {"phone": candidate}, content_type="application/json")
        statuses[answer.status_code] += 1
    assert statuses == {404: 60, 429: 10}
    refused = client.post("/api/residents/lookup", {"phone": person.phone}, content_type="application/json")
    assert refused.status_code == 429 and "60" in refused.json()["detail"]
    worker = user_of("grid_worker")
    assert AuditEvent.objects.filter(action="privacy.lookup", actor=worker).count() == 60
    assert AuditEvent.objects.filter(action="privacy.lookup_refused", actor=worker).count() == 11
    assert Alert.objects.filter(kind=Alert.Kind.LOOKUP_LIMIT, actor=worker).count() == 1


def test_the_page_searches_identifiers_by_post_only(world, client_of, person, settings):
    client = client_of("grid_worker")
    # By GET: not searched, not echoed, the page says to use the search box.
    refused = client.get("/residents/", {"q": person.id_number})
    assert refused.status_code == 302 and person.id_number not in refused["Location"]
    page = client.get(refused["Location"]).content.decode()
    assert person.id_number not in page and ("search box" in page or "搜索框" in page)
    assert not AuditEvent.objects.filter(action="privacy.lookup").exists()
    # By POST: found, counted; the pager and the export carry the query in the form, not the address.
    found = client.post("/residents/", {"q": person.id_number})
    html = found.content.decode()
    assert found.status_code == 200 and "甲" in html
    assert AuditEvent.objects.filter(action="privacy.lookup").count() == 1
    assert not re.search(r'(action|href)="[^"]*' + person.id_number, html)
    export = client.post("/residents/export/", {"q": person.id_number, "reason": ""})
    names = [row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["甲"]
    # Past the limit: the form says so, nothing is listed.
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 2
    refused = client.post("/residents/", {"q": person.phone}).content.decode()
    assert "甲" not in refused.split("<table", 1)[1] and ("auditors" in refused or "审计" in refused)


def test_signing_in_from_an_address_with_an_identifier_drops_it(world, client, person):
    answer = client.get("/residents/", {"q": person.id_number})
    assert answer.status_code == 302 and person.id_number not in answer["Location"]
    assert person.id_number not in client.get(answer["Location"]).content.decode()


def test_trying_the_candidates_of_a_masked_number_within_the_allowance_alerts(world, client_of, user_of, person):
    """The region guessed from where 甲 lives leaves a few dozen candidates for the masked number: fewer
    than the allowance, but each wrong one finds nobody, and a run of those alerts the auditors."""
    from tests.factories import id_number

    client = client_of("grid_worker")
    region, birth = person.id_number[:6], person.id_number[6:14]
    candidates = [id_number(order, birth=birth, region=region) for order in range(900, 920)]
    candidates = [c for c in candidates if c != person.id_number][:12]
    for candidate in candidates:
        answer = client.post("/api/residents/lookup", {"id_number": candidate}, content_type="application/json")
        assert answer.status_code == 404
    worker = user_of("grid_worker")
    alerts = Alert.objects.filter(kind=Alert.Kind.LOOKUP_MISSES, actor=worker)
    assert alerts.count() == 1 and alerts.get().data["misses"] == 10
    found = client.post("/api/residents/lookup", {"id_number": person.id_number}, content_type="application/json")
    assert found.status_code == 200
    assert alerts.count() == 1  # once an hour
    assert not Alert.objects.filter(kind=Alert.Kind.LOOKUP_LIMIT).exists()
