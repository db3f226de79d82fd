"""Printing a case's papers (receipt of acceptance, one-time notice of missing materials) for staff: a
write, because every print is an audit event (a printed receipt carries the applicant's name).

The case is read and the PDF drawn outside any transaction (drawing takes tens of milliseconds, and on
SQLite a write transaction locks every other writer); only the audit event is written, in a short
transaction of its own, once the document exists.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404

from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from . import pdf, selectors
from .models import Case

RECEIPT = "receipt"
MATERIALS_NOTICE = "materials_notice"
DOCUMENTS = (RECEIPT, MATERIALS_NOTICE)


def receipt_available(case: Case) -> bool:
    """A receipt exists once the case was accepted (whatever happened after)."""
    return case.events.filter(action="accept").exists()


def notice_available(case: Case) -> bool:
    """A notice exists once the case was asked for materials."""
    return case.material_requests.exists()


def case_print(*, actor: User, case_id: int, document: str) -> tuple[Case, bytes]:
    """The PDF of one paper of a case in the actor's area; 404 when out of reach or when the paper does
    not exist yet (no receipt before acceptance, no notice before a request for materials)."""
    require_capability(actor, Capability.CASE_READ)
    if document not in DOCUMENTS:
        raise Http404
    case = selectors.staff_case(actor, case_id)
    if document == RECEIPT:
        if not receipt_available(case):
            raise Http404
        content = pdf.receipt_pdf(case)
        action = "casework.receipt_print"
    else:
        try:
            content = pdf.materials_notice_pdf(case)
        except LookupError:
            raise Http404 from None
        action = "casework.materials_notice_print"
    with transaction.atomic():
        record_event(actor=actor, action=action, obj=case, data={"document": document})
    return case, content
