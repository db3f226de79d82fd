"""Writes to the resident pool outside imports: moving out, death; and the masked or revealed export."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.masking import FORMULA_PREFIXES, age_in_years, escape_spreadsheet_cell
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
    RESIDENCE_WORDS,
    cannot_register_here,
    check_row,
    community_grids,
    file_move_requests,
    relation_code,
    write_rows,
)
from .models import Address, Household, MoveRequest, Person, PersonChange, PersonStatus, PersonTag, Relation, Sex
from .selectors import community_of, editable_community, editable_households, registrable_grids, residents

EXPORT_MAX_ROWS = 200_000


def _editable_person(actor: User, person_id: int) -> Person:
    """The person, locked, with their area (the audit event is filed under it: no second query)."""
    return get_visible_or_404(
        Person.objects.visible_to(actor, Capability.REGISTRY_EDIT)
        .select_related("area")
        .select_for_update(of=("self",)),
        pk=person_id,
    )


def _check_left_on(person: Person, on: datetime.date) -> None:
    """A move-out or death date that can be true: not in the future, not before birth or moving in."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    if on < person.birth_date:
        raise ValidationError({"on": _("The date is before the resident's birth.")})
    if person.moved_in_on is not None and on < person.moved_in_on:
        raise ValidationError(
            {"on": _("The date is before the resident moved in (%(date)s).") % {"date": person.moved_in_on}}
        )


@transaction.atomic
def person_leave(*, actor: User, person_id: int, on: datetime.date, died: bool = False) -> Person:
    """Record that a resident moved out of the community (or died); the record and its history stay."""
    person = _editable_person(actor, person_id)
    _check_left_on(person, on)
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
# The unmasked export is a roster: the template's columns, written as the roster writes them, so that it
# imports back into the same community unchanged.
UNMASKED_EXPORT_HEADERS = [column.header for column in COLUMNS]
# The roster's word for each residence type (the first the importer reads it from).
RESIDENCE_WORD: dict[str, str] = {value: word for word, value in reversed(RESIDENCE_WORDS.items())}
SEX_WORD: dict[str, str] = {Sex.MALE: "男", Sex.FEMALE: "女"}


def _roster_cells(person: Person) -> dict[str, object]:
    """A person as a roster row, by column key, in the words a roster uses (unmasked: only for the
    revealed export)."""
    return {
        **_row_of(person),
        "sex": SEX_WORD.get(person.sex, ""),
        "birth_date": person.birth_date.isoformat(),
        "residence_type": RESIDENCE_WORD.get(person.residence_type, person.residence_type),
        "relation": person.get_relation_display() if person.relation else "",
    }


def _masked_cells(person: Person, today: datetime.date) -> list[object]:
    return [
        person.name,
        masked(person, "id_number"),
        masked(person, "phone"),
        person.get_sex_display(),
        age_in_years(person.birth_date, today),
        person.get_residence_type_display(),
        person.address.label if person.address is not None else "",
        person.area.name,
        person.get_status_display(),
    ]


def residents_export(
    *,
    actor: User,
    query: str = "",
    tags: Sequence[str] = (),
    area_code: str = "",
    status: str = PersonStatus.ACTIVE,
    reveal_category: str = "",
    reveal_reason: str = "",
) -> bytes:
    """An .xlsx of the residents the actor finds with these filters: masked (with ages), unless the actor
    holds the reveal permission and gives a reason, its category and its text, checked as for revealing
    one value (then birth dates too, and the audit trail names every id whose values were shown). Cells
    that a spreadsheet would run are escaped. The workbook is built after the audit transaction has
    closed: no write lock is held while it is made."""
    reveal = bool(reveal_category or " ".join((reveal_reason or "").split()))
    people = residents(actor=actor, query=query, tags=tags, area_code=area_code, status=status)
    if reveal:
        if not has_capability(actor, Capability.PERSONAL_REVEAL):
            raise Http404
        reveal_reason = reveal_reason_checked(reveal_category, reveal_reason)
        people = people.filter(pk__in=Person.objects.visible_to(actor, Capability.PERSONAL_REVEAL).values("pk"))
    rows = list(people.select_related("household")[: EXPORT_MAX_ROWS + 1])
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
        if reveal:
            cells = _roster_cells(person)
            values = [cells[column.key] for column in COLUMNS]
        else:
            values = _masked_cells(person, today)
        sheet.append([escape_spreadsheet_cell(v) for v in values])
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
    # Two records of one group over the same days would count the person twice and leave the question of
    # which one holds; a renewal starts after the old one ends.
    overlapping = person.tags.filter(tag=tag).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise ValidationError(
            {"valid_from": [_("This group is already recorded for these dates; end the old record first.")]}
        )
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
    row.raw["grid"] = _registrable_grid(actor, community, row.raw.get("grid", ""))
    check_row(row, grids=community_grids(community), today=timezone.localdate())
    if not row.errors and _head_taken(community, row.values):
        row.errors["relation"] = _head_taken_message()
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


