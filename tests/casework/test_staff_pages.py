"""The staff pages of casework (/cases/): the queue, a case, printing, filing for a resident, figures.

Who lives where comes from the fixture: the household of tests/casework/conftest.py lives in grid A1
(community A), whose one grid worker is the persona ``grid_worker``; ``community_staff_b`` works in
community B and sees none of it.
"""

from __future__ import annotations

import base64
import io
import re
import zlib

import pytest
from casework_support import PNG
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.casework import services
from shequ.casework.models import Attachment, Case, CaseEvent, CaseState
from shequ.casework.services import Filing
from shequ.outbox.models import Message

pytestmark = pytest.mark.django_db

ITEM = "home_care_service"  # offered by proxy and door to door, several open cases per applicant allowed


def _form(person) -> dict:
    return {"applicant": person.pk, "service": "助餐", "wanted_on": "2026-01-05"}


def _file(actor, person, channel="proxy", item=ITEM, form=None) -> Case:
    return services.case_file(
        actor=actor,
        channel=channel,
        filing=Filing(item_code=item, applicant_id=person.pk, form=form or _form(person)),
        consent_method="in_person" if channel == "proxy" else "",
        proxy_reason="行动不便" if channel == "proxy" else "",
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# ---- the queue -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("community_staff", True),
        ("grid_worker", True),
        ("street_officer", True),
        ("district_officer", True),
        ("city_admin", True),
        ("community_staff_b", False),
        ("grid_worker_b", False),
        ("district_officer_b", False),
    ],
)
def test_the_queue_lists_the_areas_cases_only(persona, sees, user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    response = client_of(persona).get("/cases/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (case.number in body) is sees
    if sees:
        assert "王*兰" in body and "王秀兰" not in body  # the applicant's name masked
        assert "社区代办" in body


@pytest.mark.parametrize("persona", ["programme_officer", "auditor", "sysadmin", "resident", "service_provider"])
def test_the_queue_is_no_page_for_roles_without_cases(persona, client_of):
    assert client_of(persona).get("/cases/").status_code == 403


def test_the_anonymous_visitor_is_sent_to_sign_in(client_of):
    response = client_of(None).get("/cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_queue_filters(user_of, client_of, household):
    staff = user_of("community_staff")
    proxy = _file(staff, household.applicant)
    door = _file(staff, household.applicant, channel="door")
    client = client_of("community_staff")
    body = client.get("/cases/", {"channel": "door"}).content.decode()
    assert door.number in body and proxy.number not in body
    body = client.get("/cases/", {"state": "submitted", "item": ITEM}).content.decode()
    assert door.number in body and proxy.number in body
    body = client.get("/cases/", {"state": "completed"}).content.decode()
    assert door.number not in body
    # The door-to-door case went to grid A1's one worker: it is "mine" for them, not for the staff.
    assert door.number in client_of("grid_worker").get("/cases/", {"mine": "on"}).content.decode()
    assert door.number not in client.get("/cases/", {"mine": "on"}).content.decode()


def test_an_area_filter_outside_ones_reach_is_refused(user_of, client_of, world, household):
    _file(user_of("community_staff"), household.applicant)
    response = client_of("community_staff").get("/cases/", {"area": world.community_b.code})
    assert response.status_code == 200
    assert "王*兰" not in response.content.decode()  # a refused filter lists nothing of anyone's
    assert "选择一个有效的选项" in _messages(response) or "区域" in _messages(response)


def test_the_queue_takes_a_fixed_number_of_queries(user_of, client_of, household):
    staff = user_of("community_staff")
    client = client_of("community_staff")
    for _ in range(5):
        _file(staff, household.applicant)
    client.get("/cases/")  # warm the caches that are not per request (translations, the calendar)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/cases/").status_code == 200
    for _ in range(45):
        _file(staff, household.applicant)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get("/cases/")
    assert response.content.decode().count('class="case-row') == 50
    assert len(fifty) == len(five), [q["sql"][:120] for q in fifty.captured_queries]


# ---- take and release ----------------------------------------------------------------------------------


def test_the_second_to_take_a_case_is_told_who_has_it(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    first = client_of("community_staff").post(f"/cases/{case.pk}/take/", follow=True)
    assert "您已接手" in _messages(first) or case.number in _messages(first)
    second = client_of("street_officer").post(f"/cases/{case.pk}/take/", follow=True)
    holder = user_of("community_staff")
    assert (holder.display_name or holder.username) in _messages(second)
    case.refresh_from_db()
    assert case.assigned_to_id == holder.pk
    # Given back, the street officer may take it.
    client_of("community_staff").post(f"/cases/{case.pk}/release/")
    client_of("street_officer").post(f"/cases/{case.pk}/take/")
    case.refresh_from_db()
    assert case.assigned_to_id == user_of("street_officer").pk


def test_a_case_of_another_area_cannot_be_taken_or_seen(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    other = client_of("community_staff_b")
    assert other.get(f"/cases/{case.pk}/").status_code == 404
    assert other.post(f"/cases/{case.pk}/take/").status_code == 404
    assert other.post(f"/cases/{case.pk}/act/", {"action": "accept", "accept-action": "accept"}).status_code == 404
    assert other.get(f"/cases/{case.pk}/print/receipt/").status_code == 404
    case.refresh_from_db()
    assert case.assigned_to_id is None and case.state == CaseState.SUBMITTED


# ---- one case ------------------------------------------------------------------------------------------


def test_the_case_page_shows_facts_form_and_timeline(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    response = client_of("community_staff").get(f"/cases/{case.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert case.number in body and "居家养老服务申请" in body
    assert "助餐" in body and "2026-01-05" in body  # the form's values under their labels
    assert "王秀兰" not in body and "王*兰" in body
    assert "当面口头同意" in body and "行动不便" in body  # the consent and the reason of a proxy filing
    assert "action-accept" in body and "action-request_materials" in body and "action-reject" in body
    assert "action-approve" not in body  # not from "submitted"


def test_a_grid_worker_is_not_offered_the_decisions(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    body = client_of("grid_worker").get(f"/cases/{case.pk}/").content.decode()
    assert "action-accept" in body and "action-approve" not in body and "action-reject" not in body


def test_request_materials_lists_them_at_once(user_of, client_of, household):
    case = _file(
        user_of("community_staff"),
        household.applicant,
        item="senior_allowance",
        form={"applicant": household.applicant.pk, "account_type": "社会保障卡", "account_last4": "1234"},
    )
    client = client_of("community_staff")
    body = client.get(f"/cases/{case.pk}/").content.decode()
    for code in ("id_card", "hukou", "bank_card"):
        assert f'value="{code}"' in body  # every material of the item, as a checkbox
    response = client.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "request_materials",
            "request_materials-action": "request_materials",
            "request_materials-materials": ["hukou", "bank_card"],
            "request_materials-note": "请补齐",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WAITING
    assert [m["code"] for m in case.material_requests.get().materials] == ["hukou", "bank_card"]
    # A second request for something not changed since is refused, in Chinese, and nothing changes.
    response = client.post(
        f"/cases/{case.pk}/act/",
        {"action": "reject", "reject-action": "reject", "reject-note": ""},
        follow=True,
    )
    assert "原因" in _messages(response) or "理由" in _messages(response)
    case.refresh_from_db()
    assert case.state == CaseState.WAITING
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "户口簿" in body or "户口" in body
    assert "/print/materials_notice/" in body


def test_a_reject_needs_a_reason(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    response = client_of("community_staff").post(
        f"/cases/{case.pk}/act/", {"action": "reject", "reject-action": "reject", "reject-note": " "}
    )
    assert response.status_code == 400
    assert "申请人" in response.content.decode()  # "give the reason: the applicant will read it"
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert not CaseEvent.objects.filter(case=case, action="reject").exists()


def test_accept_then_upload_and_download_a_material(user_of, client_of, household, case_files):
    case = _file(
        user_of("community_staff"),
        household.applicant,
        item="senior_allowance",
        form={"applicant": household.applicant.pk, "account_type": "社会保障卡", "account_last4": "1234"},
    )
    client = client_of("community_staff")
    client.post(f"/cases/{case.pk}/act/", {"action": "accept", "accept-action": "accept"})
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    upload = io.BytesIO(PNG)
    upload.name = "户口.png"
    response = client.post(f"/cases/{case.pk}/attach/", {"material": "hukou", "file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert attachment.material == "hukou"
    wrong = io.BytesIO(b"MZ not an image")
    wrong.name = "x.png"
    response = client.post(f"/cases/{case.pk}/attach/", {"material": "id_card", "file": wrong})
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert Attachment.objects.filter(case=case).count() == 1
    download = client.get(f"/cases/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert client_of("community_staff_b").get(f"/cases/files/{attachment.pk}/").status_code == 404


def test_the_visit_form_records_the_result_and_photos(user_of, client_of, household, case_files):
    case = _file(user_of("community_staff"), household.applicant, channel="door")
    assert case.assigned_to_id == user_of("grid_worker").pk
    assert Message.objects.filter(recipient=user_of("grid_worker"), topic=f"casework.case:{case.pk}").exists()
    client = client_of("grid_worker")
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "visit-form" in body and "已上门办理" in body
    photo = io.BytesIO(PNG)
    photo.name = "visit.png"
    response = client.post(
        f"/cases/{case.pk}/visit/", {"outcome": "done", "note": "老人在家，已核实", "photos": [photo]}
    )
    assert response.status_code == 302
    visit = CaseEvent.objects.get(case=case, action="visit")
    assert visit.data["outcome"] == "done" and visit.note == "老人在家，已核实"
    assert Attachment.objects.filter(case=case, material="visit_photo").count() == 1
    # A result that is not one of the outcomes is refused on its field.
    response = client.post(f"/cases/{case.pk}/visit/", {"outcome": "maybe"})
    assert response.status_code == 400
    assert CaseEvent.objects.filter(case=case, action="visit").count() == 1


def test_a_proxy_case_has_no_visit_form(user_of, client_of, household):
    case = _file(user_of("community_staff"), household.applicant)
    assert "visit-form" not in client_of("grid_worker").get(f"/cases/{case.pk}/").content.decode()


# ---- printing ------------------------------------------------------------------------------------------


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes (ISO 32000-1 §7.3.4.2: backslash escapes, octal codes)."""
    out, i = bytearray(), 0
    while i < len(literal):
        ch = literal[i]
        if ch != 0x5C:
            out.append(ch)
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            nxt = literal[i + 1 : i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
    return bytes(out)


def _pdf_text(content: bytes) -> str:
    """The text of a PDF: with pypdf when it is installed; else read from the page streams (ReportLab
    writes them ASCII85 and Flate encoded; the CJK font's strings are UCS-2, UniGB-UCS2-H)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        text = []
        for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
            data = match.group(1).strip()
            if data.endswith(b"~>"):
                data = base64.a85decode(data[:-2], adobe=False)
            try:
                data = zlib.decompress(data)
            except zlib.error:
                continue
            for literal in re.findall(rb"\(((?:[^\\()]|\\.)*)\)\s*Tj", data, re.S):
                text.append(_unescape(literal).decode("utf-16-be", "replace"))
        return "".join(text)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_receipt_and_the_notice_print_as_pdf(user_of, client_of, household):
    from shequ.audit.models import AuditEvent

    case = _file(
        user_of("community_staff"),
        household.applicant,
        item="senior_allowance",
        form={"applicant": household.applicant.pk, "account_type": "社会保障卡", "account_last4": "1234"},
    )
    client = client_of("community_staff")
    assert client.get(f"/cases/{case.pk}/print/receipt/").status_code == 404  # not accepted yet
    assert client.get(f"/cases/{case.pk}/print/materials_notice/").status_code == 404
    assert client.get(f"/cases/{case.pk}/print/other/").status_code == 404
    services.case_act(actor=user_of("community_staff"), case_id=case.pk, action="accept")
    receipt = client.get(f"/cases/{case.pk}/print/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF") and len(receipt.content) > 1000
    # Chinese text is drawn with the CJK font pdf.py registers (STSong-Light, Adobe-GB1).
    assert b"STSong-Light" in receipt.content
    text = _pdf_text(receipt.content)
    assert case.number in text and "回执" in text and "高龄津贴" in text
    services.case_act(
        actor=user_of("community_staff"), case_id=case.pk, action="request_materials", materials=["hukou"]
    )
    notice = client.get(f"/cases/{case.pk}/print/materials_notice/")
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
    assert case.number in _pdf_text(notice.content)
    printed = AuditEvent.objects.filter(action__in=["casework.receipt_print", "casework.materials_notice_print"])
    assert printed.count() == 2


# ---- filing for a resident -----------------------------------------------------------------------------


def _choose(client, person, channel="proxy", item=ITEM):
    return {"channel": channel, "item": item, "q": "", "applicant": str(person.pk)}


def test_community_staff_file_a_proxy_case_with_consent(user_of, client_of, household):
    client = client_of("community_staff")
    assert client.get("/cases/new/").status_code == 200
    found = client.post("/cases/new/", {"step": "search", "channel": "proxy", "item": ITEM, "q": "王秀"})
    body = found.content.decode()
    assert f'value="{household.applicant.pk}"' in body and "王*兰" in body and "王秀兰" not in body
    form = client.post("/cases/new/", {"step": "form", **_choose(client, household.applicant)})
    body = form.content.decode()
    assert "v_service" in body and "consent_method" in body and "v_applicant" in body
    before = Case.objects.count()
    # No consent and no reason: refused, each field named, nothing saved.
    refused = client.post(
        "/cases/new/",
        {
            "step": "file",
            **_choose(client, household.applicant),
            "v_applicant": household.applicant.pk,
            "v_service": "助餐",
            "v_wanted_on": "2026-01-05",
        },
    )
    assert refused.status_code == 400
    text = _messages(refused)
    assert "居民如何同意" in text or "同意" in text
    assert Case.objects.count() == before
    # A wrong date in the item's form is named by its label.
    refused = client.post(
        "/cases/new/",
        {
            "step": "file",
            **_choose(client, household.applicant),
            "v_applicant": household.applicant.pk,
            "v_service": "助餐",
            "v_wanted_on": "明天",
            "consent_method": "phone",
            "proxy_reason": "行动不便",
        },
    )
    assert refused.status_code == 400 and "希望服务日期" in _messages(refused) or "日期" in _messages(refused)
    assert Case.objects.count() == before
    done = client.post(
        "/cases/new/",
        {
            "step": "file",
            **_choose(client, household.applicant),
            "v_applicant": household.applicant.pk,
            "v_service": "助餐",
            "v_wanted_on": "2026-01-05",
            "consent_method": "phone",
            "consent_note": "女儿代为接听",
            "proxy_reason": "行动不便",
        },
    )
    assert done.status_code == 302, _messages(done)
    case = Case.objects.get(pk=int(done["Location"].strip("/").split("/")[-1]))
    assert (case.channel, case.consent_method, case.proxy_reason) == ("proxy", "phone", "行动不便")
    assert case.applicant_id == household.applicant.pk and case.filed_by_id == user_of("community_staff").pk


def test_door_to_door_filing_goes_to_the_grid_worker(user_of, client_of, household):
    client = client_of("community_staff")
    done = client.post(
        "/cases/new/",
        {
            "step": "file",
            **_choose(client, household.applicant, channel="door"),
            "v_applicant": household.applicant.pk,
            "v_service": "助浴",
            "v_wanted_on": "2026-01-06",
        },
    )
    assert done.status_code == 302, _messages(done)
    case = Case.objects.get(pk=int(done["Location"].strip("/").split("/")[-1]))
    assert case.channel == "door" and case.assigned_to_id == user_of("grid_worker").pk
    tasks = client_of("grid_worker").get("/cases/").content.decode()
    assert case.number in tasks


def test_a_resident_outside_ones_area_cannot_be_filed_for(client_of, household_b, household):
    client = client_of("community_staff")
    found = client.post("/cases/new/", {"step": "search", "channel": "proxy", "item": ITEM, "q": "李建国"})
    assert f'value="{household_b.member.pk}"' not in found.content.decode()
    assert f'value="{household.member.pk}"' in found.content.decode()
    response = client.post("/cases/new/", {"step": "form", **_choose(client, household_b.applicant)})
    assert response.status_code == 404
    before = Case.objects.count()
    response = client.post(
        "/cases/new/",
        {
            "step": "file",
            **_choose(client, household_b.applicant),
            "v_applicant": household_b.applicant.pk,
            "v_service": "助餐",
            "v_wanted_on": "2026-01-05",
            "consent_method": "phone",
            "proxy_reason": "x",
        },
    )
    assert response.status_code == 404 and Case.objects.count() == before


def test_a_city_administrator_reads_cases_but_files_none(client_of):
    assert client_of("city_admin").get("/cases/new/").status_code == 403


# ---- figures -------------------------------------------------------------------------------------------


def test_the_figures_count_the_cases_made_here(user_of, client_of, world, household, household_b):
    staff = user_of("community_staff")
    _file(staff, household.applicant)
    _file(staff, household.applicant)
    door = _file(staff, household.applicant, channel="door")
    _file(user_of("community_staff_b"), household_b.applicant)
    services.case_act(actor=staff, case_id=door.pk, action="accept")
    services.case_act(actor=staff, case_id=door.pk, action="approve")
    services.case_act(actor=staff, case_id=door.pk, action="complete")

    body = client_of("community_staff").get("/cases/figures/").content.decode()
    assert re.search(r'id="fig-total">3<', body)
    assert re.search(r'id="fig-open">2<', body)
    assert re.search(r'id="fig-on-time">100.0%<', body)  # the one closed case closed in time
    assert "figures.js" in body and "echarts.min.js" in body and "<script>" not in body

    street = client_of("street_officer").get("/cases/figures/").content.decode()
    assert re.search(r'id="fig-total">4<', street)
    row_a = re.search(rf'data-area="{world.community_a.code}".*?</tr>', street, re.S).group(0)
    assert re.search(r'data-label="[^"]*">3<', row_a)  # the community's cases
    assert f"?area={world.community_a.code}" in street  # drill down
    drilled = client_of("street_officer").get("/cases/figures/", {"area": world.community_a.code}).content.decode()
    assert re.search(r'id="fig-total">3<', drilled)
    assert client_of("community_staff_b").get("/cases/figures/", {"area": world.community_a.code}).status_code == 404
    assert client_of("programme_officer").get("/cases/figures/").status_code == 403


def test_a_reader_of_cases_adds_no_files(user_of, client_of, household, case_files):
    case = _file(user_of("community_staff"), household.applicant)
    upload = io.BytesIO(PNG)
    upload.name = "x.png"
    response = client_of("city_admin").post(f"/cases/{case.pk}/attach/", {"material": "", "file": upload})
    assert response.status_code == 400
    assert not Attachment.objects.filter(case=case).exists()
    assert "upload" not in client_of("city_admin").get(f"/cases/{case.pk}/").content.decode()
