"""Case kinds: how another domain attaches to the one workflow. A domain registers its kind once (in its
``AppConfig.ready``) and opens cases of it through ``casework.services.case_file``; it never copies the
workflow. The kind says how long a case takes when no catalogue item does, and may react to each
transition (a programme enrols a person when its application is approved).

Built in: ``service`` (an item of the service catalogue, the default) and ``rating_followup`` (a low
rating's follow-up for the head of the community).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.lib.workdays import LimitUnit

if TYPE_CHECKING:
    from .models import Case


@dataclass(frozen=True)
class CaseKind:
    code: str
    label: Promise
    time_limit: int = 5
    time_limit_unit: LimitUnit = LimitUnit.WORKING_DAYS
    # Called inside the transaction of every transition, after the case moved: (case, action, actor).
    on_transition: Callable[[Case, str, object], None] | None = None
    # Who else may act on a case of this kind, beyond staff of its area and its applicant: (case, actor,
    # action) -> bool. A home-care order is moved by the staff of the provider it was sent to, who hold
    # no case capability anywhere; the kind's own rule says so, casework asks it.
    may_act: Callable[[Case, object, str], bool] | None = None


_KINDS: dict[str, CaseKind] = {}


def register(kind: CaseKind) -> CaseKind:
    existing = _KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"case kind {kind.code!r} is registered twice")
    _KINDS[kind.code] = kind
    return kind


def get(code: str) -> CaseKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no case kind {code!r} is registered") from None


def all_kinds() -> list[CaseKind]:
    return list(_KINDS.values())


SERVICE = register(CaseKind("service", _("Service application")))
RATING_FOLLOWUP = register(CaseKind("rating_followup", _("Follow-up of a low rating"), time_limit=3))