def _registrable_grid(actor: User, community: Area, name: str) -> str:
    """The grid a registration goes to. Who edits only some grids of the community (a grid worker)
    registers into one of those: the one they have when none is named; a grid of theirs is required, and
    another grid of the community is out of reach (404)."""
    grids, whole = registrable_grids(actor=actor, community=community)
    if whole:
        return name
    if not name and len(grids) == 1:
        return next(iter(grids))
    if not name:
        raise ValidationError({"grid": [_("Choose your grid.")]})
    if name not in grids and name in community_grids(community):
        raise Http404
    return name


def _head_taken(community: Area, values: dict[str, Any], person_id: int | None = None) -> bool:
    """Whether a row's person would be a second head of their household (the row's relation as the roster
    writer reads it: no relation and no household number is the head of the address's household)."""
    relation = values["relation"] or (Relation.HEAD if not values["household_number"] else "")
    if relation != Relation.HEAD:
        return False
    households = Household.objects.filter(area=community, number=values["household_number"])
    if not values["household_number"]:
        households = households.filter(
            address__area_id=values["grid"] or community.pk,
            address__street_address=values["street_address"],
            address__building=values["building"],
            address__unit=values["unit"],
            address__room=values["room"],
        )
    heads = Person.objects.filter(household__in=households, relation=Relation.HEAD, status=PersonStatus.ACTIVE)
    return (heads.exclude(pk=person_id) if person_id is not None else heads).exists()


def _head_taken_message() -> str:
    return _("The household already has a head; change the head on the household's page first.")


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


# --- corrections: a resident's details, households ------------------------------------------------

# What a correction may change: a roster row's columns, except the household (moved on the household's
# page, where the head is kept single).
EDITABLE = [
    "name",
    "id_number",
    "phone",
    "residence_type",
    "street_address",
    "building",
    "unit",
    "room",
    "grid",
    "relation",
    "ethnicity",
    "moved_in_on",
]
# The fields a correction compares, in the order the history names them.
COMPARED_FIELDS = ["name", "id_number", "phone", "sex", "birth_date", "residence_type", "ethnicity", "relation"]


def _row_of(person: Person) -> dict[str, str]:
    """A person's present values as the roster's raw columns (what check_row reads)."""
    address = person.address
    return {
        "name": person.name,
        "id_number": str(person.id_number or ""),
        "phone": str(person.phone or ""),
        "residence_type": person.residence_type,
        "household_number": person.household.number if person.household is not None else "",
        "relation": person.relation,
        "street_address": address.street_address if address is not None else "",
        "building": address.building if address is not None else "",
        "unit": address.unit if address is not None else "",
        "room": address.room if address is not None else "",
        "grid": person.area.name if person.area.level == Level.GRID else "",
        "ethnicity": person.ethnicity,
        "moved_in_on": person.moved_in_on.isoformat() if person.moved_in_on else "",
    }


