"""Writes to the resident pool outside imports: moving out, death; and the masked or revealed export."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.masking import age_in_years, escape_spreadsheet_cell
from shequ.lib.scoping import get_visible_or_404, has_capability
from shequ.lib.tabular import TableRow
from shequ.privacy.crypto import blind_index
from shequ.privacy.fields import lookup, masked
from shequ.privacy.lookups import identifier_lookup
from shequ.privacy.services import record_revealed
from shequ.privacy.services import reveal_reason as reveal_reason_checked
from shequ.reference.selectors import active_tag_type

from .importers import (
    COLUMNS,
    DESTINATION,
    ID_PURPOSE,
    cannot_register_here,
    check_row,
    community_grids,
    file_move_requests,
    write_rows,
)
from .models import Address, Household, MoveRequest, Person, PersonChange, PersonStatus, PersonTag, Relation
from .selectors import editable_community, residents

EXPORT_MAX_ROWS = 200_000


def _editable_person(actor: User, person_id: int) -> Person:
    """The person, locked, with their area (the audit event is filed under it: no second query)."""
    return get_visible_or_404(
        Person.objects.visible_to(actor, Capability.REGISTRY_EDIT)
        .select_related("area")
        .select_for_update(of=("self",)),
        pk=person_id,
    )


def _check_date(on: datetime.date) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})


@transaction.atomic
def person_leave(*, actor: User, person_id: int, on: datetime.date, died: bool = False) -> Person:
    """Record that a resident moved out of the community (or died); the record and its history stay."""
    person = _editable_person(actor, person_id)
    _check_date(on)
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({"on": _("This resident no longer lives here.")})
    person.status = PersonStatus.DECEASED if died else PersonStatus.MOVED_OUT
    person.left_on = on
    person.save(update_fields=["status", "left_on", "updated_at"])
    PersonChange.objects.create(
        person=person,
        kind=PersonChange.Kind.DIED if died else PersonChange.Kind.MOVED_OUT,
        on=on,
        from_area=person.area,
        actor=actor,
    )
    record_event(actor=actor, action="residents.person_died" if died else "residents.person_moved_out", obj=person)
    return person


# The masked export shows the age where the unmasked one shows the birth date: beside a masked number a
# birth date would narrow the number to a handful of candidates (docs/security.md).
EXPORT_HEADERS = ["姓名", "身份证号", "手机号", "性别", "年龄", "居住类型", "地址", "所在区域", "状态"]
UNMASKED_EXPORT_HEADERS = [*EXPORT_HEADERS[:4], "出生日期", *EXPORT_HEADERS[5:]]


def residents_export(
    *,
    actor: User,
    query: str = "",
    tags: Sequence[str] = (),
    area_code: str = "",
    reveal_category: str = "",
    reveal_reason: str = "",
) -> bytes:
    """An .xlsx of the residents the actor finds with these filters: masked (with ages), unless the actor
    holds the reveal permission and gives a reason, its category and its text, checked as for revealing
    one value (then birth dates too, and the audit trail names every id whose values were shown). Cells
    that a spreadsheet would run are escaped. The workbook is built after the audit transaction has
    closed: no write lock is held while it is made."""
    reveal = bool(reveal_category or " ".join((reveal_reason or "").split()))
    people = residents(actor=actor, query=query, tags=tags, area_code=area_code)
    if reveal:
        if not has_capability(actor, Capability.PERSONAL_REVEAL):
            raise Http404
        reveal_reason = reveal_reason_checked(reveal_category, reveal_reason)
        people = people.filter(pk__in=Person.objects.visible_to(actor, Capability.PERSONAL_REVEAL).values("pk"))
    rows = list(people[: EXPORT_MAX_ROWS + 1])
    if len(rows) > EXPORT_MAX_ROWS:
        raise ValidationError(
            {"": _("Narrow the list to at most %(max)d residents to export.") % {"max": EXPORT_MAX_ROWS}}
        )
    with transaction.atomic():
        record_event(
            actor=actor,
            action="residents.export_unmasked" if reveal else "residents.export",
            area=_export_area(actor, area_code),
            data={"rows": len(rows), **({"reason": reveal_reason} if reveal else {})},
        )
        if reveal:
            record_revealed(
                actor=actor, model=Person, pks=[p.pk for p in rows], fields=["id_number", "phone"], reason=reveal_reason
            )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append(UNMASKED_EXPORT_HEADERS if reveal else EXPORT_HEADERS)
    today = timezone.localdate()
    for person in rows:
        sheet.append(
            [
                escape_spreadsheet_cell(v)
                for v in (
                    person.name,
                    person.id_number if reveal else masked(person, "id_number"),
                    person.phone if reveal else masked(person, "phone"),
                    person.get_sex_display(),
                    person.birth_date.isoformat() if reveal else age_in_years(person.birth_date, today),
                    person.get_residence_type_display(),
                    person.address.label if person.address is not None else "",
                    person.area.name,
                    person.get_status_display(),
                )
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_area(actor: User, area_code: str) -> Area | None:
    """Where an export is filed in the audit trail, so that the auditors of that area see it: the chosen
    area, else the one area the actor reads (an actor over several areas files it city-wide)."""
    if area_code:
        return Area.objects.filter(code=area_code).first()
    roots = actor.granted_paths(Capability.REGISTRY_READ)
    return Area.objects.filter(path=roots[0]).first() if len(roots) == 1 else None


@transaction.atomic
def tag_add(
    *,
    actor: User,
    person_id: int,
    tag_code: str,
    source: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    grade: str = "",
) -> PersonTag:
    """Record a special-group tag (disability and its grade, 低保, veteran…) with where it comes from and
    how long it holds. Groups that follow from data (age, living alone) are never recorded."""
    person = _editable_person(actor, person_id)
    errors: dict[str, list[str]] = {}
    tag = active_tag_type(tag_code)
    if tag is None:
        errors["tag_code"] = [_("Unknown group.")]
    source = (source or "").strip()
    if not source or len(source) > 100:
        errors["source"] = [_("Say where this comes from (at most 100 characters), e.g. the issuing office.")]
    grade = (grade or "").strip()
    if tag is not None and tag.has_grade and not grade:
        errors["grade"] = [_("This group needs a grade.")]
    if tag is not None and not tag.has_grade and grade:
        errors["grade"] = [_("This group has no grade.")]
    if len(grade) > 20:
        errors["grade"] = [_("The grade has at most 20 characters.")]
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end of validity is before its start.")]
    if errors or tag is None:
        raise ValidationError(errors)
    person_tag = PersonTag.objects.create(
        person=person, tag=tag, grade=grade, source=source, valid_from=valid_from, valid_to=valid_to
    )
    record_event(actor=actor, action="residents.tag_add", obj=person, data={"tag": tag.code})
    return person_tag


@transaction.atomic
def tag_end(*, actor: User, tag_id: int, on: datetime.date) -> PersonTag:
    """End a tag's validity (e.g. a household leaves 低保); the record stays for the history."""
    # The person first (scoped, locked), then the tag among theirs: nothing is read of a tag whose person
    # the actor may not edit.
    owner = get_visible_or_404(
        PersonTag.objects.filter(person__in=Person.objects.visible_to(actor, Capability.REGISTRY_EDIT)), pk=tag_id
    )
    person = _editable_person(actor, owner.person_id)
    person_tag = person.tags.select_related("tag").get(pk=tag_id)
    if on < person_tag.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    person_tag.valid_to = on
    person_tag.save(update_fields=["valid_to"])
    record_event(actor=actor, action="residents.tag_end", obj=person, data={"tag": person_tag.tag.code})
    return person_tag


