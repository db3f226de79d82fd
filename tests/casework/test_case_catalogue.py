"""The service catalogue (R7): the seed, versions kept with the cases filed under them, bad form specs
refused with messages that name the entry, and the catalogue's pages (every staff role reads them; only
the city administrator edits)."""

from __future__ import annotations

import json

import pytest
from casework_support import make_household, residence_form
from django.core.exceptions import ValidationError
from django.utils import translation

from shequ.audit.models import AuditEvent
from shequ.casework import services
from shequ.casework.catalogue import SEED_PATH, catalogue_load, item_create, item_update
from shequ.casework.models import ServiceItem, ServiceItemVersion

pytestmark = pytest.mark.django_db

SEED = json.loads(SEED_PATH.read_text(encoding="utf-8"))


def test_the_seed_is_loaded_once(world, user_of):
    assert 20 <= len(SEED) <= 40  # "about twenty items" and the place items of Open311
    codes = {row["code"] for row in SEED}
    assert codes <= set(ServiceItem.objects.values_list("code", flat=True))
    assert ServiceItemVersion.objects.filter(item__code__in=codes, version=1).count() == len(codes)
    for row in SEED[:3]:
        item = ServiceItem.objects.get(code=row["code"])
        assert (item.name, item.time_limit, item.version) == (row["name"], row["time_limit"], 1)
    assert catalogue_load(actor=None) == 0  # a second load adds nothing and overwrites nothing


def test_an_edit_is_a_new_version_and_a_case_keeps_its_own(world, user_of):
    admin = user_of("city_admin")
    person = make_household(world.grid_a1, world.community_a, number="831").applicant
    filing = services.Filing(item_code="residence_certificate", applicant_id=person.pk, form=residence_form(person))
    before = services.case_file(actor=user_of("resident"), channel="online", filing=filing)
    item = item_update(actor=admin, code="residence_certificate", time_limit=5, name="居住证明（新）")
    assert item.version == 2
    assert AuditEvent.objects.filter(action="casework.item_update", object_id=str(item.pk)).count() == 1
    before.refresh_from_db()
    assert before.item_version.version == 1
    assert before.item_version.snapshot["time_limit"] == 3 and before.time_limit == 3
    services.case_act(actor=user_of("resident"), case_id=before.pk, action="withdraw")
    after = services.case_file(actor=user_of("resident"), channel="online", filing=filing)
    assert after.item_version.version == 2 and after.time_limit == 5
    # Saving the same content again makes no version.
    assert item_update(actor=admin, code="residence_certificate", time_limit=5).version == 2
    # Only the city administrator edits.
    with pytest.raises(Exception) as refused:
        item_update(actor=user_of("community_staff"), code="residence_certificate", time_limit=9)
    assert refused.type.__name__ in {"CapabilityMissing", "PermissionDenied", "Http404"}


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ([{"name": "Bad Name", "label": "甲", "type": "text"}], "Bad Name"),
        ([{"name": "a", "label": "甲", "type": "text"}, {"name": "a", "label": "乙", "type": "text"}], "a"),
        ([{"name": "a", "label": "", "type": "text"}], "2"),  # names the entry
        ([{"name": "a", "label": "甲", "type": "colour"}], "colour"),
        ([{"name": "a", "label": "甲", "type": "choice", "choices": []}], "1"),
        ([{"name": "a", "label": "甲", "type": "text", "choices": ["x"]}], "1"),
        ("not a list", ""),
    ],
)
def test_bad_form_specs_are_refused_with_a_message(world, user_of, form, says):
    if says == "2":
        form = [{"name": "ok", "label": "好", "type": "text"}, *form]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        item_update(actor=user_of("city_admin"), code="residence_certificate", form=form)
    messages = refused.value.message_dict["form"]
    assert messages and all(m.strip() for m in messages)
    assert says in messages[0]
    assert ServiceItem.objects.get(code="residence_certificate").version == 1


