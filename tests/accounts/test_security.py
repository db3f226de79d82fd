import datetime
import io
import os
import subprocess
import sys
import time

import pytest
from django.test import Client

from shequ.accounts.middleware import SESSION_STARTED_KEY
from shequ.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_and_out(world):
    client = Client()
    response = sign_in(client, "street_officer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/areas/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.sign_in").exists()
    client.post("/accounts/logout/")
    assert client.get("/areas/").status_code == 302


def test_wrong_password_gives_a_clear_message_in_chinese(world):
    response = sign_in(Client(), "street_officer", "wrong")
    assert response.status_code == 200
    assert "用户名或密码" in response.content.decode()


def _wait_out_the_pause(settings):
    # Move the recorded failures back past the throttle's pause instead of sleeping.
    from shequ.accounts.models import LoginFailure

    pause = datetime.timedelta(seconds=settings.SHEQU_LOCKOUT_THROTTLE_SECONDS + 1)
    for failure in LoginFailure.objects.all():
        LoginFailure.objects.filter(pk=failure.pk).update(at=failure.at - pause)


def test_one_address_failing_at_one_account_locks_only_that_pair(world, settings):
    # Finding 5: "five wrong passwords from anyone locked the real user out".
    for _ in range(settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT):
        sign_in(Client(), "street_officer", "wrong", ip="10.0.1.1")
    # The guessing address is refused even with the right password, before it is checked.
    client = Client()
    response = sign_in(client, "street_officer", PASSWORD, ip="10.0.1.1")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "15" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.sign_in_locked").exists()
    # The real user at another address signs in; so does another account behind the guessing address.
    assert sign_in(Client(), "street_officer", PASSWORD, ip="10.0.2.1").status_code == 302
    assert sign_in(Client(), "district_officer", PASSWORD, ip="10.0.1.1").status_code == 302


def test_guessing_from_many_addresses_throttles_them_but_never_locks_the_account(world, settings):
    from shequ.accounts.models import LoginFailure

    attackers = [f"10.0.1.{n}" for n in range(settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT + 1)]
    for ip in attackers:
        sign_in(Client(), "street_officer", "wrong", ip=ip)
    # An address that already failed at the account waits for the pause; the refusal is not checked,
    # not counted, and says to try later.
    response = sign_in(Client(), "street_officer", PASSWORD, ip=attackers[0])
    assert response.status_code == 429
    assert "请稍后再试" in response.content.decode()
    assert LoginFailure.objects.count() == len(attackers)
    assert AuditEvent.objects.filter(action="accounts.sign_in_throttled").exists()
    # The real user at their own address is heard at once.
    assert sign_in(Client(), "street_officer", PASSWORD, ip="10.0.2.1").status_code == 302
    # After the pause the attacking address is heard again (and told only that the password is wrong).
    _wait_out_the_pause(settings)
    response = sign_in(Client(), "street_officer", "wrong-again", ip=attackers[0])
    assert response.status_code == 200 and "用户名或密码" in response.content.decode()


