"""The outbox: a notification is written in the transaction of the change that causes it and delivered after
commit through the configured sender (the console SMS backend in development); a failed delivery stays
queued and the sweep retries it until it gives up; one's own site messages on the inbox pages; the
development SMS page only with the console sender and never in production."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from shequ.outbox import services
from shequ.outbox.models import Channel, Message
from shequ.outbox.senders import SendFailed

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
CONSOLE = "shequ.outbox.senders.ConsoleSms"


class FailingSms:
    """A gateway that is down."""

    def send(self, phone: str, body: str) -> None:
        raise SendFailed("gateway answered HTTP 503")


class BrokenSms:
    """A sender with a bug."""

    def send(self, phone: str, body: str) -> None:
        raise KeyError(phone)


@pytest.fixture
def console(settings):
    settings.SHEQU_SMS_BACKEND = CONSOLE
    settings.PRODUCTION = False


def queue_sms(body: str = "【社区服务】验证码 482913") -> Message:
    return services.message_queue(channel=Channel.SMS, phone=PHONE, body=body, topic="accounts.phone_code")


def test_queue_checks_its_arguments(world, user_of):
    with pytest.raises(ValueError):
        services.message_queue(channel=Channel.SMS, body="x")
    with pytest.raises(ValueError):
        services.message_queue(channel=Channel.SITE, body="x")
    with pytest.raises(ValueError):
        services.message_queue(channel="fax", body="x", phone=PHONE)
    assert not Message.objects.exists()


def test_an_sms_is_delivered_after_commit_through_the_console(
    world, console, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="shequ.outbox")
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_sms()
        assert Message.objects.get(pk=message.pk).state == Message.State.QUEUED  # not before the commit
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (Message.State.SENT, 1, "")
    assert message.sent_at is not None
    logged = caplog.text
    assert "482913" in logged  # the development console shows the code
    assert PHONE not in logged and "5678" in logged  # the phone masked
    # The phone and the text are sealed in the row.
    raw = Message.objects.filter(pk=message.pk).values_list("phone", "body").get()
    assert PHONE not in raw[0] and "482913" not in raw[1]


def test_a_change_that_rolls_back_sends_nothing(world, console, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_sms()
            raise RuntimeError("the change failed")
    assert callbacks == []
    assert not Message.objects.exists()


def test_a_site_message_is_sent_at_once(world, user_of, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_queue(channel=Channel.SITE, recipient=user_of("grid_worker"), body="案件即将到期")
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def _age(message: Message, minutes: int = 2) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_failures_stay_queued_and_the_sweep_retries_until_it_gives_up(world, settings):
    settings.SHEQU_SMS_BACKEND = "test_outbox.FailingSms"
    message = queue_sms()
    services.outbox_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.QUEUED, 1)
    assert message.last_error == "gateway answered HTTP 503"
    assert services.outbox_sweep() == 0  # younger than a minute: still with its first delivery
    _age(message)
    for attempt in range(2, services.MAX_ATTEMPTS + 1):
        assert services.outbox_sweep() == 1
        message.refresh_from_db()
        assert message.attempts == attempt
    assert message.state == Message.State.FAILED
    assert services.outbox_sweep() == 0
    assert services.outbox_deliver(message.pk) is None


def test_a_broken_sender_is_a_failure_not_a_lost_message(world, settings, console):
    settings.SHEQU_SMS_BACKEND = "test_outbox.BrokenSms"
    message = queue_sms()
    services.outbox_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert message.last_error == "sender error (KeyError)" and PHONE not in message.last_error
    # The gateway is fixed: the sweep delivers what waited.
    settings.SHEQU_SMS_BACKEND = CONSOLE
    _age(message)
    assert services.outbox_sweep() == 1
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert services.outbox_deliver(message.pk) is None  # sent once


# --- the inbox pages ------------------------------------------------------------------------------------


def test_the_inbox_shows_ones_own_messages_and_marks_them_read(world, user_of, client_of):
    worker, other = user_of("grid_worker"), user_of("grid_worker_b")
    mine = [
        services.message_queue(channel=Channel.SITE, recipient=worker, body=f"案件2025{n}即将到期") for n in range(2)
    ]
    theirs = services.message_queue(channel=Channel.SITE, recipient=other, body="别人的消息")
    client = client_of("grid_worker")
    page = client.get("/outbox/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "案件20250即将到期" in page and "案件20251即将到期" in page
    assert "别人的消息" not in page
    assert client.post(f"/outbox/inbox/{theirs.pk}/read/").status_code == 404
    response = client.post(f"/outbox/inbox/{mine[0].pk}/read/")
    assert response.status_code == 302
    assert Message.objects.get(pk=mine[0].pk).read_at is not None
    assert Message.objects.get(pk=mine[1].pk).read_at is None
    client.post("/outbox/inbox/read/")
    assert not Message.objects.filter(recipient=worker, read_at__isnull=True).exists()
    assert Message.objects.get(pk=theirs.pk).read_at is None
    assert client_of(None).get("/outbox/inbox/").status_code == 302  # to sign-in
    assert client.get(f"/outbox/inbox/{mine[0].pk}/read/").status_code == 405


# --- the development SMS page ---------------------------------------------------------------------------


def test_the_dev_page_only_with_the_console_sender(world, client_of, settings, console):
    queue_sms("【社区服务】验证码 731245")
    page = client_of(None).get("/outbox/dev/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "731245" in text and PHONE not in text
    settings.SHEQU_SMS_BACKEND = "test_outbox.FailingSms"
    assert client_of(None).get("/outbox/dev/").status_code == 404
    settings.SHEQU_SMS_BACKEND = CONSOLE
    settings.PRODUCTION = True
    assert client_of(None).get("/outbox/dev/").status_code == 404
    assert client_of("city_admin").get("/outbox/dev/").status_code == 404


def test_the_dev_page_shows_only_recent_sms(world, client_of, user_of, console):
    old = queue_sms("【社区服务】验证码 111111")
    _age(old, minutes=45)
    services.message_queue(channel=Channel.SITE, recipient=user_of("grid_worker"), body="站内消息不在此页")
    text = client_of(None).get("/outbox/dev/").content.decode()
    assert "111111" not in text and "站内消息不在此页" not in text
