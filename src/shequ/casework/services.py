"""Every write of casework: filing a case on any of the three channels, moving it along the workflow,
taking it, materials and attachments, visits, ratings and the deadline job.

Each function checks the actor first and finds the case through the actor's own scope (staff: their
area; a resident: their own cases); a case out of reach is a 404 whatever id is handed in.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.accounts.system import system_actor
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, granted_paths, require_capability
from shequ.lib.workdays import Deadline, WorkCalendar, deadline, resumed_deadline
from shequ.outbox.models import Channel
from shequ.outbox.services import message_queue
from shequ.privacy.sealed import open_sealed, seal_stream
from shequ.reference.selectors import work_calendar
from shequ.residents.models import Person, PersonStatus

from . import kinds
from .catalogue import catalogue_item, file_fields, form_validate, item_version
from .files import EXTENSIONS, BoundedReader, TooLarge, sniff_type
from .models import (
    CLOSED_STATES,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    ChannelChoice,
    MaterialRequest,
    Rating,
    RatingLevel,
    ServiceItem,
)
from .selectors import resident_persons
from .workflow import CLOCK_STOPPED_STATES, TRANSITIONS, Action, Transition, Who, transitions_from

CONSENT_METHODS = {
    "in_person": "当面口头同意",
    "signature": "书面签字",
    "phone": "电话确认",
    "guardian": "监护人或近亲属代为同意",
}
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class CaseTaken(ValidationError):
    """Someone else took the case first."""


class TransitionRefused(ValidationError):
    """The transition is not one the case's state or the actor's role allows (the API answers 409)."""


# ---- helpers ---------------------------------------------------------------------------------------


def _holds(actor: Actor, capability: str, area: Area) -> bool:
    return any(area.path.startswith(path) for path in granted_paths(actor, capability))


def _is_applicant(actor: User, case: Case) -> bool:
    """The resident whose case it is: their account's phone is the applicant's (``resident_persons``)."""
    if case.applicant_id is None or not actor.phone_index:
        return False
    return resident_persons(actor).filter(pk=case.applicant_id).exists()


def _case_for_update(actor: User, case_id: int) -> Case:
    """The case, locked, if the actor may act on it at all (staff of its area or its applicant)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("area", "item").filter(pk=case_id).first()
    if case is None:
        raise Http404
    if _holds(actor, Capability.CASE_READ, case.area) or _is_applicant(actor, case) or _kind_lets(actor, case, ""):
        return case
    raise Http404


def _kind_lets(actor: User, case: Case, action: str) -> bool:
    """The case's kind lets the actor act on it (``CaseKind.may_act``; ``action`` "" asks for any)."""
    rule = kinds.get(case.kind).may_act
    return rule is not None and rule(case, actor, action)


def _event(
    case: Case,
    *,
    actor: User | None,
    action: str,
    from_state: str = "",
    note: str = "",
    public: bool = True,
    **data: Any,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=case.state if from_state else "",
        note=note,
        data=data,
        public=public,
    )
    # The audit event carries the step, never the form's or the note's content.
    record_event(
        actor=actor,
        action=f"casework.{action}",
        obj=case,
        data={k: v for k, v in {"from": from_state, "to": event.to_state, **data}.items() if v not in ("", None)},
    )
    return event


def applicant_accounts(case: Case) -> list[User]:
    """The resident accounts that follow a case: those whose phone is the applicant's."""
    if case.applicant is None or not case.applicant.phone_index:
        return []
    return list(
        User.objects.filter(
            phone_index=case.applicant.phone_index, is_active=True, grants__role=Role.RESIDENT
        ).distinct()
    )


def _notify_applicant(case: Case, text: str) -> None:
    """A message on the site to the applicant's accounts, and an SMS to the applicant's phone."""
    for account in applicant_accounts(case):
        message_queue(channel=Channel.SITE, recipient=account, body=text, topic=f"casework.case:{case.pk}")
    if case.applicant is not None and case.applicant.phone:
        message_queue(
            channel=Channel.SMS, phone=case.applicant.phone, body=f"【社区服务】{text}", topic="casework.case"
        )


def _notify_staff(users: list[User], case: Case, text: str) -> None:
    for user in users:
        message_queue(channel=Channel.SITE, recipient=user, body=text, topic=f"casework.case:{case.pk}")