def person_register(*, actor: User, community_code: str, **fields: str) -> Person | MoveRequest:
    """Register one resident (a birth, a new arrival) by the same rules as a roster row: ``fields`` are
    the roster's columns (name, id_number, phone, residence_type, street_address, building, unit, room,
    household_number, relation, grid, ethnicity, moved_in_on). Errors name those fields.

    A person living in another community is looked up as an import does (audited, rate-limited, nothing
    said about them): with the same name, the answer is a move request to that community."""
    community = editable_community(actor=actor, code=community_code)
    unknown = set(fields) - {c.key for c in COLUMNS}
    if unknown:
        raise ValidationError({"": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}})
    row = TableRow(number=1, raw={key: str(value or "").strip() for key, value in fields.items()})
    check_row(row, grids=community_grids(community), today=timezone.localdate())
    holder = None
    if not row.errors:
        index = blind_index(row.values["id_number"], purpose=ID_PURPOSE)
        holder = Person.objects.filter(id_number_index=index).select_related("area").first()
        if holder is not None and holder.area.path.startswith(community.path):
            row.errors["id_number"] = _("This person is already registered in this community.")
        elif holder is not None and holder.status != PersonStatus.MOVED_OUT:
            # Its own transaction, before the answer: a refused attempt is recorded and counted too.
            identifier_lookup(actor=actor, purpose="residents.register", index=index)
            if holder.status != PersonStatus.ACTIVE or holder.name != row.values["name"]:
                row.errors["id_number"] = cannot_register_here()
    if row.errors:
        raise ValidationError({key: [message] for key, message in row.errors.items()})
    with transaction.atomic():
        if holder is not None and holder.status == PersonStatus.ACTIVE:
            destination = {key: str(value or "") for key, value in row.values.items() if key in DESTINATION}
            destination["area_id"] = str(row.values["grid"] or community.pk)
            (request,) = file_move_requests(actor=actor, community=community, moves=[(holder.pk, destination)])
            return request
        write_rows(actor=actor, community=community, rows=[row])
        person = Person.objects.get(lookup(Person, "id_number", row.values["id_number"]))
        record_event(actor=actor, action="residents.person_register", obj=person)
        return person


