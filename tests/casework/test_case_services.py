"""The services of casework: filing on the three channels, duplicates, the form's messages, attachments,
ratings, the deadline job as the system actor, notifications, and the area scope (a case of community B
is a 404 to community A's staff in every service).

Who lives where comes from the world (tests/conftest.py) and the households made here: the resident
persona's phone is the applicant's, in grid A1 of community A."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from casework_support import PDF, PNG, SHANGHAI, make_household, residence_form, upload
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from shequ.accounts.models import Grant
from shequ.accounts.system import SYSTEM_USERNAME
from shequ.audit.models import AuditEvent
from shequ.casework import selectors, services
from shequ.casework.models import Case, CaseState
from shequ.outbox.models import Channel, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def online(user_of, person, item="residence_certificate", form=None) -> Case:
    return services.case_file(
        actor=user_of("resident"),
        channel="online",
        filing=services.Filing(item_code=item, applicant_id=person.pk, form=form or residence_form(person)),
    )


def proxy(actor, person, **consent) -> Case:
    return services.case_file(
        actor=actor,
        channel="proxy",
        filing=services.Filing(item_code="residence_certificate", applicant_id=person.pk, form=residence_form(person)),
        **consent,
    )


def site_messages(user) -> list[str]:
    # Bodies are sealed per row: read through the model, not values_list.
    return [m.body for m in Message.objects.filter(recipient=user, channel=Channel.SITE)]


# --- filing ---------------------------------------------------------------------------------------------


def test_online_by_the_resident_for_a_person_with_their_phone(user_of, household, world):
    case = online(user_of, household.applicant)
    assert case.channel == "online" and case.state == CaseState.SUBMITTED
    assert case.area == world.grid_a1 and case.applicant_id == household.applicant.pk
    assert case.filed_by_id == user_of("resident").pk
    assert case.item_version.version == case.item.version
    assert AuditEvent.objects.filter(action="casework.file", object_id=str(case.pk)).count() == 1
    # The household member registered without the resident's phone: not theirs to file for online.
    with pytest.raises(Http404):
        online(user_of, household.member)
    # Nor someone of another community (resident_b's household).
    other = make_household(world.community_b, world.community_b, number="821", phone="13700000001").applicant
    with pytest.raises(Http404):
        online(user_of, other)


def test_proxy_needs_consent_and_reason(user_of, household):
    staff = user_of("community_staff")
    with pytest.raises(ValidationError) as refused:
        proxy(staff, household.member, proxy_reason="行动不便")
    assert "consent_method" in refused.value.message_dict
    assert "同意" in refused.value.message_dict["consent_method"][0]
    with pytest.raises(ValidationError) as refused:
        proxy(staff, household.member, consent_method="phone", proxy_reason="  ")
    assert "proxy_reason" in refused.value.message_dict
    assert not Case.objects.filter(applicant=household.member).exists()
    case = proxy(
        staff, household.member, consent_method="guardian", consent_note="女儿电话确认", proxy_reason="卧床不能出门"
    )
    assert (case.channel, case.consent_method, case.consent_note, case.proxy_reason) == (
        "proxy",
        "guardian",
        "女儿电话确认",
        "卧床不能出门",
    )
    # Staff of community B cannot file for a resident of community A.
    with pytest.raises(Http404):
        proxy(user_of("community_staff_b"), household.applicant, consent_method="phone", proxy_reason="行动不便")


def test_door_to_door_goes_to_the_grid_worker_and_is_notified(user_of, household):
    case = services.case_file(
        actor=user_of("community_staff"),
        channel="door",
        filing=services.Filing(
            item_code="elderly_preferential_card",
            applicant_id=household.applicant.pk,
            form={"applicant": household.applicant.pk, "pickup": "网格员送证上门"},
        ),
    )
    worker = user_of("grid_worker")
    assert case.assigned_to_id == worker.pk
    bodies = site_messages(worker)
    assert len(bodies) == 1 and case.number in bodies[0]
    assert not site_messages(user_of("grid_worker_b"))


def test_one_open_case_per_applicant_when_the_item_says_so(user_of, household):
    first = online(user_of, household.applicant)
    with pytest.raises(ValidationError) as refused:
        online(user_of, household.applicant)
    message = refused.value.message_dict["item"][0]
    assert "居住证明" in message and first.number in message
    assert Case.objects.filter(applicant=household.applicant).count() == 1
    # Once the first is closed, another may be filed.
    services.case_act(actor=user_of("resident"), case_id=first.pk, action="withdraw")
    online(user_of, household.applicant)
    # Home-care orders: many open at once.
    order = {"applicant": household.applicant.pk, "service": "助餐", "wanted_on": "2026-12-20"}
    online(user_of, household.applicant, "home_care_service", order)
    online(user_of, household.applicant, "home_care_service", order)
    assert Case.objects.filter(applicant=household.applicant, item__code="home_care_service").count() == 2


def test_form_messages_name_the_field(user_of, household):
    bad = {"applicant": household.applicant.pk, "purpose": "旅游", "since": "2015/06/01"}
    with pytest.raises(ValidationError) as refused:
        online(user_of, household.applicant, form=bad)
    errors = refused.value.message_dict
    assert set(errors) == {"purpose", "since"}
    assert "证明用途" in errors["purpose"][0] and "子女入学" in errors["purpose"][0]
    assert "在本社区居住起始日期" in errors["since"][0]
    with pytest.raises(ValidationError) as refused:
        online(user_of, household.applicant, form={"applicant": household.applicant.pk})
    assert "证明用途" in refused.value.message_dict["purpose"][0]
    # A household member of someone else's household is refused by its label.
    stranger = make_household(household.applicant.area, household.applicant.household.area, number="822")
    with pytest.raises(ValidationError) as refused:
        online(
            user_of, household.applicant, form=residence_form(household.applicant) | {"applicant": stranger.member.pk}
        )
    assert "申请人（本户成员）" in refused.value.message_dict["applicant"][0]
    assert not Case.objects.filter(applicant=household.applicant).exists()


# --- attachments ----------------------------------------------------------------------------------------


def test_attachments_are_judged_by_content_sealed_and_audited(user_of, household, case_files, world, settings):
    case = online(user_of, household.applicant)
    resident = user_of("resident")
    secret = b"\x89PNG\r\n\x1a\n" + "王秀兰的身份证正面".encode() * 20
    png = services.case_attach(
        actor=resident, case_id=case.pk, material="id_card", upload=upload(secret), filename="身份证.pdf"
    )
    assert png.content_type == "image/png" and png.filename == "身份证.png"
    pdf = services.case_attach(
        actor=resident, case_id=case.pk, material="housing_proof", upload=upload(PDF), filename="x"
    )
    assert pdf.content_type == "application/pdf"
    # An executable renamed .jpg is refused, and leaves nothing behind.
    stored = set(case_files.iterdir())
    with pytest.raises(ValidationError) as refused:
        services.case_attach(
            actor=resident,
            case_id=case.pk,
            material="hukou",
            upload=upload(b"MZ\x90\x00" + b"\x00" * 200),
            filename="a.jpg",
        )
    assert "PDF" in refused.value.message_dict["file"][0]
    assert set(case_files.iterdir()) == stored
    # Stored sealed: the raw file does not hold the plaintext.
    raw = (case_files / png.stored_name).read_bytes()
    assert "身份证正面".encode() not in raw and secret not in raw
    # Read back whole by whoever may see the case; every download audited.
    for key in ("resident", "community_staff", "grid_worker", "street_officer"):
        attachment, stream = services.attachment_open(actor=user_of(key), attachment_id=png.pk)
        assert stream.read() == secret
    downloads = AuditEvent.objects.filter(action="casework.attachment_download", object_id=str(case.pk))
    assert downloads.count() == 4
    for key in ("community_staff_b", "grid_worker_b", "resident_b", "dalian_staff"):
        with pytest.raises(Http404):
            services.attachment_open(actor=user_of(key), attachment_id=png.pk)
    assert downloads.count() == 4


def test_attachment_limits(user_of, household, case_files, settings):
    case = online(user_of, household.applicant)
    resident = user_of("resident")
    settings.SHEQU_CASE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        services.case_attach(
            actor=resident,
            case_id=case.pk,
            material="id_card",
            upload=upload(PNG + b"0" * 1024 * 1024),
            filename="a.png",
        )
    assert "1 MB" in refused.value.message_dict["file"][0]
    assert not list(case_files.iterdir()) if case_files.exists() else True
    settings.SHEQU_CASE_ATTACHMENTS_PER_CASE = 2
    for _ in range(2):
        services.case_attach(actor=resident, case_id=case.pk, material="id_card", upload=upload(PNG), filename="a.png")
    with pytest.raises(ValidationError):
        services.case_attach(actor=resident, case_id=case.pk, material="id_card", upload=upload(PNG), filename="a.png")
    assert case.attachments.count() == 2
    assert len(list(case_files.iterdir())) == 2
    with pytest.raises(ValidationError) as refused:
        services.case_attach(actor=resident, case_id=case.pk, material="passport", upload=upload(PNG), filename="a.png")
    assert "material" in refused.value.message_dict


# --- ratings --------------------------------------------------------------------------------------------


def _completed(user_of, person) -> Case:
    case = online(user_of, person)
    staff = user_of("community_staff")
    for action in ("accept", "approve", "complete"):
        case = services.case_act(actor=staff, case_id=case.pk, action=action)
    return case


def test_rating_reasons_and_the_heads_follow_up(user_of, household, world):
    staff = user_of("community_staff")
    Grant.objects.filter(user=staff, area=world.community_a).update(is_head=True)
    case = _completed(user_of, household.applicant)
    resident = user_of("resident")
    for level in (1, 2):
        with pytest.raises(ValidationError) as refused:
            services.case_rate(actor=resident, case_id=case.pk, level=level, reason=" ")
        assert "reason" in refused.value.message_dict
    with pytest.raises(Http404):
        services.case_rate(actor=staff, case_id=case.pk, level=5)  # only the applicant rates
    services.case_rate(actor=resident, case_id=case.pk, level=2, reason="等了很久")
    followup = Case.objects.get(parent=case)
    assert followup.kind == "rating_followup"
    assert followup.area == world.community_a
    assert followup.assigned_to_id == staff.pk
    assert any(case.number in body for body in site_messages(staff))
    with pytest.raises(ValidationError):
        services.case_rate(actor=resident, case_id=case.pk, level=5)  # once


def test_a_good_rating_opens_nothing(user_of, household):
    case = _completed(user_of, household.applicant)
    services.case_rate(actor=user_of("resident"), case_id=case.pk, level=4)
    assert not Case.objects.filter(parent=case).exists()


# --- the deadline job -----------------------------------------------------------------------------------


def test_the_deadline_job_warns_escalates_as_the_system_and_is_idempotent(user_of, household, world):
    case = online(user_of, household.applicant)
    worker, officer = user_of("grid_worker"), user_of("street_officer")
    due = case.deadline_at
    run = services.cases_check_deadlines(now=due - timedelta(hours=30))
    assert (run.warned, run.escalated) == (0, 0)
    run = services.cases_check_deadlines(now=due - timedelta(hours=2))
    assert run.warned == 1 and run.escalated == 0
    assert any(case.number in body and "即将到期" in body for body in site_messages(worker))  # the grid's worker
    run = services.cases_check_deadlines(now=due + timedelta(minutes=1))
    assert (run.warned, run.escalated) == (0, 1)
    assert any(case.number in body and "超期" in body for body in site_messages(officer))
    assert not site_messages(user_of("district_officer_b"))
    again = services.cases_check_deadlines(now=due + timedelta(hours=5))
    assert (again.warned, again.escalated) == (0, 0)
    events = AuditEvent.objects.filter(object_id=str(case.pk), action__in=["casework.warn", "casework.escalate"])
    assert events.count() == 2
    assert {e.actor.username for e in events.select_related("actor")} == {SYSTEM_USERNAME}
    case.refresh_from_db()
    assert case.warned_at is not None and case.escalated_at is not None


def test_notifications_carry_nothing_personal(user_of, household, world):
    case = online(user_of, household.applicant)
    services.case_act(actor=user_of("community_staff"), case_id=case.pk, action="accept")
    services.cases_check_deadlines(now=case.deadline_at + timedelta(minutes=1))
    person = household.applicant
    bodies = [m.body for m in Message.objects.all()]
    assert bodies
    for body in bodies:
        assert person.id_number not in body and person.phone not in body
        assert person.name not in body  # the case number and item say which case it is
    sms = Message.objects.filter(channel=Channel.SMS)
    assert sms.exists() and all(m.phone == person.phone for m in sms)


# --- the area scope -------------------------------------------------------------------------------------


def test_a_case_of_community_b_is_404_to_community_a_in_every_service(user_of, household_b, world, case_files):
    staff_b = user_of("community_staff_b")
    case = proxy(staff_b, household_b.applicant, consent_method="phone", proxy_reason="行动不便")
    attachment = services.case_attach(
        actor=staff_b, case_id=case.pk, material="id_card", upload=upload(PNG), filename="a.png"
    )
    staff = user_of("community_staff")
    before = AuditEvent.objects.count()
    calls = [
        lambda: services.case_act(actor=staff, case_id=case.pk, action="accept"),
        lambda: services.case_act(actor=staff, case_id=case.pk, action="reject", note="不符合"),
        lambda: services.case_take(actor=staff, case_id=case.pk),
        lambda: services.case_release(actor=staff, case_id=case.pk),
        lambda: services.case_attach(actor=staff, case_id=case.pk, material="id_card", upload=upload(), filename="a"),
        lambda: services.attachment_open(actor=staff, attachment_id=attachment.pk),
        lambda: services.case_visit_record(actor=staff, case_id=case.pk, outcome="done"),
        lambda: services.case_rate(actor=staff, case_id=case.pk, level=5),
    ]
    reads = [
        lambda: selectors.staff_case(staff, case.pk),
        lambda: selectors.case_for(staff, case.pk),
        lambda: selectors.resident_case(user_of("resident"), case.pk),
    ]
    for call in calls + reads:
        with pytest.raises(Http404):
            call()
    assert not selectors.staff_cases(staff).filter(pk=case.pk).exists()
    assert selectors.figures(staff).total == 0
    assert AuditEvent.objects.count() == before
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.assigned_to_id is None
    # Its own community's staff do act on it.
    services.case_take(actor=staff_b, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).assigned_to_id == staff_b.pk


def test_time_of_filing_is_the_local_day(user_of, household, clock):
    # 23:30 on a Friday in Shanghai (15:30 UTC): one working day later is Monday, not Saturday's count.
    clock.at = datetime(2025, 9, 19, 23, 30, tzinfo=SHANGHAI)
    case = services.case_file(
        actor=user_of("resident"),
        channel="online",
        filing=services.Filing(
            item_code="birth_registration",  # 1 working day
            applicant_id=household.applicant.pk,
            form={"applicant": household.applicant.pk, "child_order": "一孩"},
        ),
    )
    assert case.deadline_at == datetime(2025, 9, 22, 23, 59, 59, tzinfo=SHANGHAI)