def _staff_of(area_path_prefixes: list[str], role: str, **grant_filter: Any) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, grants__role=role, grants__area__path__in=area_path_prefixes, **grant_filter
        ).distinct()
    )


def _ancestor(area: Area, level: int) -> Area | None:
    node: Area | None = area
    while node is not None and node.level > level:
        node = node.parent
    return node if node is not None and node.level == level else None


def _new_number(now: datetime) -> str:
    return timezone.localtime(now).strftime("%Y%m%d") + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))


def _deadline(case: Case) -> None:
    due = deadline(timezone.localtime(case.submitted_at), case.time_limit, case.time_limit_unit, work_calendar())
    case.deadline_at, case.deadline_uncertain = due.at, due.flagged


# ---- filing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """What is filed: the item (or, for a kind without items, the kind) and the applicant or place."""

    item_code: str = ""
    kind: str = kinds.SERVICE.code
    applicant_id: int | None = None
    form: dict[str, Any] | None = None
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    address_text: str = ""


def _files_as_staff(actor: User, channel: str) -> bool:
    """Staff file proxy and door-to-door cases for residents of their area; online is the resident's own."""
    return channel != ChannelChoice.ONLINE and bool(granted_paths(actor, Capability.CASE_HANDLE))


def _applicant_for(actor: User, channel: str, applicant_id: int | None, item: ServiceItem | None) -> Person | None:
    if applicant_id is None:
        if item is not None and item.concerns_place:
            return None
        raise ValidationError({"applicant": _("Choose the applicant.")})
    if _files_as_staff(actor, channel):
        person = (
            Person.objects.visible_to(actor, Capability.CASE_HANDLE)
            .select_for_update(of=("self",))
            .select_related("address__area", "area")
            .filter(pk=applicant_id, status=PersonStatus.ACTIVE)
            .first()
        )
    elif channel == ChannelChoice.PROXY:
        person = None
    else:
        # A resident files for themselves: one of the people registered with their phone.
        person = resident_persons(actor).select_for_update().filter(pk=applicant_id).first()
    if person is None:
        raise Http404
    return person


def _in_own_city(actor: User, area: Area) -> bool:
    """The area lies in a city where the account holds a grant (``/city/…`` is a path's first step)."""
    cities = {path.split("/")[1] for path in actor.grants.values_list("area__path", flat=True)}
    return area.path.split("/")[1] in cities


def _case_area(applicant: Person | None, place_area: Area | None) -> Area:
    if applicant is not None:
        return applicant.address.area if applicant.address_id and applicant.address else applicant.area
    if place_area is None:
        raise ValidationError({"area": _("Say where the problem is.")})
    return place_area


