"""Signing in to the portal with a phone and a one-time code: the code goes to the outbox (and the
development SMS page), wrong, expired and spent codes are told apart in Chinese, sends are limited, the
account is made at the first sign-in of someone living here, and an unknown number learns nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.accounts.models import PhoneCode, User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.outbox.models import Channel, Message
from tests.portal.conftest import last_code, portal_sign_in

pytestmark = pytest.mark.django_db


def _send(client, phone, ip="10.9.0.1"):
    return client.post("/portal/login/", {"phone": phone}, REMOTE_ADDR=ip)


def _verify(client, phone, code, ip="10.9.0.1"):
    return client.post("/portal/login/", {"phone": phone, "code": code}, REMOTE_ADDR=ip)


def _wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


def _page(response, phone: str) -> str:
    """The page without what differs on every request (the CSRF tokens) and the number typed."""
    html = response.content.decode().replace(phone, "X").replace(phone[:3] + "****" + phone[-4:], "X")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_the_code_goes_to_the_outbox_and_signs_in_making_the_account(family):
    client = Client()
    assert not User.objects.filter(phone_index=family["mother"].phone_index).exists()
    response = _send(client, "137 0000 0001")
    assert response.status_code == 200
    assert "137****0001" in response.content.decode()
    code = last_code("13700000001")
    # The development outbox shows it (console sender, not production), with the phone masked.
    dev = Client().get("/outbox/dev/")
    assert dev.status_code == 200 and code in dev.content.decode()
    assert "13700000001" not in dev.content.decode()
    response = _verify(client, "13700000001", code)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(phone_index=family["mother"].phone_index)
    assert user.grants.get().role == Role.RESIDENT
    assert user.display_name == "王秀英"
    assert not user.has_usable_password()
    home = client.get("/portal/")
    assert "王秀英" in home.content.decode()
    # The second sign-in finds the same account.
    other = Client()
    portal_sign_in(other, "13700000001")
    assert User.objects.filter(phone_index=family["mother"].phone_index).count() == 1
    assert AuditEvent.objects.filter(action="accounts.phone_sign_in").count() == 2
    # The audit trail never holds the number.
    assert not any("13700000001" in str(e.data) for e in AuditEvent.objects.all())


def test_a_wrong_code_then_too_many_then_a_new_one(family, settings):
    settings.SHEQU_OTP_MAX_ATTEMPTS = 3
    client = Client()
    _send(client, "13700000001")
    code = last_code("13700000001")
    response = _verify(client, "13700000001", _wrong(code))
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    _verify(client, "13700000001", _wrong(code))
    response = _verify(client, "13700000001", _wrong(code))
    assert "错误次数过多" in response.content.decode()
    # The right code no longer works: the code is spent.
    response = _verify(client, "13700000001", code)
    assert response.status_code == 200 and "错误次数过多" in response.content.decode()
    _send(client, "13700000001")
    assert _verify(client, "13700000001", last_code("13700000001")).status_code == 302


def test_an_expired_code_and_a_used_code(family):
    client = Client()
    _send(client, "13700000001")
    code = last_code("13700000001")
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _verify(client, "13700000001", code)
    assert response.status_code == 200 and "验证码已过期" in response.content.decode()
    _send(client, "13700000001")
    code = last_code("13700000001")
    assert _verify(client, "13700000001", code).status_code == 302
    response = _verify(Client(), "13700000001", code)
    assert response.status_code == 200 and "请先获取验证码" in response.content.decode()


def test_a_code_in_full_width_digits_with_spaces_is_read(family):
    client = Client()
    _send(client, "13700000001")
    code = last_code("13700000001")
    full_width = " ".join(chr(ord(c) + 0xFEE0) for c in code)
    assert _verify(client, "13700000001", full_width).status_code == 302


def test_bad_input_is_told_on_its_field(family):
    client = Client()
    response = _send(client, "12345")
    assert response.status_code == 200 and "手机号" in response.content.decode()
    assert not Message.objects.exists()
    _send(client, "13700000001")
    response = _verify(client, "13700000001", "12ab")
    assert response.status_code == 200 and "请输入6位验证码" in response.content.decode()


def test_sends_are_limited_per_phone_and_per_address(family, settings):
    settings.SHEQU_OTP_MAX_PER_PHONE_PER_HOUR = 2
    settings.SHEQU_OTP_MAX_PER_ADDRESS_PER_HOUR = 3
    client = Client()
    assert _send(client, "13700000001").status_code == 200
    assert _send(client, "13700000001").status_code == 200
    response = _send(client, "13700000001")
    assert response.status_code == 429 and "发送次数过多" in response.content.decode()
    assert Message.objects.filter(channel=Channel.SMS).count() == 2
    # Numbers nobody has count towards the address's limit too.
    assert _send(client, "13900000009", ip="10.9.0.2").status_code == 200
    assert _send(client, "13900000008", ip="10.9.0.2").status_code == 200
    assert _send(client, "13900000007", ip="10.9.0.2").status_code == 200
    response = _send(client, "13700000002", ip="10.9.0.2")
    assert response.status_code == 429 and "此网络请求验证码次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.phone_code_throttled").count() == 2


def test_an_unknown_number_learns_nothing(family):
    """The same page, the same status and the same limits for a number nobody here has; no SMS goes out,
    and any code is just "not correct"."""
    known, unknown = Client(), Client()
    a = _send(known, "13700000001", ip="10.9.0.3")
    b = _send(unknown, "13700000003", ip="10.9.0.4")
    assert a.status_code == b.status_code == 200
    assert _page(a, "13700000001") == _page(b, "13700000003")
    assert [m.phone for m in Message.objects.filter(channel=Channel.SMS)] == ["13700000001"]
    wrong = _wrong(last_code("13700000001"))
    a = _verify(known, "13700000001", wrong, ip="10.9.0.3")
    b = _verify(unknown, "13700000003", wrong, ip="10.9.0.4")
    assert a.status_code == b.status_code == 200
    assert _page(a, "13700000001") == _page(b, "13700000003")
    assert not User.objects.filter(phone_index=PhoneCode.objects.latest("pk").phone_index).exists()


def test_staff_are_not_residents_and_the_dev_outbox_is_closed_in_production(family, client_of, settings):
    staff = client_of("community_staff")
    response = staff.get("/portal/")
    assert response.status_code == 200 and "此门户供居民使用" in response.content.decode()
    settings.PRODUCTION = True
    assert Client().get("/outbox/dev/").status_code == 404
    settings.PRODUCTION = False
    settings.SHEQU_SMS_BACKEND = "shequ.outbox.senders.HttpSms"
    assert Client().get("/outbox/dev/").status_code == 404


def test_a_disabled_resident_account_does_not_sign_in(family):
    client = Client()
    portal_sign_in(client, "13700000001")
    User.objects.filter(phone_index=family["mother"].phone_index).update(is_active=False)
    other = Client()
    _send(other, "13700000001")
    response = _verify(other, "13700000001", last_code("13700000001"))
    assert response.status_code == 200 and "账号已停用" in response.content.decode()
