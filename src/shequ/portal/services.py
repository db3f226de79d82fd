"""Residents sign in to the portal with their phone and a one-time code.

The code's mechanics are the accounts app's (``shequ.accounts.phone_codes``); whether a phone belongs to
someone, and the account a first sign-in makes, are the resident pool's. Both meet here, in the one app
that may use them all.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts import phone_codes
from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.outbox.models import Channel
from shequ.outbox.services import message_queue
from shequ.residents.services import resident_account_for_phone

from . import selectors

THROTTLED = "throttled"  # the code of a ValidationError for an hourly limit (the page answers 429)


def phone_code_send(*, phone: str, ip: str | None) -> None:
    """Send a sign-in code to ``phone``, within the hourly limits.

    It answers the same whether or not the number belongs to anyone (no one learns who is registered
    here): a code is made and counted either way, but the SMS goes out only to a number of someone living
    here or of an existing resident account. Audited without the number, or its index."""
    number = phone_codes.normalise_phone(phone)
    index = phone_codes.phone_index_of(number)
    with transaction.atomic():
        limit = phone_codes.send_limit(phone_index=index, ip=ip)
        if limit is not None:
            record_event(actor=None, action="accounts.phone_code_throttled", data={"limit": limit.value})
        else:
            row, code = phone_codes.code_create(phone_index=index, ip=ip)
            if selectors.phone_known(phone_index=index):
                message_queue(
                    channel=Channel.SMS, body=phone_codes.sms_text(code), phone=number, topic="accounts.phone_code"
                )
                record_event(actor=None, action="accounts.phone_code_sent", obj=row)
    # Raised after the transaction committed: the refusal stays in the audit trail.
    if limit is not None:
        raise ValidationError({"phone": ValidationError(phone_codes.limit_message(limit), code=THROTTLED)})


def phone_code_verify(*, phone: str, code: str, ip: str | None) -> User:
    """The resident account behind a right code: the active resident account with this number, or one
    made now for the person living here with it (``resident_account_for_phone``).

    A wrong code counts an attempt even though this raises (the count is committed first), an expired or
    spent one asks for a new one. Every outcome is audited, without the number."""
    number = phone_codes.normalise_phone(phone)
    typed = phone_codes.normalise_code(code)
    index = phone_codes.phone_index_of(number)
    error: ValidationError | None = None
    user: User | None = None
    with transaction.atomic():
        check = phone_codes.code_check(phone_index=index, code=typed)
        if check is not phone_codes.Check.OK:
            error = ValidationError({"code": phone_codes.check_message(check)})
        else:
            accounts = selectors.resident_accounts(phone_index=index)
            if accounts and accounts[0].is_active:
                user = accounts[0]
            elif accounts:
                error = ValidationError({"phone": _("This account is disabled. Please ask your community.")})
            else:
                user = resident_account_for_phone(phone=number)
                if user is None:
                    error = ValidationError(
                        {"phone": _("No resident living here has this number. Please ask your community.")}
                    )
        if user is not None:
            record_event(actor=user, action="accounts.phone_sign_in", obj=user)
        else:
            reason = check.value if check is not phone_codes.Check.OK else "no_account"
            record_event(actor=None, action="accounts.phone_sign_in_failed", data={"reason": reason})
    if error is not None or user is None:
        raise error or ValidationError({"code": phone_codes.check_message(phone_codes.Check.WRONG)})
    return user