@transaction.atomic
def case_file(
    *,
    actor: User | None,
    channel: str,
    filing: Filing,
    consent_method: str = "",
    consent_note: str = "",
    proxy_reason: str = "",
    place_area: Area | None = None,
    api_key_id: int | None = None,
    parent: Case | None = None,
) -> Case:
    """File a case. Online: a resident for one of the people registered with their phone. Proxy: staff
    of the applicant's area for a resident who cannot, with the resident's consent and the reason. Door
    to door: the resident or staff; the case goes to the applicant's grid. A place request (an item that
    concerns a place) needs no applicant: ``place_area`` says where, ``api_key_id`` who sent it (Open311,
    with ``actor`` None)."""
    item = catalogue_item(filing.item_code) if filing.item_code else None
    kind = kinds.get(item.kind if item is not None else filing.kind)
    if channel not in ChannelChoice.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    # Open311 is the outside systems' channel (no actor, a key) and offers every item about a place.
    if (actor is None) != (channel == ChannelChoice.OPEN311):
        raise Http404
    if item is not None and not (item.concerns_place if channel == ChannelChoice.OPEN311 else channel in item.channels):
        raise ValidationError({"channel": _("This item is not offered on this channel.")})
    if actor is None:
        # An outside system (Open311) files place requests only, in an area its key names.
        if api_key_id is None or item is None or not item.concerns_place:
            raise Http404
        applicant = None
    else:
        applicant = _applicant_for(actor, channel, filing.applicant_id, item)
    if channel == ChannelChoice.PROXY:
        if consent_method not in CONSENT_METHODS:
            raise ValidationError({"consent_method": _("Say how the resident gave their consent.")})
        if not proxy_reason.strip():
            raise ValidationError({"proxy_reason": _("Say why the resident cannot apply themselves.")})
    area = _case_area(applicant, place_area)
    if actor is not None and _files_as_staff(actor, channel) and not _holds(actor, Capability.CASE_HANDLE, area):
        raise Http404
    if actor is not None and applicant is None and not _in_own_city(actor, area):
        raise Http404  # a resident reports a place in the city they live in, never in another

    values: dict[str, Any] = {}
    if item is not None:
        version = item_version(item)
        # The applicant is a member of their own household, registered as one or not.
        household = {applicant.pk} if applicant is not None else set()
        if applicant is not None and applicant.household_id:
            household = set(
                Person.objects.filter(household_id=applicant.household_id, status=PersonStatus.ACTIVE).values_list(
                    "pk", flat=True
                )
            )
        values = form_validate(version.snapshot.get("form", []), filing.form or {}, household)
        if item.one_open_per_applicant and applicant is not None:
            duplicate = Case.objects.filter(applicant=applicant, item=item).exclude(state__in=CLOSED_STATES).first()
            if duplicate is not None:
                raise ValidationError(
                    {
                        "item": _(
                            "There is already an open case of “%(item)s” for this applicant (%(number)s): "
                            "it must be closed before another is filed."
                        )
                        % {"item": item.name, "number": duplicate.number}
                    }
                )
    else:
        version = None
    if len(filing.description) > 2000:
        raise ValidationError({"description": _("The description is at most 2,000 characters.")})

    now = timezone.now()
    workers: list[User] = []
    if channel == ChannelChoice.DOOR:
        grid = _ancestor(area, Level.GRID)
        workers = _staff_of([grid.path], Role.GRID_WORKER) if grid is not None else []
    # A door-to-door case goes to the grid's worker (R8); with several, it waits on their lists for one to
    # take.
    assignee = workers[0] if len(workers) == 1 else None
    case = Case(
        kind=kind.code,
        item=item,
        item_version=version,
        area=area,
        channel=channel,
        state=CaseState.SUBMITTED,
        applicant=applicant,
        filed_by=actor,
        parent=parent,
        form_data=json.dumps(values, ensure_ascii=False),
        description=filing.description.strip(),
        consent_method=consent_method if channel == ChannelChoice.PROXY else "",
        consent_note=consent_note.strip()[:200] if channel == ChannelChoice.PROXY else "",
        proxy_reason=proxy_reason.strip()[:200] if channel == ChannelChoice.PROXY else "",
        lon=filing.lon,
        lat=filing.lat,
        address_text=filing.address_text.strip()[:200],
        api_key_id=api_key_id,
        assigned_to=assignee,
        taken_at=now if assignee is not None else None,
        submitted_at=now,
        time_limit=item.time_limit if item is not None else kind.time_limit,
        time_limit_unit=item.time_limit_unit if item is not None else kind.time_limit_unit,
    )
    _deadline(case)
    _save_numbered(case, now)
    _event(
        case,
        actor=actor,
        action="file",
        channel=channel,
        item=item.code if item else "",
        kind=kind.code,
        assigned=assignee.pk if assignee is not None else None,
        api_key=api_key_id,  # which outside system filed it (Open311): the trail names no account then
    )
    if applicant is not None:
        _notify_applicant(case, _("Your case %(number)s (%(item)s) was received.") % _texts(case))
    if channel == ChannelChoice.DOOR:
        _notify_staff(workers, case, _("A door-to-door case %(number)s was filed in your grid.") % _texts(case))
    return case


@transaction.atomic
def case_open_for_kind(
    *,
    actor: User,
    kind: str,
    area: Area,
    applicant: Person | None,
    description: str = "",
    parent: Case | None = None,
    address_text: str = "",
    notify: list[User] | None = None,
) -> Case:
    """Open a case of a registered kind for a domain whose own service has already decided the actor may
    (a home-care order, a complaint, an emergency call): the domain's rule, not a case capability, lets
    the actor in. Numbered, timed and recorded as any filed case; ``notify`` get a site message."""
    found = kinds.get(kind)
    now = timezone.now()
    case = Case(
        kind=found.code,
        area=area,
        channel=ChannelChoice.PROXY
        if applicant is not None and not _is_own(actor, applicant)
        else ChannelChoice.ONLINE,
        applicant=applicant,
        filed_by=actor,
        parent=parent,
        form_data="{}",
        description=description.strip()[:2000],
        address_text=address_text.strip()[:200],
        submitted_at=now,
        time_limit=found.time_limit,
        time_limit_unit=found.time_limit_unit,
    )
    _deadline(case)
    _save_numbered(case, now)
    _event(
        case, actor=actor, action="file", channel=case.channel, kind=found.code, parent=parent.pk if parent else None
    )
    if notify:
        _notify_staff(notify, case, _("A new case %(number)s (%(item)s).") % _texts(case))
    return case


