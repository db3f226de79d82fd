"""The case workflow (R9) as data: which action leads from which state to which, and what the actor must
hold. ``services.case_act`` is the only code that moves a case, and only along these transitions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.lib.capabilities import Capability

from .models import CaseState as S


class Action(StrEnum):
    ACCEPT = "accept"
    REQUEST_MATERIALS = "request_materials"
    SUPPLY_MATERIALS = "supply_materials"
    START = "start"
    APPROVE = "approve"
    REJECT = "reject"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"


class Who(StrEnum):
    """Who may take an action: staff holding a capability in the case's area, or the applicant (the
    resident whose case it is, or staff filing on their behalf)."""

    STAFF = "staff"
    APPLICANT = "applicant"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str]
    target: str  # "" for SUPPLY_MATERIALS: back to the state the case was in before it waited
    who: frozenset[Who]
    capability: str  # what staff must hold in the case's area
    label: Promise
    needs_note: bool = False  # a reason the resident will read (rejection)


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.ACCEPT,
            frozenset({S.SUBMITTED}),
            S.ACCEPTED,
            frozenset({Who.STAFF}),
            Capability.CASE_HANDLE,
            _("Accept"),
        ),
        Transition(
            Action.REQUEST_MATERIALS,
            frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS}),
            S.WAITING,
            frozenset({Who.STAFF}),
            Capability.CASE_HANDLE,
            _("Ask for the missing materials"),
        ),
        Transition(
            Action.SUPPLY_MATERIALS,
            frozenset({S.WAITING}),
            "",
            frozenset({Who.APPLICANT}),
            Capability.CASE_HANDLE,
            _("Supply the materials"),
        ),
        Transition(
            Action.START,
            frozenset({S.ACCEPTED}),
            S.IN_PROGRESS,
            frozenset({Who.STAFF}),
            Capability.CASE_HANDLE,
            _("Start processing"),
        ),
        Transition(
            Action.APPROVE,
            frozenset({S.ACCEPTED, S.IN_PROGRESS}),
            S.APPROVED,
            frozenset({Who.STAFF}),
            Capability.CASE_DECIDE,
            _("Approve"),
        ),
        Transition(
            Action.REJECT,
            frozenset({S.SUBMITTED, S.ACCEPTED, S.WAITING, S.IN_PROGRESS}),
            S.REJECTED,
            frozenset({Who.STAFF}),
            Capability.CASE_DECIDE,
            _("Reject"),
            needs_note=True,
        ),
        Transition(
            Action.COMPLETE,
            frozenset({S.APPROVED}),
            S.COMPLETED,
            frozenset({Who.STAFF}),
            Capability.CASE_HANDLE,
            pgettext_lazy("case action", "Complete"),
        ),
        Transition(
            Action.WITHDRAW,
            frozenset({S.SUBMITTED, S.ACCEPTED, S.WAITING, S.IN_PROGRESS}),
            S.WITHDRAWN,
            frozenset({Who.APPLICANT}),
            Capability.CASE_HANDLE,
            _("Withdraw"),
        ),
    )
}


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


# The clock stops while the case waits for the resident (R9).
CLOCK_STOPPED_STATES = frozenset({S.WAITING})
