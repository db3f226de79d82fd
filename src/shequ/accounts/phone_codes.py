"""One-time sign-in codes sent to residents' phones: making, limiting and checking them.

Nothing here knows who owns a phone (that is the resident pool's, above this app): the portal's
services (``shequ.portal.services``) decide whether a code is sent and whose account it opens.

Only the phone's blind index (the purpose of ``User.phone_index`` and ``Person.phone_index``) and a keyed
hash of the code are stored. A code is 6 random digits, expires after ``SHEQU_OTP_TTL_SECONDS``, allows
``SHEQU_OTP_MAX_ATTEMPTS`` wrong tries and is used once. Sends are limited per phone and per address per
hour (``SHEQU_OTP_MAX_PER_PHONE_PER_HOUR``, ``SHEQU_OTP_MAX_PER_ADDRESS_PER_HOUR``).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.lib.identifiers import normalize_mobile

from .models import PhoneCode, User

CODE_DIGITS = 6
# Codes older than this are deleted when the next one is made: the hourly limits read one hour back.
KEEP_CODES = timedelta(days=1)

# The SMS text. Chinese whatever the page's language: an SMS template is registered with the gateway
# verbatim (with its 【signature】), so it does not follow the reader's language switch.
SMS_TEXT = "【社区服务】您的登录验证码是 {code}，{minutes}分钟内有效。如非本人操作请忽略。"


def normalise_phone(value: str) -> str:
    """The 11 digits of a mainland mobile number as people type it (spaces, +86, full-width digits);
    a ValidationError on the field ``phone`` otherwise."""
    try:
        return normalize_mobile(value or "")
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def normalise_code(value: str) -> str:
    """The digits of a code as typed (spaces and full-width digits allowed)."""
    code = "".join(unicodedata.normalize("NFKC", value or "").split())
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise ValidationError({"code": _("Enter the 6 digits of the code.")}, code="format")
    return code


def phone_index_of(number: str) -> str:
    """The phone's blind index, as accounts and the resident pool store it."""
    field = User._meta.get_field("phone_index")
    index: str = field.index_of(number)
    return index


def _code_key() -> bytes:
    # A key of its own, derived from SECRET_KEY: a leaked code hash cannot be compared with other hashes.
    return hmac.new(settings.SECRET_KEY.encode(), b"shequ.accounts.phone_code", hashlib.sha256).digest()


def _code_hash(phone_index: str, code: str) -> str:
    return hmac.new(_code_key(), f"{phone_index}:{code}".encode(), hashlib.sha256).hexdigest()


class Limit(enum.Enum):
    PHONE = "phone"  # this number had its codes for the hour
    ADDRESS = "ip"  # this address asked for too many codes in the hour


def send_limit(*, phone_index: str, ip: str | None) -> Limit | None:
    """Which hourly limit a new code would pass, if any. Codes for numbers that belong to nobody count
    too: the limits must not tell a known number from an unknown one."""
    recent = PhoneCode.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1))
    if recent.filter(phone_index=phone_index).count() >= settings.SHEQU_OTP_MAX_PER_PHONE_PER_HOUR:
        return Limit.PHONE
    if ip and recent.filter(ip=ip).count() >= settings.SHEQU_OTP_MAX_PER_ADDRESS_PER_HOUR:
        return Limit.ADDRESS
    return None


def limit_message(limit: Limit) -> str:
    if limit is Limit.PHONE:
        return _("Too many codes were sent to this number. Please try again in an hour.")
    return _("Too many codes were asked for from this network. Please try again in an hour.")


def code_create(*, phone_index: str, ip: str | None) -> tuple[PhoneCode, str]:
    """A new code for the phone (the row and the code in clear, to be sent and forgotten)."""
    now = timezone.now()
    PhoneCode.objects.filter(created_at__lt=now - KEEP_CODES).delete()
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    row = PhoneCode.objects.create(
        phone_index=phone_index,
        code_hash=_code_hash(phone_index, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SHEQU_OTP_TTL_SECONDS),
        ip=ip,
    )
    return row, code


def sms_text(code: str) -> str:
    return SMS_TEXT.format(code=code, minutes=max(1, settings.SHEQU_OTP_TTL_SECONDS // 60))


class Check(enum.Enum):
    OK = "code_ok"
    WRONG = "code_wrong"
    EXPIRED = "code_expired"  # the newest code is past its time
    SPENT = "code_spent"  # the newest code took its wrong attempts
    NONE = "code_none"  # no code was asked for (or the last one was used)


def code_check(*, phone_index: str, code: str) -> Check:
    """Check ``code`` against the phone's newest code, in constant time; a wrong one counts an
    attempt (the caller commits it even though the sign-in fails), and the last allowed wrong attempt
    spends the code. The right one marks it used."""
    # Only the newest code counts: asking for a new one retires the earlier ones, and once it is used
    # an older, unused one does not come back (it would answer "expired" or, worse, sign in).
    row = PhoneCode.objects.select_for_update().filter(phone_index=phone_index).order_by("-created_at", "-pk").first()
    if row is None or row.used_at is not None:
        return Check.NONE
    now = timezone.now()
    if row.attempts >= settings.SHEQU_OTP_MAX_ATTEMPTS:
        return Check.SPENT
    if row.expires_at <= now:
        return Check.EXPIRED
    if hmac.compare_digest(row.code_hash, _code_hash(phone_index, code)):
        row.used_at = now
        row.save(update_fields=["used_at"])
        return Check.OK
    row.attempts += 1
    row.save(update_fields=["attempts"])
    return Check.SPENT if row.attempts >= settings.SHEQU_OTP_MAX_ATTEMPTS else Check.WRONG


def check_message(check: Check) -> str:
    return {
        Check.WRONG: _("The code is not correct."),
        Check.EXPIRED: _("The code has expired. Please ask for a new one."),
        Check.SPENT: _("Too many wrong codes. Please ask for a new one."),
        Check.NONE: _("Please ask for a code first."),
    }[check]
