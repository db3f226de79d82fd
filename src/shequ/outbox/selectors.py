"""Every read of the outbox: one's own site messages, and the development SMS page's recent messages."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from .models import Channel, Message

DEV_SMS_SHOWN = 20
DEV_SMS_WINDOW = timedelta(minutes=30)


def inbox(*, actor: AbstractBaseUser) -> QuerySet[Message]:
    """The account's own site messages, newest first."""
    return Message.objects.filter(recipient_id=actor.pk, channel=Channel.SITE).order_by("-created_at", "-pk")


def unread_count(user: AbstractBaseUser | AnonymousUser | None) -> int:
    """How many of the account's site messages are unread (0 for the anonymous visitor): for the header."""
    if user is None or not user.is_authenticated:
        return 0
    return Message.objects.filter(recipient_id=user.pk, channel=Channel.SITE, read_at__isnull=True).count()


def dev_recent_sms() -> list[Message]:
    """The last SMS of the last half hour, newest first: the development outbox page (only shown with the
    console sender, which delivers nothing)."""
    since = timezone.now() - DEV_SMS_WINDOW
    return list(
        Message.objects.filter(channel=Channel.SMS, created_at__gte=since).order_by("-created_at", "-pk")[
            :DEV_SMS_SHOWN
        ]
    )
