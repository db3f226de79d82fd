"""Every write to the outbox: queueing a notification in the caller's transaction, delivering it after
commit, retrying what failed, and marking a site message read."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .models import Channel, Message
from .senders import SendFailed, sms_sender

logger = logging.getLogger("shequ.outbox")

# A message is tried this many times (the first delivery and the sweep's retries), then failed.
MAX_ATTEMPTS = 5
# The sweep retries queued messages at least this old: younger ones are still with their first delivery.
RETRY_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500


def message_queue(
    *,
    channel: str,
    body: str,
    topic: str = "",
    recipient: AbstractBaseUser | None = None,
    phone: str = "",
) -> Message:
    """Write a notification in the caller's transaction; it is delivered once that transaction commits
    (a change that rolls back sends nothing). An SMS needs ``phone``, a site message ``recipient``."""
    if channel == Channel.SMS and not phone:
        raise ValueError("an SMS needs a phone number")
    if channel == Channel.SITE and recipient is None:
        raise ValueError("a site message needs a recipient")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    with transaction.atomic():  # a savepoint of the caller's transaction, or a transaction of its own
        message = Message.objects.create(
            channel=channel, body=body, topic=topic, recipient_id=recipient.pk if recipient else None, phone=phone
        )
        message_id = message.pk
        # robust: a broker that cannot be reached must not fail the request whose change committed; the
        # message stays queued and the sweep delivers it.
        transaction.on_commit(lambda: _schedule(message_id), robust=True)
    return message


def _schedule(message_id: int) -> None:
    from .tasks import deliver_later

    deliver_later(message_id)


def _claim(message_id: int) -> Message | None:
    """Take one attempt at a queued message: the attempt counter moves only if nobody else moved it since
    it was read, so two deliverers (the first delivery and the sweep) never send it both."""
    message = Message.objects.filter(pk=message_id, state=Message.State.QUEUED).first()
    if message is None or message.attempts >= MAX_ATTEMPTS:
        return None
    claimed = Message.objects.filter(pk=message_id, state=Message.State.QUEUED, attempts=message.attempts).update(
        attempts=message.attempts + 1
    )
    if not claimed:
        return None
    message.attempts += 1
    return message


def outbox_deliver(message_id: int) -> Message | None:
    """Deliver one queued message: an SMS through the configured sender, a site message by marking it
    sent (it is read on the site). A failure is recorded (without personal data) and the message stays
    queued for the sweep; after ``MAX_ATTEMPTS`` it is failed. Returns the message, or None when there was
    nothing to do (already sent, failed, or being delivered by someone else)."""
    message = _claim(message_id)
    if message is None:
        return None
    error = ""
    if message.channel == Channel.SMS:
        try:
            sms_sender().send(message.phone, message.body)
        except SendFailed as exc:
            error = str(exc)[:200]
        except Exception as exc:  # a broken sender: recorded like a failure, never a lost message
            error = f"sender error ({type(exc).__name__})"
            logger.exception("message #%s: the SMS sender raised", message.pk)
    fields: dict[str, object] = {"last_error": error}
    if not error:
        fields |= {"state": Message.State.SENT, "sent_at": timezone.now()}
    elif message.attempts >= MAX_ATTEMPTS:
        fields |= {"state": Message.State.FAILED}
        logger.warning("message #%s failed after %s attempts: %s", message.pk, message.attempts, error)
    Message.objects.filter(pk=message.pk).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def outbox_sweep() -> int:
    """Retry queued messages older than a minute (every minute, from the scheduler). Returns how many
    were tried."""
    before = timezone.now() - RETRY_AFTER
    ids = list(
        Message.objects.filter(state=Message.State.QUEUED, created_at__lt=before)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    tried = 0
    for message_id in ids:
        if outbox_deliver(message_id) is not None:
            tried += 1
    return tried


@transaction.atomic
def message_mark_read(*, actor: AbstractBaseUser, message_id: int | None = None) -> int:
    """Mark one of one's own site messages read (or all of them, without ``message_id``). Another
    account's message is a 404. Not audited: reading one's own notifications reaches no one's data."""
    mine = Message.objects.filter(recipient_id=actor.pk, channel=Channel.SITE)
    if message_id is not None:
        if not mine.filter(pk=message_id).exists():
            raise Http404
        mine = mine.filter(pk=message_id)
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())
