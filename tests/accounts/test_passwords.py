"""Passwords: one's own change, the forced change of an initial password, the administrator's reset,
disable and unlock; the rules in Chinese; names checked for plausible characters."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client

from shequ.accounts.models import User
from shequ.accounts.services import (
    account_create,
    account_reset_password,
    account_set_active,
    account_unlock,
    password_change,
)
from shequ.areas.services import grid_create
from shequ.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Shequ-new-2026!"


def test_an_initial_password_is_changed_at_first_sign_in(world, user_of):
    account_create(actor=user_of("sysadmin"), username="new-staff", password="Initial-pass-2026", display_name="王芳")
    client = Client()
    response = client.post("/accounts/login/", {"username": "new-staff", "password": "Initial-pass-2026"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/"
    page = response.content.decode()
    assert "至少 10 个字符" in page and "This password" not in page
    # Every other page and the API wait until the password is changed.
    assert client.get("/resources/facilities/")["Location"] == "/accounts/password/"
    assert client.get("/api/me").status_code == 403
    short = client.post(
        "/accounts/password/",
        {"old_password": "Initial-pass-2026", "new_password": "short", "new_password_again": "short"},
    )
    assert "密码太短：至少需要 10 个字符" in short.content.decode() and "too short" not in short.content.decode()
    done = client.post(
        "/accounts/password/", {"old_password": "Initial-pass-2026", "new_password": NEW, "new_password_again": NEW}
    )
    assert done.status_code == 302
    assert client.get("/api/me").status_code == 200  # still signed in, no longer held
    assert not User.objects.get(username="new-staff").must_change_password


def test_ones_own_change_needs_the_current_password(world, user_of):
    user = user_of("grid_worker")
    with pytest.raises(ValidationError) as exc:
        password_change(actor=user, old_password="wrong", new_password=NEW)
    assert "old_password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        password_change(actor=user, old_password=PASSWORD, new_password="12345678901")
    assert "new_password" in exc.value.message_dict  # all digits
    password_change(actor=user, old_password=PASSWORD, new_password=NEW)
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert AuditEvent.objects.filter(action="accounts.password_change", object_id=str(user.pk)).exists()


def test_the_administrator_resets_disables_and_unlocks(world, user_of, client_of):
    admin, worker = user_of("sysadmin"), user_of("grid_worker")
    client = client_of("sysadmin")
    page = f"/accounts/manage/{worker.pk}/"
    for _ in range(6):
        Client(REMOTE_ADDR="10.9.9.9").post("/accounts/login/", {"username": "grid_worker", "password": "wrong"})
    locked = Client(REMOTE_ADDR="10.9.9.9").post("/accounts/login/", {"username": "grid_worker", "password": PASSWORD})
    assert locked.status_code == 429
    assert client.post(page, {"unlock": "1"}).status_code == 302
    assert (
        Client(REMOTE_ADDR="10.9.9.9")
        .post("/accounts/login/", {"username": "grid_worker", "password": PASSWORD})
        .status_code
        == 302
    )
    assert client.post(page, {"reset": "1", "password": "Temporary-2026"}).status_code == 302
    worker.refresh_from_db()
    assert worker.must_change_password and worker.check_password("Temporary-2026")
    assert client.post(page, {"disable": "1"}).status_code == 302
    assert not User.objects.get(pk=worker.pk).is_active
    assert (
        Client().post("/accounts/login/", {"username": "grid_worker", "password": "Temporary-2026"}).status_code == 200
    )
    account_set_active(actor=admin, user_id=worker.pk, is_active=True)
    actions = set(AuditEvent.objects.filter(object_id=str(worker.pk)).values_list("action", flat=True))
    assert {"accounts.unlock", "accounts.password_reset", "accounts.disable", "accounts.enable"} <= actions


def test_nobody_administers_their_own_account_nor_one_outside_their_tree(world, user_of):
    admin = user_of("sysadmin")
    with pytest.raises(ValidationError):
        account_set_active(actor=admin, user_id=admin.pk, is_active=False)
    with pytest.raises(Http404):
        account_reset_password(actor=user_of("city_admin"), user_id=user_of("grid_worker").pk, password=NEW)
    with pytest.raises(Http404):
        account_unlock(actor=user_of("community_staff"), user_id=user_of("grid_worker").pk)


def test_markup_is_neither_an_account_nor_a_grid_name(world, user_of):
    with pytest.raises(ValidationError) as exc:
        account_create(actor=user_of("sysadmin"), username="<script>", password="Initial-pass-2026")
    assert "username" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        account_create(
            actor=user_of("sysadmin"), username="ok-name", password="Initial-pass-2026", display_name="<b>王</b>"
        )
    assert "display_name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        grid_create(actor=user_of("community_staff"), community_code=world.community_a.code, name="<script>x")
    assert "<" in exc.value.message_dict["name"][0] or "“<”" in exc.value.message_dict["name"][0]
    assert grid_create(actor=user_of("community_staff"), community_code=world.community_a.code, name="第3网格（东）").pk


def test_a_flash_line_has_one_stop_per_problem(world, client_of):
    response = client_of("sysadmin").post(
        f"/accounts/manage/{world.personas['grid_worker']}/", {"reset": "1", "password": "123"}, follow=True
    )
    page = response.content.decode()
    assert "。；" not in page and "密码太短" in page


def test_stock_messages_and_levels_are_plain_chinese(world, client_of):
    from django import forms
    from django.utils import translation

    from shequ.lib.feedback import join_messages

    with translation.override("zh-hans"):
        field = forms.CharField(max_length=5)
        with pytest.raises(ValidationError) as exc:
            field.clean("1234567")
        assert exc.value.messages == ["最多 5 个字（现有 7 个）。"]
    assert join_messages(["姓名：请填写。", "电话：格式不对。", "电话：格式不对。"]) == "姓名：请填写；电话：格式不对。"
    page = client_of("city_admin").get("/reference/facility-types/").content.decode()
    assert "15 分钟" in page and ">15min<" not in page and ">block<" not in page


def test_the_api_changes_resets_disables_and_unlocks(world, client_of, user_of):
    worker = client_of("grid_worker")
    changed = worker.post(
        "/api/me/password", {"old_password": PASSWORD, "new_password": NEW}, content_type="application/json"
    )
    assert changed.status_code == 204 and worker.get("/api/me").status_code == 200  # still signed in
    admin = client_of("sysadmin")
    target = world.personas["grid_worker"]
    reset = admin.post(
        f"/api/accounts/{target}/password", {"password": "Temporary-2026"}, content_type="application/json"
    )
    assert reset.status_code == 200 and User.objects.get(pk=target).must_change_password
    assert worker.get("/api/me").status_code in (401, 403)  # the old session ended with the new password
    off = admin.patch(f"/api/accounts/{target}", {"is_active": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert admin.post(f"/api/accounts/{target}/unlock").json() == {"forgotten": 0}
    own = admin.patch(f"/api/accounts/{user_of('sysadmin').pk}", {"is_active": False}, content_type="application/json")
    assert own.status_code == 422


def test_the_account_page_title_is_the_account_name_only(world, client_of, user_of):
    page = client_of("sysadmin").get(f"/accounts/manage/{user_of('grid_worker').pk}/").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<form" not in title and "grid_worker" in title