def _is_own(actor: User, person: Person) -> bool:
    return bool(actor.phone_index) and resident_persons(actor).filter(pk=person.pk).exists()


def _save_numbered(case: Case, now: datetime) -> None:
    """Save a new case under a fresh number (a clash with another case's number draws again)."""
    for _attempt in range(5):
        case.number = _new_number(now)
        try:
            with transaction.atomic():
                case.save()
            return
        except IntegrityError:
            if Case.objects.filter(number=case.number).exists():
                continue
            raise
    raise IntegrityError("no free case number after five draws")


def _texts(case: Case) -> dict[str, str]:
    label = case.item.name if case.item is not None else str(kinds.get(case.kind).label)
    return {"number": case.number, "item": label}


# ---- the workflow ----------------------------------------------------------------------------------


def _may(actor: User, case: Case, action: Action) -> bool:
    transition = TRANSITIONS[action]
    if _kind_lets(actor, case, action.value):
        return True
    if Who.STAFF in transition.who and _holds(actor, transition.capability, case.area):
        return True
    if Who.APPLICANT in transition.who:
        # The applicant, or staff of the area acting for them (a proxy or door-to-door case). An online
        # case is the resident's own: staff neither withdraw it nor answer its notice in their name.
        if _is_applicant(actor, case):
            return True
        return case.channel in (ChannelChoice.PROXY, ChannelChoice.DOOR) and _holds(
            actor, Capability.CASE_HANDLE, case.area
        )
    return False


def actions_allowed(actor: User, case: Case) -> list[Transition]:
    """The transitions the actor may make on the case now (what a page offers; ``case_act`` checks again)."""
    return [t for t in transitions_from(case.state) if _may(actor, case, t.action)]


@transaction.atomic
def case_act(*, actor: User, case_id: int, action: str, note: str = "", materials: list[str] | None = None) -> Case:
    """Move a case along one transition of ``workflow.TRANSITIONS``; anything else is refused with a
    message that says why, and nothing changes."""
    case = _case_for_update(actor, case_id)
    try:
        chosen = Action(action)
    except ValueError:
        raise ValidationError({"action": _("Unknown action.")}) from None
    transition = TRANSITIONS[chosen]
    if case.state not in transition.sources:
        raise TransitionRefused(
            {
                "action": _("The case is “%(state)s”: it cannot be “%(action)s” now.")
                % {"state": CaseState(case.state).label, "action": transition.label}
            }
        )
    if not _may(actor, case, chosen):
        # The case is visible to the actor (else 404 above), so saying "not yours to do" leaks nothing.
        raise TransitionRefused({"action": _("You may not do this with this case.")})
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("The note is at most 2,000 characters.")})
    if transition.needs_note and not note:
        raise ValidationError({"note": _("Give the reason: the applicant will read it.")})

    now = timezone.now()
    before = case.state
    data: dict[str, Any] = {}
    if chosen is Action.REQUEST_MATERIALS:
        data["materials"] = _request_materials(actor, case, materials or [], note, now)
        case.resume_state = before
        case.clock_stopped_at = now
        case.state = CaseState.WAITING
    elif chosen is Action.SUPPLY_MATERIALS:
        _supply_materials(case, now)
        case.state = case.resume_state or CaseState.ACCEPTED
        case.resume_state = ""
        if case.clock_stopped_at is not None and case.deadline_at is not None:
            due = resumed_deadline(
                timezone.localtime(case.deadline_at),  # days are local days
                timezone.localtime(case.clock_stopped_at),
                timezone.localtime(now),
                case.time_limit_unit,
                work_calendar(),
            )
            if due.at > case.deadline_at:
                # A warning was about the old deadline: the job warns again before the new one.
                case.warned_at = None
            case.deadline_at = due.at
            case.deadline_uncertain = case.deadline_uncertain or due.flagged
        case.clock_stopped_at = None
    else:
        case.state = transition.target
    if case.state in CLOSED_STATES:
        case.closed_at = now
    if (
        case.state not in CLOCK_STOPPED_STATES
        and before in CLOCK_STOPPED_STATES
        and chosen is not Action.SUPPLY_MATERIALS
    ):
        case.clock_stopped_at = None
    case.save()
    _event(case, actor=actor, action=chosen.value, from_state=before, note=note, **data)
    kind = kinds.get(case.kind)
    if kind.on_transition is not None:
        kind.on_transition(case, chosen.value, actor)
    if case.applicant_id is not None and chosen is not Action.SUPPLY_MATERIALS:
        _notify_applicant(
            case,
            _("Your case %(number)s (%(item)s): %(state)s.") % {**_texts(case), "state": CaseState(case.state).label},
        )
    return case