def test_guessing_from_one_address_at_many_accounts_throttles_it_but_never_locks_its_users(world, settings):
    # Finding 5: "twenty from one address locked out every user behind that address" (a shared NAT).
    for n in range(settings.SHEQU_LOCKOUT_MAX_PER_ADDRESS):
        sign_in(Client(), f"guess-{n}", "wrong", ip="10.9.9.9")
    response = sign_in(Client(), "street_officer", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429 and "请稍后再试" in response.content.decode()
    assert sign_in(Client(), "street_officer", PASSWORD, ip="10.9.9.10").status_code == 302
    # A colleague behind the same address signs in once the pause has passed: slowed, not locked.
    _wait_out_the_pause(settings)
    assert sign_in(Client(), "district_officer", PASSWORD, ip="10.9.9.9").status_code == 302


def test_sign_in_keys_failures_on_the_client_address_behind_a_trusted_proxy(world, settings):
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(client, password, client_address):
        return client.post(
            "/accounts/login/",
            {"username": "street_officer", "password": password},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    for _ in range(settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT):
        via_proxy(Client(), "wrong", "203.0.113.7")
    assert via_proxy(Client(), PASSWORD, "203.0.113.7").status_code == 429
    # Another client behind the same proxy is another address: the real user signs in.
    assert via_proxy(Client(), PASSWORD, "198.51.100.1").status_code == 302
    assert set(AuditEvent.objects.filter(action__startswith="accounts.sign_in").values_list("ip", flat=True)) == {
        "203.0.113.7",
        "198.51.100.1",
    }


def test_lockout_expires_after_the_window(world, settings):
    settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT = 2
    settings.SHEQU_LOCKOUT_WINDOW_SECONDS = 0
    for _ in range(3):
        sign_in(Client(), "street_officer", "wrong")
    assert sign_in(Client(), "street_officer", PASSWORD).status_code == 302


def test_failed_names_are_not_stored_in_clear(world):
    from shequ.accounts.models import LoginFailure

    sign_in(Client(), "13812345678", "wrong")
    assert not LoginFailure.objects.filter(username_key__contains="1381234").exists()
    assert LoginFailure.objects.count() == 1


def test_absolute_session_timeout(world, settings, client_of):
    client = client_of("street_officer")
    assert client.get("/areas/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SHEQU_SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    assert client.get("/areas/").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_idle_timeout_ends_a_session_and_each_request_renews_it(world, settings, client_of):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = client_of("street_officer")
    session = Session.objects.get(session_key=client.session.session_key)

    def idle_for(seconds):
        expiry = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds)
        Session.objects.filter(pk=session.pk).update(expire_date=expiry)

    idle_for(settings.SESSION_COOKIE_AGE - 60)  # a minute before the idle timeout
    assert client.get("/areas/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert renewed > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)  # the request renewed it
    idle_for(settings.SESSION_COOKIE_AGE + 1)  # idle past the timeout
    assert client.get("/areas/").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_security_headers(world, client_of):
    response = client_of("street_officer").get("/areas/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert len(response["X-Request-ID"]) >= 8


def test_forms_require_csrf(world, user_of):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_of("community_staff"))
    response = client.post(f"/areas/{world.community_a.code}/grids/new/", {"name": "无令牌"})
    assert response.status_code == 403
    response = client.post(
        f"/api/areas/{world.community_a.code}/grids", {"name": "无令牌"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "SHEQU_PRODUCTION": "1",
        "SHEQU_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "SHEQU_ENCRYPTION_KEYS": "1:" + "A" * 43 + "=",
        "SHEQU_BLIND_INDEX_KEY": "index-key-for-the-check",
        "SHEQU_AUDIT_KEY": "audit-key-for-the-check",
        "SHEQU_ALLOWED_HOSTS": "shequ.example.gov.cn",
        "SHEQU_DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "SHEQU_STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    env.update({"SHEQU_PRODUCTION": "1", "SHEQU_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode != 0 and "SHEQU_SECRET_KEY" in result.stderr


def test_nul_characters_in_api_input_are_a_clear_422(world, client_of):
    client = client_of("city_admin")
    response = client.get("/api/areas/search?q=%00abc")
    assert response.status_code == 422
    assert "空字符" in response.json()["detail"][0]["message"]
    response = client.post(
        "/api/accounts", '{"username": "a\\u0000b", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 422
    response = client.post("/api/imports", {"community": "2101\x00", "file": io.BytesIO(b"x\x00y")})
    assert response.status_code == 422
    response = client.post(
        "/api/accounts", '{"username": "a\\ud800b", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 422
    response = client_of("sysadmin").post(  # a valid pair (an emoji) decodes, and is judged as a user name
        "/api/accounts",
        '{"username": "\\ud83d\\ude00", "password": "Long-enough-pw-42"}',
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "username"


def test_failed_sign_ins_are_forgotten_after_the_window(db, settings):
    import datetime

    from django.utils import timezone

    from shequ.accounts.models import LoginFailure
    from shequ.accounts.services import login_failures_purge
    from shequ.tasks import app

    now = timezone.now()
    old = LoginFailure.objects.create(username_key="a" * 64, ip="10.0.0.1", at=now - datetime.timedelta(hours=1))
    recent = LoginFailure.objects.create(username_key="b" * 64, ip="10.0.0.1", at=now)
    settings.SHEQU_LOCKOUT_WINDOW_SECONDS = 15 * 60
    assert login_failures_purge() == 1
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk
    assert app.conf.beat_schedule["purge-login-failures"]["task"] == "shequ.accounts.login_failures_purge"


def test_a_malformed_trusted_proxy_stops_the_start():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SHEQU_TRUSTED_PROXIES": "10.0.0.5,not-an-address"}
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SHEQU_TRUSTED_PROXIES" in result.stderr