@transaction.atomic
def move_request_decide(*, actor: User, request_id: int, confirm: bool, note: str = "") -> MoveRequest:
    """The person's present community confirms a move request (the person moves to the asking community,
    with a history entry) or refuses it (with a note the asking side sees). Only the person's community
    decides; the asking side may withdraw its own request (``move_request_withdraw``)."""
    request = get_visible_or_404(
        MoveRequest.objects.filter(
            from_area__in=Area.objects.visible_to(actor, Capability.REGISTRY_EDIT),
            state=MoveRequest.State.PENDING,
        ).select_for_update(),
        pk=request_id,
    )
    note = " ".join((note or "").split())
    if len(note) > 200:
        raise ValidationError({"note": _("The note has at most 200 characters.")})
    person = Person.objects.select_for_update().select_related("area").get(pk=request.person_id)
    if confirm:
        if person.status != PersonStatus.ACTIVE or not person.area.path.startswith(request.from_area.path):
            raise ValidationError(
                {"": _("This person no longer lives in your community; the request cannot be confirmed.")}
            )
        _move(actor=actor, person=person, request=request)
    elif not note:
        raise ValidationError({"note": _("Say why the move is refused.")})
    request.state = MoveRequest.State.CONFIRMED if confirm else MoveRequest.State.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "note"])
    record_event(
        actor=actor,
        action="residents.move_confirmed" if confirm else "residents.move_refused",
        obj=request,
        area=request.from_area,
        data={"person": person.pk},
    )
    return request


@transaction.atomic
def move_request_withdraw(*, actor: User, request_id: int) -> MoveRequest:
    """The asking community takes back a request that is still open."""
    request = get_visible_or_404(
        MoveRequest.objects.filter(
            to_area__in=Area.objects.visible_to(actor, Capability.REGISTRY_EDIT), state=MoveRequest.State.PENDING
        ).select_for_update(),
        pk=request_id,
    )
    request.state = MoveRequest.State.WITHDRAWN
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_by", "decided_at"])
    record_event(actor=actor, action="residents.move_withdrawn", obj=request, area=request.to_area)
    return request


def _move(*, actor: User, person: Person, request: MoveRequest) -> None:
    """Move a person to the request's destination: its address and household (made when new), a
    history entry from the old community to the new one."""
    where = request.destination
    area = Area.objects.get(pk=int(where["area_id"]))
    community = request.to_area
    address, _created = Address.objects.get_or_create(
        area=area,
        street_address=where["street_address"],
        building=where.get("building", ""),
        unit=where.get("unit", ""),
        room=where.get("room", ""),
    )
    number = where.get("household_number", "")
    household, _created = (
        Household.objects.get_or_create(area=community, number=number, defaults={"address": address})
        if number
        else Household.objects.get_or_create(area=community, number="", address=address)
    )
    moved_in_on = where.get("moved_in_on") or timezone.localdate().isoformat()
    from_area = person.area
    person.area = area
    person.address = address
    person.household = household
    person.relation = where.get("relation") or (Relation.HEAD if not number else "")
    person.residence_type = where.get("residence_type") or person.residence_type
    person.moved_in_on = datetime.date.fromisoformat(moved_in_on)
    person.save()
    PersonChange.objects.create(
        person=person,
        kind=PersonChange.Kind.MOVED_WITHIN,
        on=person.moved_in_on,
        from_area=from_area,
        to_area=community,
        changes={"fields": ["address"]},
        actor=actor,
    )