def _material_names(case: Case) -> dict[str, str]:
    snapshot = case.item_version.snapshot if case.item_version is not None else {}
    names = {m["code"]: m["name"] for m in snapshot.get("materials", [])}
    form = snapshot.get("form", [])
    files = set(file_fields(form))
    for field in form:
        if field["name"] in files:
            names.setdefault(field["name"], field["label"])
    return names


def _request_materials(actor: User, case: Case, codes: list[str], note: str, now: datetime) -> list[dict[str, str]]:
    """The one-time notice (一次性告知): every missing material at once. A later notice may name only what
    the resident changed since the previous one, so staff cannot come back for something they could
    have asked for the first time."""
    names = _material_names(case)
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes and not note:
        raise ValidationError({"materials": _("List every missing material at once.")})
    unknown = [c for c in codes if c not in names]
    if unknown:
        raise ValidationError({"materials": _("This item asks for no such material.")})
    previous = case.material_requests.order_by("-requested_at", "-id").first()
    if previous is not None:
        changed = set(case.attachments.filter(uploaded_at__gt=previous.requested_at).values_list("material", flat=True))
        if not codes or not set(codes) <= changed:
            raise ValidationError(
                {
                    "materials": _(
                        "The missing materials were already listed once (一次性告知): a new request may only "
                        "name materials the applicant changed since."
                    )
                }
            )
    listed = [{"code": c, "name": names[c]} for c in codes]
    MaterialRequest.objects.create(case=case, materials=listed, note=note, requested_at=now, requested_by=actor)
    return listed


def _supply_materials(case: Case, now: datetime) -> None:
    request = case.material_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()
    if request is not None:
        given = set(case.attachments.filter(uploaded_at__gt=request.requested_at).values_list("material", flat=True))
        missing = [m["name"] for m in request.materials if m["code"] not in given]
        if missing:
            raise ValidationError({"materials": _("Still missing: %(names)s.") % {"names": "、".join(missing)}})
        request.answered_at = now
        request.save(update_fields=["answered_at"])


@transaction.atomic
def case_take(*, actor: User, case_id: int) -> Case:
    """Take a case to handle it. Atomic: of two staff taking the same case at once exactly one wins (one
    conditional UPDATE); the other is told who has it."""
    require_capability(actor, Capability.CASE_HANDLE)
    case = Case.objects.visible_to(actor, Capability.CASE_HANDLE).select_related("area").filter(pk=case_id).first()
    if case is None:
        raise Http404
    if case.state in CLOSED_STATES:
        raise ValidationError({"case": _("The case is closed.")})
    now = timezone.now()
    won = Case.objects.filter(pk=case.pk, assigned_to__isnull=True).update(assigned_to=actor, taken_at=now)
    if not won:
        holder = Case.objects.filter(pk=case.pk).values_list("assigned_to", flat=True).first()
        if holder == actor.pk:
            return case
        if holder is None:  # taken and released again in between
            raise CaseTaken({"case": _("The case changed hands just now. Please try again.")})
        name = User.objects.filter(pk=holder).values_list("display_name", "username").first()
        raise CaseTaken(
            {"case": _("%(name)s has already taken this case.") % {"name": (name[0] or name[1]) if name else "?"}}
        )
    case.refresh_from_db()
    _event(case, actor=actor, action="take", public=False)
    return case


