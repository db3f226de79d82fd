"""Reads of the portal. The sign-in's: whether a phone belongs to someone who may sign in, and whether an
account is a resident's (no actor: the visitor is not signed in yet; nothing read there is shown). The
case pages': the resident's people, the items offered online, and the resident's own cases."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.casework import kinds
from shequ.casework.catalogue import catalogue_items, file_fields
from shequ.casework.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    ChannelChoice,
    MaterialRequest,
    Rating,
    ServiceItem,
)
from shequ.casework.selectors import open_material_request, resident_cases, timeline
from shequ.casework.selectors import resident_persons as persons_of
from shequ.casework.workflow import TRANSITIONS, Action
from shequ.residents.models import Person, PersonStatus


def phone_known(*, phone_index: str) -> bool:
    """Someone living here (active in the pool) or an active resident account has this number."""
    return (
        User.objects.filter(phone_index=phone_index, is_active=True, grants__role=Role.RESIDENT).exists()
        or Person.objects.filter(phone_index=phone_index, status=PersonStatus.ACTIVE).exists()
    )


def resident_accounts(*, phone_index: str) -> list[User]:
    """The resident accounts with this number, active ones first."""
    accounts = User.objects.filter(phone_index=phone_index, grants__role=Role.RESIDENT).distinct()
    return sorted(accounts, key=lambda u: (not u.is_active, u.pk))


def is_resident(user: User | AnonymousUser) -> bool:
    """The account holds a resident grant (the portal is theirs)."""
    return bool(user.is_authenticated and Grant.objects.filter(user_id=user.pk, role=Role.RESIDENT).exists())


# ---- the residents' cases ---------------------------------------------------------------------------
# A resident reads the cases of the people registered with their account's phone
# (``casework.selectors.resident_persons``), whoever filed them: online, by proxy or door to door.


def resident_persons(actor: User) -> list[Person]:
    """The people the resident files and follows cases for (their phone's), in a stable order."""
    return list(persons_of(actor).select_related("household").order_by("pk"))


def resident_person(actor: User, person_id: int | None) -> Person | None:
    """One of the resident's people (the only one when ``person_id`` is not given and they have one);
    None when the choice is still to make. Someone else's person is a 404."""
    people = resident_persons(actor)
    if person_id is None:
        return people[0] if len(people) == 1 else None
    for person in people:
        if person.pk == person_id:
            return person
    raise Http404


def household_members(person: Person) -> list[Person]:
    """Whom a form's "person from the household" field may name: the applicant's household, the
    applicant first."""
    if not person.household_id:
        return [person]
    members = Person.objects.filter(household_id=person.household_id, status=PersonStatus.ACTIVE).order_by("pk")
    return sorted(members, key=lambda p: p.pk != person.pk)


def offered_items() -> list[ServiceItem]:
    """The catalogue's active items a resident applies for online, by department then name. Items about
    a place (a broken street light) have no applicant: they are reported through Open311, not here."""
    rows = catalogue_items().filter(concerns_place=False).order_by("department", "name")
    # ``channels`` is a JSON list; SQLite has no JSON "contains", and the catalogue is a few dozen rows.
    return [item for item in rows if ChannelChoice.ONLINE in item.channels]


def offered_item(code: str) -> ServiceItem:
    for item in offered_items():
        if item.code == code:
            return item
    raise Http404


def my_cases(actor: User) -> QuerySet[Case]:
    """Every case of the resident's people, newest first. A low rating's follow-up is the community's
    own work, not the resident's case."""
    return resident_cases(actor).exclude(kind=kinds.RATING_FOLLOWUP.code)


def my_case(actor: User, case_id: int) -> Case:
    """One of the resident's cases; anyone else's (or none) is a 404."""
    case = my_cases(actor).select_related("item_version", "area").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


@dataclass(frozen=True)
class CasePage:
    """What the case page shows the resident."""

    case: Case
    form_rows: list[tuple[str, str]]  # (label, value) of the form as filed
    timeline: list[Step]
    missing: MaterialRequest | None  # the open one-time notice of missing materials
    given_since: set[str]  # materials uploaded since that notice
    attachments: list[Attachment]
    materials: list[tuple[str, str]]  # (code, name) a file may be given for
    rating: Rating | None
    can_withdraw: bool
    can_rate: bool
    # A place report the resident filed (a broken street light) has no applicant: they follow it here, but
    # its files, withdrawal and rating are the applicant's (casework.services), so none are offered.
    is_applicants: bool


# How the resident's timeline names each step (the case's own events; internal ones are not public).
EVENT_LABELS = {
    "file": _("Application filed"),
    "accept": _("Accepted"),
    "request_materials": _("Missing materials listed (one-time notice)"),
    "supply_materials": _("Materials supplied"),
    "start": _("Processing started"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "complete": _("Completed"),
    "withdraw": _("Withdrawn"),
    "attach": _("File added"),
    "visit": _("Door-to-door visit"),
    "rate": _("Rated"),
}


@dataclass(frozen=True)
class Step:
    event: CaseEvent
    label: str
    materials: list[str]  # the names a notice of missing materials listed


RATABLE_STATES = frozenset({CaseState.APPROVED, CaseState.COMPLETED, CaseState.REJECTED})


def case_page(actor: User, case_id: int) -> CasePage:
    case = my_case(actor, case_id)
    snapshot = case.item_version.snapshot if case.item_version is not None else {}
    spec = snapshot.get("form", [])
    values = json.loads(case.form_data or "{}")
    people = {}
    if any(f.get("type") == "household_member" for f in spec):
        ids = [values[f["name"]] for f in spec if f.get("type") == "household_member" and f["name"] in values]
        people = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    form_rows = []
    for field in spec:
        if field["name"] not in values:
            continue
        value = values[field["name"]]
        form_rows.append((field["label"], people.get(value, "") if field["type"] == "household_member" else str(value)))
    files = set(file_fields(spec))
    materials = [(m["code"], m["name"]) for m in snapshot.get("materials", [])] + [
        (f["name"], f["label"]) for f in spec if f["name"] in files
    ]
    missing = open_material_request(case)
    attachments = list(case.attachments.order_by("uploaded_at", "id"))
    given = {a.material for a in attachments if missing is not None and a.uploaded_at > missing.requested_at}
    rating = Rating.objects.filter(case=case).first()
    return CasePage(
        case=case,
        form_rows=form_rows,
        timeline=[
            Step(
                event=event,
                label=str(EVENT_LABELS.get(event.action, event.action)),
                materials=[m.get("name", "") for m in event.data.get("materials", [])],
            )
            for event in timeline(case, for_resident=True)
        ],
        missing=missing,
        given_since=given,
        attachments=attachments,
        materials=materials,
        rating=rating,
        can_withdraw=case.applicant_id is not None and case.state in TRANSITIONS[Action.WITHDRAW].sources,
        can_rate=case.applicant_id is not None and rating is None and case.state in RATABLE_STATES,
        is_applicants=case.applicant_id is not None,
    )
