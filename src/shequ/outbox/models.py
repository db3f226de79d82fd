"""The outbox: every notification (an SMS, a message on the site) is written here in the transaction of
the change that causes it, and delivered after commit by a sender chosen in settings. A failed delivery
stays queued and is tried again by the periodic sweep; nothing is sent for a change that rolled back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.lib.masking import mask_phone
from shequ.privacy.fields import EncryptedTextField, RowKeyField


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    SITE = "site", _("Message on the site")


class Message(models.Model):
    """One notification to a phone (SMS) or to an account (a message on the site)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    row_key = RowKeyField()
    phone = EncryptedTextField(_("mobile number"), mask=mask_phone)
    body = EncryptedTextField(_("text"))
    # What the message is about, for the recipient's list (e.g. "casework.case:123"); never personal.
    topic = models.CharField(_("about"), max_length=80, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["state", "created_at"], name="outbox_message_state"),
            models.Index(fields=["recipient", "channel", "read_at"], name="outbox_message_inbox"),
        ]

    def __str__(self) -> str:
        return f"message #{self.pk} {self.channel} {self.state}"