def test_a_new_item_is_checked_whole(world, user_of):
    admin = user_of("city_admin")
    with pytest.raises(ValidationError) as refused:
        item_create(actor=admin, code="new", name="", department="", time_limit=0, channels=[])
    assert {"code"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        item_create(actor=admin, code="x_item", name="", department="", time_limit=0, channels=[])
    assert {"name", "department", "time_limit", "channels"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        item_create(
            actor=admin, code="residence_certificate", name="甲", department="乙", time_limit=1, channels=["online"]
        )
    assert "code" in refused.value.message_dict
    item = item_create(
        actor=admin, code="x_item", name="测试", department="社区", time_limit=2, channels=["door", "online"]
    )
    assert (item.version, item.channels) == (1, ["online", "door"])


# --- pages ----------------------------------------------------------------------------------------------


def test_every_staff_role_reads_the_catalogue(client_of):
    for key in ("grid_worker", "community_staff", "street_officer", "city_admin"):
        client = client_of(key)
        listing = client.get("/cases/catalogue/")
        assert listing.status_code == 200
        assert "居住证明" in listing.content.decode()
        assert client.get("/cases/catalogue/residence_certificate/").status_code == 200
    assert client_of(None).get("/cases/catalogue/").status_code == 302  # to sign-in
    assert client_of("resident").get("/cases/catalogue/").status_code in (403, 404)
    assert client_of("grid_worker").get("/cases/catalogue/no_such_item/").status_code == 404


def test_only_the_city_administrator_edits_on_the_pages(client_of):
    for key in ("grid_worker", "community_staff", "street_officer", "auditor"):
        client = client_of(key)
        assert client.get("/cases/catalogue/new/").status_code in (403, 404)
        assert client.get("/cases/catalogue/residence_certificate/edit/").status_code in (403, 404)
        assert client.post("/cases/catalogue/residence_certificate/edit/", {"name": "x"}).status_code in (403, 404)
    admin = client_of("city_admin")
    assert admin.get("/cases/catalogue/new/").status_code == 200
    page = admin.get("/cases/catalogue/residence_certificate/edit/")
    assert page.status_code == 200
    assert ServiceItem.objects.get(code="residence_certificate").version == 1


def _edit_post(**overrides):
    data = {
        "name": "居住证明",
        "department": "社区居委会",
        "time_limit": "4",
        "time_limit_unit": "working_days",
        "channels": ["online", "proxy"],
        "one_open_per_applicant": "on",
        "is_active": "on",
        "form": "applicant|申请人|household_member|必填\npurpose|用途|choice|必填|入学,就业",
        "materials": "id_card|身份证|必填",
    }
    data.update(overrides)
    return data


def test_the_administrator_saves_a_new_version_on_the_page(client_of):
    admin = client_of("city_admin")
    response = admin.post("/cases/catalogue/residence_certificate/edit/", _edit_post(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="residence_certificate")
    assert (item.version, item.time_limit) == (2, 4)
    assert [f["name"] for f in item.form] == ["applicant", "purpose"]
    assert item.form[1]["choices"] == ["入学", "就业"]


def test_a_bad_line_is_named_and_nothing_is_saved(client_of):
    admin = client_of("city_admin")
    bad = _edit_post(form="applicant|申请人|household_member|必填\npurpose|用途|colour|必填")
    response = admin.post("/cases/catalogue/residence_certificate/edit/", bad, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "colour" in page and "2" in page
    assert ServiceItem.objects.get(code="residence_certificate").version == 1
    response = admin.post(
        "/cases/catalogue/residence_certificate/edit/", _edit_post(time_limit="0"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert ServiceItem.objects.get(code="residence_certificate").version == 1


def test_the_administrator_adds_an_item_on_the_page(client_of):
    admin = client_of("city_admin")
    response = admin.post("/cases/catalogue/new/", _edit_post(code="community_notice", name="社区公示"))
    assert response.status_code == 302
    assert response.url.endswith("/cases/catalogue/community_notice/")
    assert ServiceItem.objects.get(code="community_notice").versions.count() == 1
