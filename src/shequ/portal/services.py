"""The portal's writes: residents sign in with their phone and a one-time code, and apply online.

The code's mechanics are the accounts app's (``shequ.accounts.phone_codes``); whether a phone belongs to
someone, and the account a first sign-in makes, are the resident pool's. Both meet here, in the one app
that may use them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts import phone_codes
from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.casework.catalogue import file_fields, form_validate, item_version
from shequ.casework.files import sniff_type
from shequ.casework.models import Case, ChannelChoice
from shequ.casework.services import Filing, case_attach, case_file
from shequ.outbox.models import Channel
from shequ.outbox.services import message_queue
from shequ.residents.services import resident_account_for_phone

from . import selectors

logger = logging.getLogger("shequ.portal")

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


# ---- applying online ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One file given with an application: for a material of the item (or a file field of its form)."""

    material: str
    file: IO[bytes]
    filename: str
    size: int


@dataclass
class Applied:
    case: Case
    failed: list[str] = field(default_factory=list)  # materials whose file could not be stored after filing


def _upload_errors(uploads: list[Upload], names: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with the files (type by their first bytes, size, material), by material."""
    errors: dict[str, list[str]] = {}
    limit = settings.SHEQU_CASE_ATTACHMENT_MAX_BYTES
    if len(uploads) > settings.SHEQU_CASE_ATTACHMENTS_PER_CASE:
        errors["file"] = [_("Too many files for one application.")]
    for upload in uploads:
        label = names.get(upload.material)
        if label is None:
            errors.setdefault("file", []).append(_("This item asks for no such material."))
            continue
        head = upload.file.read(16)
        upload.file.seek(0)
        if sniff_type(head) is None:
            message = _("%(label)s: only PDF, JPEG and PNG files are accepted (the content of “%(file)s” is not one).")
            errors.setdefault(upload.material, []).append(message % {"label": label, "file": upload.filename[:60]})
        elif upload.size > limit:
            message = _("%(label)s: the file is larger than %(mb)d MB.")
            errors.setdefault(upload.material, []).append(message % {"label": label, "mb": limit // 1024 // 1024})
    return errors


def case_apply(
    *, actor: User, item_code: str, applicant_id: int, form: dict[str, Any], uploads: list[Upload]
) -> Applied:
    """A resident applies online for one of the people registered with their phone: the item's form and
    the files of its materials. Consent is implicit: it is their own case.

    Nothing is half-saved: the form's values and the files (type by content, size, material) are all
    checked first, every problem reported at once on its field; then the case is filed (the form again,
    the one-open-case rule) in one transaction of its own. The files are then sealed and stored one by
    one outside any write transaction (``case_attach``); one that still fails (the disk, the per-case
    limit) leaves the filed case and is named in ``failed``: the case page says so and the resident adds
    that material there."""
    item = selectors.offered_item(item_code)
    person = selectors.resident_person(actor, applicant_id)
    assert person is not None
    spec = item_version(item).snapshot.get("form", [])
    files = set(file_fields(spec))
    names = {m["code"]: m["name"] for m in item_version(item).snapshot.get("materials", [])}
    names |= {f["name"]: f["label"] for f in spec if f["name"] in files}
    errors: dict[str, list[str]] = {}
    try:
        form_validate(spec, form, {p.pk for p in selectors.household_members(person)})
    except ValidationError as exc:
        errors |= exc.message_dict
    given = {u.material for u in uploads}
    for f in spec:
        if f["name"] in files and f.get("required") and f["name"] not in given:
            errors[f["name"]] = [_("%(label)s: this field is required.") % {"label": f["label"]}]
    for key, messages in _upload_errors(uploads, names).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    case = case_file(
        actor=actor,
        channel=ChannelChoice.ONLINE,
        filing=Filing(item_code=item.code, applicant_id=person.pk, form=form),
    )
    applied = Applied(case=case)
    for upload in uploads:
        try:
            case_attach(
                actor=actor, case_id=case.pk, material=upload.material, upload=upload.file, filename=upload.filename
            )
        except (ValidationError, OSError):
            logger.warning("case #%s: a file given with the application could not be stored", case.pk)
            applied.failed.append(names[upload.material])
    return applied
