"""Who delivers an SMS: the class named by ``settings.SHEQU_SMS_BACKEND`` (a dotted path), built with no
arguments for each delivery. Any class with ``send(phone, body)`` that raises ``SendFailed`` when the
message did not go out will do (``SmsSender``).

- ``ConsoleSms`` (development, the default): logs the message with the phone masked; the development
  outbox page (/outbox/dev/) shows the recent ones, and only with this backend.
- ``HttpSms`` (production example): POSTs ``{"phone": ..., "text": ...}`` as JSON to
  ``SHEQU_SMS_HTTP_URL`` with ``Authorization: Bearer SHEQU_SMS_HTTP_TOKEN``; any 2xx answer is a success.
  A gateway with another protocol (Aliyun, Tencent Cloud) is one more class like it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from shequ.lib.masking import mask_phone

logger = logging.getLogger("shequ.outbox")

HTTP_TIMEOUT_SECONDS = 5


class SendFailed(Exception):
    """The message did not go out. Its text is stored as the message's last error: it never holds the
    phone number or the text."""


class SmsSender(Protocol):
    def send(self, phone: str, body: str) -> None: ...


class ConsoleSms:
    """Development: the SMS is logged (phone masked, the text in full: a demo user reads the one-time
    code there or on /outbox/dev/). Never for production: it delivers nothing."""

    def send(self, phone: str, body: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), body)


class HttpSms:
    """A generic HTTP SMS gateway: POST JSON ``{"phone", "text"}`` with a bearer token, 5 s timeout."""

    def __init__(self) -> None:
        self.url: str = getattr(settings, "SHEQU_SMS_HTTP_URL", "")
        self.token: str = getattr(settings, "SHEQU_SMS_HTTP_TOKEN", "")
        if not self.url:
            raise ImproperlyConfigured("SHEQU_SMS_HTTP_URL must be set for shequ.outbox.senders.HttpSms")

    def send(self, phone: str, body: str) -> None:
        payload = json.dumps({"phone": phone, "text": body}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SendFailed(f"gateway answered HTTP {exc.code}") from None
        except TimeoutError:
            raise SendFailed("gateway timed out") from None
        except (urllib.error.URLError, OSError) as exc:
            # The reason's text may echo the address; the class name says enough.
            reason = getattr(exc, "reason", exc)
            raise SendFailed(f"gateway unreachable ({type(reason).__name__})") from None
        if not 200 <= status < 300:
            raise SendFailed(f"gateway answered HTTP {status}")


def sms_backend_class() -> type:
    cls: type = import_string(settings.SHEQU_SMS_BACKEND)
    return cls


def sms_sender() -> SmsSender:
    """The configured sender, built afresh (settings may change between deliveries in tests)."""
    sender: SmsSender = sms_backend_class()()
    return sender


def console_backend() -> bool:
    """Whether SMS only goes to the console (development): the development outbox page exists then."""
    try:
        return issubclass(sms_backend_class(), ConsoleSms)
    except ImportError:
        return False