def person_update(*, actor: User, person_id: int, **fields: str) -> Person:
    """Correct a resident's details: ``fields`` are any of ``EDITABLE`` (a roster row's columns, values as
    in registration), checked by the same rules (``check_row``) with errors naming the fields. Sex and
    birth date follow from the identity number; changing that number needs the reveal permission over
    the person, and a number another resident holds is refused (a lookup, counted and audited as one).
    Audited, with a history entry naming the fields that changed (never their values)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({"": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}})
    person = get_visible_or_404(
        Person.objects.visible_to(actor, Capability.REGISTRY_EDIT).select_related(
            "area__parent", "address", "household"
        ),
        pk=person_id,
    )
    community = community_of(person.area)
    given = {key: str(value or "").strip() for key, value in fields.items()}
    row = TableRow(number=1, raw={**_row_of(person), **given})
    if "grid" in given:
        row.raw["grid"] = _registrable_grid(actor, community, given["grid"])
    check_row(row, grids=community_grids(community), today=timezone.localdate())
    errors = row.errors
    new_id = "id_number" not in errors and row.values["id_number"] != str(person.id_number or "")
    if new_id and not Person.objects.visible_to(actor, Capability.PERSONAL_REVEAL).filter(pk=person.pk).exists():
        errors["id_number"] = _("Changing the identity number needs the permission to see it unmasked.")
    if new_id and not errors.get("id_number"):
        index = blind_index(row.values["id_number"], purpose=ID_PURPOSE)
        holder = Person.objects.filter(id_number_index=index).exclude(pk=person.pk).select_related("area").first()
        if holder is not None:
            # Its own transaction, before the answer: a refused attempt is recorded and counted too.
            identifier_lookup(actor=actor, purpose="residents.update", index=index, found=True)
            errors["id_number"] = (
                _("This person is already registered in this community.")
                if holder.area.path.startswith(community.path)
                else cannot_register_here()
            )
    relation = row.values.get("relation", "")
    if "relation" not in errors and person.status == PersonStatus.ACTIVE and person.household is not None:
        if person.relation == Relation.HEAD and relation != Relation.HEAD:
            errors["relation"] = _(
                "Choose the new head on the household's page; this person then gets another relation."
            )
        elif relation == Relation.HEAD and person.relation != Relation.HEAD:
            errors["relation"] = _head_taken_message()
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()})
    if not new_id:  # sex and birth date follow a new number; otherwise they stay as recorded
        row.values.update(sex=person.sex, birth_date=person.birth_date)
    return _person_apply(actor=actor, person_id=person.pk, values=row.values, community=community)


@transaction.atomic
def _person_apply(*, actor: User, person_id: int, values: dict[str, Any], community: Area) -> Person:
    person = _editable_person(actor, person_id)
    changed = [
        name
        for name in COMPARED_FIELDS
        if (str(getattr(person, name) or "") if name in ("id_number", "phone") else getattr(person, name))
        != values[name]
    ]
    if person.moved_in_on != values["moved_in_on"]:
        changed.append("moved_in_on")
    area = Area.objects.get(pk=values["grid"]) if values["grid"] else community
    address, _created = Address.objects.get_or_create(
        area=area,
        street_address=values["street_address"],
        building=values["building"],
        unit=values["unit"],
        room=values["room"],
    )
    if address.pk != person.address_id:
        changed.append("address")
    from_area = person.area
    if area.pk != from_area.pk:
        changed.append("grid")
    if not changed:
        return person
    for name in [*COMPARED_FIELDS, "moved_in_on"]:
        setattr(person, name, values[name])
    person.area, person.address = area, address
    person.save()  # the identity number's and phone's blind indexes follow in the fields' pre_save
    PersonChange.objects.create(
        person=person,
        kind=PersonChange.Kind.UPDATED,
        on=timezone.localdate(),
        from_area=from_area if area.pk != from_area.pk else None,
        to_area=area if area.pk != from_area.pk else None,
        changes={"fields": changed},
        actor=actor,
    )
    record_event(actor=actor, action="residents.person_update", obj=person, data={"fields": changed})
    return person


def _editable_household(actor: User, household_id: int) -> Household:
    """A household the actor may change (``selectors.editable_households``), locked."""
    return get_visible_or_404(
        editable_households(actor=actor).select_related("area", "address__area").select_for_update(of=("self",)),
        pk=household_id,
    )


def _other_relation(relation: str, field: str, sex: str | None) -> str:
    """A relation other than head, as the roster writes it (子女 by the person's sex) or as its code."""
    value = relation if relation in Relation.values else relation_code(relation, sex)
    if not value or value == Relation.HEAD:
        raise ValidationError({field: [_("Choose the relation to the new head (not head).")]})
    return value


def _record_household_change(actor: User, person: Person, fields: list[str], from_area: Area) -> None:
    moved = person.area_id != from_area.pk
    PersonChange.objects.create(
        person=person,
        kind=PersonChange.Kind.UPDATED,
        on=timezone.localdate(),
        from_area=from_area if moved else None,
        to_area=person.area if moved else None,
        changes={"fields": fields},
        actor=actor,
    )


def _living_member(actor: User, household: Household, person_id: int, field: str) -> Person:
    person = _editable_person(actor, person_id)
    if person.household_id != household.pk or person.status != PersonStatus.ACTIVE:
        raise ValidationError({field: [_("Choose a member who lives in this household.")]})
    return person


@transaction.atomic
def household_set_head(*, actor: User, household_id: int, person_id: int, former_relation: str) -> Household:
    """Make a member the head of their household; the former head gets ``former_relation`` (to the new
    head). A household has one head: the constraint holds at every step."""
    household = _editable_household(actor, household_id)
    person = _living_member(actor, household, person_id, "person_id")
    if person.relation == Relation.HEAD:
        raise ValidationError({"person_id": [_("This member is already the head.")]})
    formers = household.members.filter(relation=Relation.HEAD, status=PersonStatus.ACTIVE).select_related("area")
    if not formers:
        _other_relation(former_relation, "former_relation", None)  # checked even with no head to demote
    for former in formers:
        former.relation = _other_relation(former_relation, "former_relation", former.sex)
        former.save(update_fields=["relation", "updated_at"])
        _record_household_change(actor, former, ["relation"], former.area)
    person.relation = Relation.HEAD
    person.save(update_fields=["relation", "updated_at"])
    _record_household_change(actor, person, ["relation"], person.area)
    record_event(actor=actor, action="residents.household_head", obj=household, data={"head": person.pk})
    return household


def _join(actor: User, person: Person, household: Household, relation: str) -> None:
    """Put a person into a household, at its address, with a history entry naming what changed."""
    from_area = person.area
    changed = ["household"]
    if person.relation != relation:
        changed.append("relation")
    if person.address_id != household.address_id:
        changed.append("address")
    person.household, person.relation = household, relation
    person.address, person.area = household.address, household.address.area
    person.save(update_fields=["household", "relation", "address", "area", "updated_at"])
    _record_household_change(actor, person, changed, from_area)


def _has_head(household: Household) -> bool:
    return household.members.filter(relation=Relation.HEAD, status=PersonStatus.ACTIVE).exists()


def _head_leaves(household: Household, leaving: set[int]) -> bool:
    """Whether the head is among ``leaving`` while members who stay live on."""
    members = household.members.filter(status=PersonStatus.ACTIVE)
    return members.filter(pk__in=leaving, relation=Relation.HEAD).exists() and members.exclude(pk__in=leaving).exists()


@transaction.atomic
def member_move(*, actor: User, person_id: int, household_id: int, relation: str) -> Person:
    """Move a living member into another household of the same community, at its address, with their
    relation to its head (head only when it has none)."""
    target = _editable_household(actor, household_id)
    person = _editable_person(actor, person_id)
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({"person_id": [_("This resident no longer lives here.")]})
    if person.household_id == target.pk:
        raise ValidationError({"household_id": [_("The resident already belongs to this household.")]})
    if target.area_id != community_of(person.area).pk:
        raise ValidationError({"household_id": [_("Choose a household of the resident's community.")]})
    value = relation if relation in Relation.values else relation_code(relation, person.sex)
    if not value:
        raise ValidationError({"relation": [_("Choose the relation to the head.")]})
    if value == Relation.HEAD and _has_head(target):
        raise ValidationError({"relation": [_head_taken_message()]})
    if person.household is not None and _head_leaves(person.household, {person.pk}):
        raise ValidationError({"person_id": [_("Choose a new head for the household first.")]})
    old = person.household_id
    _join(actor, person, target, value)
    record_event(actor=actor, action="residents.member_move", obj=person, data={"from": old, "to": target.pk})
    return person


def _address_in(area: Area, parts: dict[str, str]) -> Address:
    """An address checked like a roster's (lengths, no formula start), made when new."""
    errors = {}
    for key, limit in (("street_address", 120), ("building", 20), ("unit", 20), ("room", 20)):
        value = parts[key]
        if len(value) > limit:
            errors[key] = [_("At most %(max)d characters.") % {"max": limit}]
        elif value.startswith(FORMULA_PREFIXES):
            errors[key] = [_("Must not start with = + - or @.")]
    if not parts["street_address"]:
        errors["street_address"] = [_("The street address is required.")]
    if errors:
        raise ValidationError(errors)
    address, _created = Address.objects.get_or_create(
        area=area,
        street_address=parts["street_address"],
        building=parts["building"],
        unit=parts["unit"],
        room=parts["room"],
    )
    return address


@transaction.atomic
def household_split(
    *,
    actor: User,
    household_id: int,
    person_ids: Sequence[int],
    head_id: int,
    street_address: str,
    building: str = "",
    unit: str = "",
    room: str = "",
    number: str = "",
) -> Household:
    """Some members form a new household of the same community at an address (分户), ``head_id`` its head;
    the others keep their relations. The old household's head stays unless everyone leaves."""
    household = _editable_household(actor, household_id)
    ids = sorted(set(person_ids) | {head_id})
    people = [_living_member(actor, household, pk, "person_ids") for pk in ids]
    if _head_leaves(household, set(ids)):
        raise ValidationError({"person_ids": [_("The head stays in the household; change the head first.")]})
    number = " ".join((number or "").split())
    if len(number) > 40:
        raise ValidationError({"number": [_("At most %(max)d characters.") % {"max": 40}]})
    head = next(p for p in people if p.pk == head_id)
    parts = {
        "street_address": (street_address or "").strip(),
        "building": (building or "").strip(),
        "unit": (unit or "").strip(),
        "room": (room or "").strip(),
    }
    address = _address_in(head.area, parts)
    taken = Household.objects.filter(area=household.area, number=number)
    if number and taken.exists():
        raise ValidationError({"number": [_("Another household of the community has this number.")]})
    if not number and taken.filter(address=address).exists():
        raise ValidationError(
            {"street_address": [_("A household already lives at this address; move the members into it.")]}
        )
    new = Household.objects.create(area=household.area, address=address, number=number)
    new.address = address
    for person in sorted(people, key=lambda p: p.pk != head_id):  # the head joins first
        relation = (
            Relation.HEAD
            if person.pk == head_id
            else (person.relation if person.relation != Relation.HEAD else Relation.OTHER)
        )
        _join(actor, person, new, relation)
    record_event(actor=actor, action="residents.household_split", obj=new, data={"from": household.pk, "people": ids})
    return new


@transaction.atomic
def household_merge(*, actor: User, household_id: int, other_id: int, other_head_relation: str) -> Household:
    """Merge another household of the same community into this one (合户): its members join at this
    household's address; its head takes ``other_head_relation`` to this one's head; the emptied household
    is removed."""
    if household_id == other_id:
        raise ValidationError({"other_id": [_("Choose another household.")]})
    first, second = sorted([household_id, other_id])  # always locked in the same order: no deadlock
    locked = {pk: _editable_household(actor, pk) for pk in (first, second)}
    household, other = locked[household_id], locked[other_id]
    if household.area_id != other.area_id:
        raise ValidationError({"other_id": [_("Choose a household of the same community.")]})
    members = list(other.members.select_related("area").select_for_update(of=("self",)).order_by("pk"))
    heads = [p for p in members if p.relation == Relation.HEAD]
    if not heads:
        _other_relation(other_head_relation, "other_head_relation", None)  # checked even with no head
    relations = {head.pk: _other_relation(other_head_relation, "other_head_relation", head.sex) for head in heads}
    for person in members:
        joining = relations[person.pk] if person.relation == Relation.HEAD else person.relation
        if person.status == PersonStatus.ACTIVE:
            _join(actor, person, household, joining)
        else:  # the history of those who left follows the household; they live nowhere now
            person.household, person.relation = household, joining
            person.save(update_fields=["household", "relation", "updated_at"])
    other_pk = other.pk
    other.delete()
    record_event(
        actor=actor,
        action="residents.household_merge",
        obj=household,
        data={"merged": other_pk, "people": len(members)},
    )
    return household


@transaction.atomic
def resident_account_for_phone(*, phone: str) -> User | None:
    """The resident account of someone living here with this (normalised) mobile number, made at their
    first sign-in to the portal with a one-time code; None when nobody active in the pool has it.

    Several people may share a number (a family's one phone): the account is the household head's when
    the head is among them, else the earliest registered one's. The account holds a resident grant over
    the person's community or grid (made at once: a resident grant reaches no one's personal data, so no
    second administrator approves it) and no password (it signs in with codes only). No actor: the
    person proved the phone is theirs; the event names the person's record, never the number."""
    import secrets
    import string

    from shequ.accounts.models import Grant
    from shequ.accounts.roles import Role

    people = list(
        Person.objects.filter(lookup(Person, "phone", phone), status=PersonStatus.ACTIVE)
        .select_related("area", "address__area")
        .order_by("pk")
    )
    if not people:
        return None
    person = next((p for p in people if p.relation == Relation.HEAD), people[0])
    area = person.address.area if person.address is not None else person.area
    alphabet = string.ascii_lowercase + string.digits
    while True:
        username = "r" + "".join(secrets.choice(alphabet) for _i in range(10))
        if not User.objects.filter(username=username).exists():
            break
    user = User(username=username, display_name=person.name[:50], phone=phone, home_area=area)
    user.set_unusable_password()
    user.save()
    Grant.objects.create(user=user, role=Role.RESIDENT, area=area)
    record_event(actor=None, action="accounts.resident_account_created", obj=user, data={"person": person.pk})
    return user