@transaction.atomic
def case_release(*, actor: User, case_id: int) -> Case:
    """Give a taken case back to the queue (the one who has it, or staff who decide in its area)."""
    case = _case_for_update(actor, case_id)
    if case.assigned_to_id != actor.pk and not _holds(actor, Capability.CASE_DECIDE, case.area):
        raise ValidationError({"case": _("Only whoever has the case can give it back.")})
    case.assigned_to = None
    case.taken_at = None
    case.save(update_fields=["assigned_to", "taken_at", "updated_at"])
    _event(case, actor=actor, action="release", public=False)
    return case


# ---- attachments -----------------------------------------------------------------------------------


def _file_context(stored_name: str) -> str:
    return f"casework.attachment:{stored_name}"


def case_attach(*, actor: User, case_id: int, material: str, upload: IO[bytes], filename: str) -> Attachment:
    """Add a file to a case: its type is read from its content (never its name), its size bounded, and it
    is stored sealed outside the static root. The file is read and sealed before the short transaction
    that records it: no write lock is held while a file is read."""
    case = _visible_case(actor, case_id)
    # Staff who only read cases (the city administrator) add no files; handlers and the applicant do.
    if not (_holds(actor, Capability.CASE_HANDLE, case.area) or _is_applicant(actor, case)):
        raise ValidationError({"file": _("You may not do this with this case.")})
    if case.state in CLOSED_STATES:
        raise ValidationError({"file": _("The case is closed.")})
    names = _material_names(case)
    if material and material not in names and material != "visit_photo":
        raise ValidationError({"material": _("This item asks for no such material.")})
    head = upload.read(16)
    content_type = sniff_type(head)
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG files are accepted.")})
    limit = settings.SHEQU_CASE_ATTACHMENT_MAX_BYTES
    stored_name = uuid.uuid4().hex
    target = settings.SHEQU_CASE_FILES_DIR / stored_name
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = BoundedReader(head, upload, limit)
    try:
        try:
            with open(target, "wb") as out:
                for piece in seal_stream(reader, context=_file_context(stored_name)):  # type: ignore[arg-type]
                    out.write(piece)
        except TooLarge:
            raise ValidationError(
                {"file": _("The file is larger than %(mb)d MB.") % {"mb": limit // 1024 // 1024}}
            ) from None
        with transaction.atomic():
            case = _case_for_update(actor, case_id)
            if case.attachments.count() >= settings.SHEQU_CASE_ATTACHMENTS_PER_CASE:
                raise ValidationError({"file": _("This case already has as many files as it may have.")})
            previous = case.attachments.filter(material=material).order_by("-uploaded_at").first() if material else None
            attachment = Attachment.objects.create(
                case=case,
                material=material,
                filename=_safe_filename(filename, content_type),
                content_type=content_type,
                size=reader.size,
                sha256=reader.digest.hexdigest(),
                stored_name=stored_name,
                uploaded_at=timezone.now(),
                uploaded_by=actor,
                replaces=previous,
            )
            _event(case, actor=actor, action="attach", material=material, attachment=attachment.pk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return attachment


def _safe_filename(name: str, content_type: str) -> str:
    base = "".join(ch for ch in name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if ch.isprintable() and ch not in '<>:"|?*')
    base = base.strip(". ")[:100] or "file"
    ext = EXTENSIONS[content_type]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}{ext}"


def _visible_case(actor: User, case_id: int) -> Case:
    case = Case.objects.select_related("area", "item", "item_version").filter(pk=case_id).first()
    if case is None or not (_holds(actor, Capability.CASE_READ, case.area) or _is_applicant(actor, case)):
        raise Http404
    return case


@transaction.atomic
def attachment_open(*, actor: User, attachment_id: int) -> tuple[Attachment, IO[bytes]]:
    """An attachment's plaintext for whoever may see its case; every download is an audit event."""
    attachment = Attachment.objects.select_related("case__area").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    case = _visible_case(actor, attachment.case_id)
    record_event(actor=actor, action="casework.attachment_download", obj=case, data={"attachment": attachment.pk})
    stored = open(settings.SHEQU_CASE_FILES_DIR / attachment.stored_name, "rb")  # noqa: SIM115 (the caller streams it)
    return attachment, open_sealed(stored, context=_file_context(attachment.stored_name))


# ---- door-to-door visits ---------------------------------------------------------------------------


VISIT_OUTCOMES = {"done": "已上门办理", "materials": "已上门，需补材料", "absent": "上门未遇", "refused": "居民不需要"}


@transaction.atomic
def case_visit_record(*, actor: User, case_id: int, outcome: str, note: str = "") -> CaseEvent:
    """The grid worker records a door-to-door visit and its result (photos are attachments of material
    ``visit_photo``, added with ``case_attach``)."""
    case = _case_for_update(actor, case_id)
    if not _holds(actor, Capability.CASE_HANDLE, case.area):
        raise ValidationError({"case": _("You may not do this with this case.")})
    if case.state in CLOSED_STATES:
        raise ValidationError({"case": _("The case is closed.")})
    if outcome not in VISIT_OUTCOMES:
        raise ValidationError({"outcome": _("Choose the result of the visit.")})
    return _event(case, actor=actor, action="visit", note=note.strip()[:2000], outcome=outcome)


# ---- rating ----------------------------------------------------------------------------------------


@transaction.atomic
def case_rate(*, actor: User, case_id: int, level: int, reason: str = "") -> Rating:
    """The applicant rates a closed case (好差评), once. The two lowest levels need a reason and open a
    follow-up case for the head of the community."""
    case = _case_for_update(actor, case_id)
    if not _is_applicant(actor, case):
        raise Http404
    # An approval is already the service's result the resident rates (the national 好差评 rates a decision,
    # not only the paperwork of completing it).
    if case.state not in (CaseState.APPROVED, CaseState.COMPLETED, CaseState.REJECTED):
        raise ValidationError({"level": _("A case can be rated once it is approved, completed or rejected.")})
    if Rating.objects.filter(case=case).exists():
        raise ValidationError({"level": _("This case has already been rated.")})
    if level not in RatingLevel.values:
        raise ValidationError({"level": _("Choose one of the five levels.")})
    reason = reason.strip()
    if level <= RatingLevel.DISSATISFIED and not reason:
        raise ValidationError({"reason": _("Say what went wrong: a low rating needs a reason.")})
    rating = Rating.objects.create(
        case=case, level=level, reason=reason[:2000], rated_at=timezone.now(), rated_by=actor
    )
    _event(case, actor=actor, action="rate", level=level)
    if level <= RatingLevel.DISSATISFIED:
        _open_followup(actor, case)
    return rating


def _open_followup(actor: User, case: Case) -> Case:
    community = _ancestor(case.area, Level.COMMUNITY) or case.area
    heads = _staff_of([community.path], Role.COMMUNITY_STAFF, grants__is_head=True)
    now = timezone.now()
    kind = kinds.RATING_FOLLOWUP
    followup = Case(
        number=_new_number(now),
        kind=kind.code,
        area=community,
        channel=case.channel,
        applicant=case.applicant,
        filed_by=actor,
        parent=case,
        form_data="{}",
        description=_("Follow-up of a low rating of case %(number)s.") % {"number": case.number},
        submitted_at=now,
        time_limit=kind.time_limit,
        time_limit_unit=kind.time_limit_unit,
        assigned_to=heads[0] if heads else None,
        taken_at=now if heads else None,
    )
    _deadline(followup)
    followup.save()
    _event(followup, actor=actor, action="file", channel=case.channel, kind=kind.code, parent=case.pk)
    _notify_staff(heads, followup, _("A low rating needs your follow-up: case %(number)s.") % {"number": case.number})
    return followup


# ---- the deadline job ------------------------------------------------------------------------------


@dataclass
class DeadlineRun:
    warned: int = 0
    escalated: int = 0
    recounted: int = 0


def cases_check_deadlines(*, now: datetime | None = None, batch: int = 500) -> DeadlineRun:
    """The periodic job: warn whoever handles a case before its deadline, and escalate overdue cases to the
    street officers above. Acts as the system actor; each case in its own short transaction. A case
    waiting for the resident is not overdue: its clock stands still."""
    now = now or timezone.now()
    actor = system_actor()
    require_capability(actor, Capability.CASE_ESCALATE)
    run = DeadlineRun()
    # First the deadlines counted into a year whose arrangement has been entered since (the flag said
    # they were not certain): counted again on the calendar as it stands, before anyone is warned.
    calendar = work_calendar()
    uncertain = Case.objects.visible_to(actor, Capability.CASE_READ).exclude(state__in=CLOSED_STATES)
    for case_id in uncertain.filter(
        deadline_uncertain=True, deadline_at__year__in=sorted(calendar.official_years)
    ).values_list("pk", flat=True)[:batch]:
        run.recounted += _recount_deadline(actor, case_id, calendar)
    open_cases = Case.objects.visible_to(actor, Capability.CASE_READ).exclude(
        state__in=CLOSED_STATES | CLOCK_STOPPED_STATES
    )
    warn_before = now + timedelta(hours=settings.SHEQU_CASE_WARN_HOURS)
    for case_id in open_cases.filter(
        warned_at__isnull=True, deadline_at__lte=warn_before, deadline_at__gt=now
    ).values_list("pk", flat=True)[:batch]:
        run.warned += _warn(actor, case_id, now)
    for case_id in open_cases.filter(escalated_at__isnull=True, deadline_at__lte=now).values_list("pk", flat=True)[
        :batch
    ]:
        run.escalated += _escalate(actor, case_id, now)
    return run


def recounted_deadline(case: Case, calendar: WorkCalendar) -> Deadline:
    """The case's deadline counted again from its filing on ``calendar``, the clock standing still from
    each notice of missing materials to its answer (as ``case_act`` moved it then)."""
    due = deadline(timezone.localtime(case.submitted_at), case.time_limit, case.time_limit_unit, calendar)
    stops = case.material_requests.filter(answered_at__isnull=False).order_by("requested_at", "id")
    for requested, answered in stops.values_list("requested_at", "answered_at"):
        moved = resumed_deadline(
            timezone.localtime(due.at),
            timezone.localtime(requested),
            timezone.localtime(answered),
            case.time_limit_unit,
            calendar,
        )
        due = Deadline(moved.at, due.flagged or moved.flagged)
    return due


@transaction.atomic
def _recount_deadline(actor: User, case_id: int, calendar: WorkCalendar) -> int:
    case = (
        Case.objects.select_for_update(of=("self",))
        .filter(pk=case_id, deadline_uncertain=True)
        .exclude(state__in=CLOSED_STATES)
        .first()
    )
    if case is None or case.deadline_at is None:
        return 0
    due = recounted_deadline(case, calendar)
    if due.flagged and due.at == case.deadline_at:
        return 0  # still counted into a year without an arrangement: nothing new to say
    before = case.deadline_at
    case.deadline_at, case.deadline_uncertain = due.at, due.flagged
    if due.at > before:
        # A warning or an escalation was about the old deadline.
        case.warned_at = None
        case.escalated_at = None
    case.save(update_fields=["deadline_at", "deadline_uncertain", "warned_at", "escalated_at", "updated_at"])
    _event(
        case,
        actor=actor,
        action="deadline_recount",
        public=False,
        before=before.isoformat(),
        after=due.at.isoformat(),
        certain=not due.flagged,
    )
    return 1


@transaction.atomic
def _warn(actor: User, case_id: int, now: datetime) -> int:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("area", "item")
        .filter(pk=case_id, warned_at__isnull=True)
        .first()
    )
    if case is None or case.state in CLOSED_STATES:
        return 0
    case.warned_at = now
    case.save(update_fields=["warned_at", "updated_at"])
    _event(case, actor=actor, action="warn", public=False)
    handlers = [case.assigned_to] if case.assigned_to_id else _handlers(case)
    _notify_staff([u for u in handlers if u is not None], case, _("Case %(number)s is due soon.") % _texts(case))
    return 1


@transaction.atomic
def _escalate(actor: User, case_id: int, now: datetime) -> int:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("area", "item")
        .filter(pk=case_id, escalated_at__isnull=True)
        .first()
    )
    if case is None or case.state in CLOSED_STATES or case.state in CLOCK_STOPPED_STATES:
        return 0
    case.escalated_at = now
    case.save(update_fields=["escalated_at", "updated_at"])
    street = _ancestor(case.area, Level.STREET)
    officers = _staff_of([street.path], Role.STREET_OFFICER) if street is not None else []
    _event(case, actor=actor, action="escalate", public=False, to_officers=len(officers))
    _notify_staff(officers, case, _("Case %(number)s is overdue and was escalated to you.") % _texts(case))
    return 1


def _handlers(case: Case) -> list[User]:
    """Staff who handle cases where this one is: the grid's workers, else the community's staff."""
    grid = _ancestor(case.area, Level.GRID)
    if grid is not None:
        workers = _staff_of([grid.path], Role.GRID_WORKER)
        if workers:
            return workers
    community = _ancestor(case.area, Level.COMMUNITY)
    return _staff_of([community.path], Role.COMMUNITY_STAFF) if community is not None else []
