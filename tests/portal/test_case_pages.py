"""The residents' case pages: the items offered online, applying (good and bad values, a bad file, a
refused duplicate), one's cases (also those staff filed), a case's timeline, the missing materials,
rating, downloads; another resident's case is a 404."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.audit.models import AuditEvent
from shequ.casework.models import Attachment, Case, CaseState, ChannelChoice, Rating
from shequ.casework.services import Filing, case_act, case_file
from tests.portal.conftest import portal_sign_in, tiny_png

pytestmark = pytest.mark.django_db

CERTIFICATE = {"purpose": "子女入学", "since": "2015-06-01", "note": "学校要求"}


@pytest.fixture
def mother(family):
    client = Client()
    portal_sign_in(client, "13700000001")
    return client


@pytest.fixture
def case_files(settings, tmp_path):
    settings.SHEQU_CASE_FILES_DIR = tmp_path / "case-files"
    return settings.SHEQU_CASE_FILES_DIR


def _apply(client, family, code="residence_certificate", values=None, **files):
    data = {"person": family["mother"].pk, "applicant": family["mother"].pk, **(values or CERTIFICATE)}
    return client.post(f"/portal/cases/apply/{code}/", {**data, **files})


def _png(name="id.png"):
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def test_the_items_offered_online_by_department(mother):
    page = mother.get("/portal/cases/items/").content.decode()
    assert "居住证明" in page and "社区居委会" in page and "申请人居民身份证" in page
    assert "路灯不亮" not in page  # about a place: reported through Open311


def test_the_apply_page_shows_the_typed_form_with_the_household(mother, family):
    page = mother.get("/portal/cases/apply/residence_certificate/").content.decode()
    assert 'type="date"' in page and "子女入学" in page
    assert "王强" in page and "王秀英" in page  # the household, for the 本户成员 field
    assert "李梅" not in page
    assert 'type="file"' in page


def test_apply_with_a_file_files_the_case_online(mother, family, case_files):
    response = _apply(mother, family, id_card=_png())
    case = Case.objects.get(applicant=family["mother"])
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{case.pk}/"
    assert case.channel == ChannelChoice.ONLINE and case.state == CaseState.SUBMITTED
    assert json.loads(case.form_data) == {**CERTIFICATE, "applicant": family["mother"].pk}
    attachment = Attachment.objects.get(case=case)
    assert attachment.material == "id_card" and attachment.content_type == "image/png"
    page = mother.get(response["Location"]).content.decode()
    assert case.number in page and "已提交" in page and "id.png" in page
    download = mother.get(f"/portal/cases/{case.pk}/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == tiny_png()
    assert AuditEvent.objects.filter(action="casework.attachment_download", object_id=str(case.pk)).exists()


def test_wrong_values_are_named_in_chinese_and_nothing_is_filed(mother, family, case_files):
    response = _apply(mother, family, values={"purpose": "买房", "since": "2015-13-40"}, id_card=_png())
    page = response.content.decode()
    assert response.status_code == 200
    assert "证明用途" in page and "在本社区居住起始日期" in page and "YYYY-MM-DD" in page
    assert not Case.objects.exists() and not Attachment.objects.exists()
    response = _apply(mother, family, values={"purpose": "", "since": ""})
    page = response.content.decode()
    assert "证明用途：此项必填" in page and "证明用途：证明用途" not in page
    assert not Case.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_refused(mother, family, case_files):
    fake = SimpleUploadedFile("id.png", b"MZ\x90\x00 not an image at all", content_type="image/png")
    response = _apply(mother, family, id_card=fake)
    page = response.content.decode()
    assert response.status_code == 200 and "申请人居民身份证" in page and "PDF、JPEG" in page
    assert not Case.objects.exists()
    assert not case_files.exists() or not any(case_files.iterdir())


def test_a_second_open_case_of_the_same_item_is_refused(mother, family, case_files):
    _apply(mother, family)
    response = _apply(mother, family)
    assert response.status_code == 200
    assert "已有一件在办的" in response.content.decode()
    assert Case.objects.count() == 1
    # An item that allows many open cases files them.
    values = {"service": "助餐", "wanted_on": "2026-12-20"}
    assert _apply(mother, family, code="home_care_service", values=values).status_code == 302
    assert _apply(mother, family, code="home_care_service", values=values).status_code == 302


def test_my_cases_include_the_ones_staff_filed_by_proxy(mother, family, user_of):
    proxy = case_file(
        actor=user_of("community_staff"),
        channel=ChannelChoice.PROXY,
        filing=Filing(
            item_code="senior_allowance",
            applicant_id=family["mother"].pk,
            form={"applicant": family["mother"].pk, "account_type": "银行卡", "account_last4": "1234"},
        ),
        consent_method="in_person",
        proxy_reason="行动不便",
    )
    page = mother.get("/portal/cases/").content.decode()
    assert proxy.number in page and "高龄津贴" in page and "社区代办" in page
    assert mother.get(f"/portal/cases/{proxy.pk}/").status_code == 200


def test_the_missing_materials_are_listed_added_and_supplied(mother, family, user_of, case_files):
    _apply(mother, family)
    case = Case.objects.get()
    staff = user_of("community_staff")
    case_act(actor=staff, case_id=case.pk, action="accept")
    case_act(actor=staff, case_id=case.pk, action="request_materials", materials=["id_card", "housing_proof"])
    page = mother.get(f"/portal/cases/{case.pk}/").content.decode()
    assert "一次性告知" in page and "申请人居民身份证" in page and "房屋产权证明或租赁合同" in page
    assert "待补材料" in page
    # Saying "added" before adding them is refused, naming what is missing.
    mother.post(f"/portal/cases/{case.pk}/supply/")
    case.refresh_from_db()
    assert case.state == CaseState.WAITING
    page = mother.get(f"/portal/cases/{case.pk}/").content.decode()
    assert "仍缺少" in page
    for code in ("id_card", "housing_proof"):
        response = mother.post(f"/portal/cases/{case.pk}/files/", {"material": code, "file": _png(f"{code}.png")})
        assert response.status_code == 302
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    mother.post(f"/portal/cases/{case.pk}/files/", {"material": "hukou", "file": bad})
    assert Attachment.objects.filter(case=case).count() == 2
    assert mother.post(f"/portal/cases/{case.pk}/supply/").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.clock_stopped_at is None
    page = mother.get(f"/portal/cases/{case.pk}/").content.decode()
    for label in ("申请已提交", "已受理", "一次性告知", "已补充材料"):
        assert label in page


def test_rating_rules(mother, family, user_of, case_files):
    _apply(mother, family)
    case = Case.objects.get()
    staff = user_of("community_staff")
    # Not before the case is decided.
    assert "评价本次服务" not in mother.get(f"/portal/cases/{case.pk}/").content.decode()
    mother.post(f"/portal/cases/{case.pk}/rate/", {"level": 5})
    assert not Rating.objects.exists()
    case_act(actor=staff, case_id=case.pk, action="accept")
    case_act(actor=staff, case_id=case.pk, action="approve")
    # Approved is a result the resident rates (completed and rejected too).
    assert "评价本次服务" in mother.get(f"/portal/cases/{case.pk}/").content.decode()
    mother.post(f"/portal/cases/{case.pk}/rate/", {"level": 1, "reason": " "})
    assert not Rating.objects.exists()
    assert "差评需要填写理由" in mother.get(f"/portal/cases/{case.pk}/").content.decode()
    mother.post(f"/portal/cases/{case.pk}/rate/", {"level": 2, "reason": "等了太久"})
    assert Rating.objects.get(case=case).level == 2
    mother.post(f"/portal/cases/{case.pk}/rate/", {"level": 5})
    assert Rating.objects.get(case=case).level == 2
    case_act(actor=staff, case_id=case.pk, action="complete")
    page = mother.get(f"/portal/cases/{case.pk}/").content.decode()
    assert "等了太久" in page and "已评价" in page and "已办结" in page
    # The follow-up the low rating opened is the community's, not in the resident's list.
    assert Case.objects.filter(parent=case).exists()
    assert mother.get("/portal/cases/").content.decode().count('class="tile"') == 1


def test_withdraw(mother, family, case_files):
    _apply(mother, family)
    case = Case.objects.get()
    mother.post(f"/portal/cases/{case.pk}/withdraw/")
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert "撤回申请" not in mother.get(f"/portal/cases/{case.pk}/").content.decode()


def test_another_residents_case_is_a_404(mother, family, case_files, client_of):
    _apply(mother, family, id_card=_png())
    case = Case.objects.get()
    attachment = Attachment.objects.get()
    other = Client()
    portal_sign_in(other, "13700000002")
    assert other.get("/portal/cases/").content.decode().count('class="tile"') == 0
    for url in (f"/portal/cases/{case.pk}/", f"/portal/cases/{case.pk}/files/{attachment.pk}/"):
        assert other.get(url).status_code == 404
    for url in ("supply", "withdraw", "rate"):
        assert other.post(f"/portal/cases/{case.pk}/{url}/", {"level": 5}).status_code == 404
    assert other.post(f"/portal/cases/{case.pk}/files/", {"material": "hukou", "file": _png()}).status_code == 404
    # The applicant chosen must be one of one's own people.
    response = other.post("/portal/cases/apply/residence_certificate/", {"person": family["mother"].pk, **CERTIFICATE})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and Attachment.objects.count() == 1
    # The anonymous visitor signs in first; staff may not open the residents' pages, not even their area's.
    assert Client().get(f"/portal/cases/{case.pk}/")["Location"].startswith("/portal/login/?next=")
    assert client_of("community_staff").get("/portal/cases/").status_code == 403
    assert client_of("community_staff").get(f"/portal/cases/{case.pk}/").status_code == 403


def test_a_place_report_the_resident_filed_is_followed_but_not_theirs_to_act_on(mother, family, world):
    from shequ.accounts.models import User

    resident = User.objects.get(phone_index=family["mother"].phone_index)
    report = case_file(
        actor=resident,
        channel=ChannelChoice.ONLINE,
        filing=Filing(item_code="street_light_out", form={"detail": "路灯不亮"}, address_text="门户路1号门口"),
        place_area=world.grid_a1,
    )
    assert report.number in mother.get("/portal/cases/").content.decode()
    page = mother.get(f"/portal/cases/{report.pk}/").content.decode()
    assert "门户路1号门口" in page and "撤回申请" not in page and "上传文件" not in page


def test_my_cases_take_the_same_queries_however_many(mother, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    values = {"service": "助餐", "wanted_on": "2026-12-20"}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert mother.get("/portal/cases/").status_code == 200
        return len(queries)

    _apply(mother, family, code="home_care_service", values=values)
    one = count()
    for _n in range(4):
        _apply(mother, family, code="home_care_service", values=values)
    assert count() == one
