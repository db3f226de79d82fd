"""The resident roster (居民花名册) as communities keep it: its columns, the check of a row, and the
writer that creates or updates people, addresses, households and history. The imports app runs it
(found by discovery as ``IMPORTERS``); single registration uses the same check and writer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.lib.capabilities import Capability
from shequ.lib.identifiers import normalize_mobile, validate_id_number
from shequ.lib.masking import FORMULA_PREFIXES
from shequ.lib.tabular import Column, TableRow
from shequ.privacy.crypto import blind_index

from .models import Address, Household, Person, PersonChange, PersonStatus, Relation, ResidenceType

BATCH = 2000
# Person fields a roster row sets; a difference in any of them is an update.
ROW_FIELDS = ("name", "phone", "sex", "birth_date", "residence_type", "ethnicity", "relation", "moved_in_on")

# What people write in the roster for each choice (the template's drop-down uses the first word).
RESIDENCE_WORDS = {
    "户籍": ResidenceType.REGISTERED,
    "户籍人口": ResidenceType.REGISTERED,
    "常住": ResidenceType.PERMANENT,
    "常住人口": ResidenceType.PERMANENT,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "寄住": ResidenceType.LODGING,
    "寄住人口": ResidenceType.LODGING,
}
RELATION_WORDS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "祖父母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "其他": Relation.OTHER,
}


COLUMNS = [
    Column("name", "姓名", required=True, max_length=50, example="张桂兰"),
    Column("id_number", "身份证号", required=True, max_length=18, example="210102194803120029", text=True),
    Column("phone", "手机号", max_length=20, example="13912345678", text=True),
    Column("residence_type", "居住类型", required=True, max_length=10, example="户籍"),
    Column("household_number", "户号", max_length=40, example="HP-0001"),
    Column("relation", "与户主关系", max_length=10, example="户主"),
    Column("street_address", "小区或街路门牌", required=True, max_length=120, example="南京南街12号 和平花园"),
    Column("building", "楼栋", max_length=20, example="3"),
    Column("unit", "单元", max_length=20, example="2"),
    Column("room", "室", max_length=20, example="501"),
    Column("grid", "网格", max_length=50, example="第1网格"),
    Column("ethnicity", "民族", max_length=20, example="汉族"),
    Column("moved_in_on", "迁入日期", max_length=10, example="2015-06-01"),
]


def check_row(row: TableRow, *, grids: dict[str, object], today: datetime.date) -> None:
    """Validate one row in place: ``values`` gets clean values, ``errors`` a message per bad column."""
    raw, values, errors = row.raw, row.values, row.errors
    for column in COLUMNS:
        text = raw.get(column.key, "")
        if column.required and not text:
            errors[column.key] = _("%(column)s is required.") % {"column": column.header}
        elif len(text) > column.max_length:
            errors[column.key] = _("%(column)s has at most %(max)d characters.") % {
                "column": column.header,
                "max": column.max_length,
            }
        elif text.startswith(FORMULA_PREFIXES):
            errors[column.key] = _("%(column)s must not start with = + - or @.") % {"column": column.header}
    # Go on with the columns that passed, so one pass reports every problem of the row.
    raw = {key: ("" if key in errors else text) for key, text in raw.items()}
    values["name"] = raw.get("name", "")
    if "id_number" not in errors:
        try:
            facts = validate_id_number(raw["id_number"], today=today)
            values.update(id_number=facts.number, sex=facts.sex, birth_date=facts.birth_date)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    values["phone"] = ""
    if raw.get("phone"):
        try:
            values["phone"] = normalize_mobile(raw["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    residence = RESIDENCE_WORDS.get(raw.get("residence_type", "")) or (
        raw.get("residence_type") if raw.get("residence_type") in ResidenceType.values else None
    )
    if residence is None and "residence_type" not in errors:
        errors["residence_type"] = _("Residence type must be one of: %(choices)s.") % {
            "choices": "户籍、常住、流动、寄住"
        }
    values["residence_type"] = residence
    relation = raw.get("relation", "")
    values["relation"] = RELATION_WORDS.get(relation) or (relation if relation in Relation.values else "")
    if relation and not values["relation"]:
        errors["relation"] = _("Relation to the head must be one of: %(choices)s.") % {
            "choices": "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳、女婿、其他"
        }
    grid_name = raw.get("grid", "")
    values["grid"] = grids.get(grid_name) if grid_name else None
    if grid_name and values["grid"] is None:
        errors["grid"] = _("There is no grid named %(name)s in this community.") % {"name": grid_name}
    values["moved_in_on"] = None
    if raw.get("moved_in_on"):
        try:
            values["moved_in_on"] = datetime.date.fromisoformat(raw["moved_in_on"].replace("/", "-"))
            if values["moved_in_on"] > today:
                errors["moved_in_on"] = _("The move-in date is in the future.")
        except ValueError:
            errors["moved_in_on"] = _("Write the move-in date as YYYY-MM-DD.")
    for key in ("household_number", "street_address", "building", "unit", "room", "ethnicity"):
        values[key] = raw.get(key, "")


@dataclass
class CheckState:
    """What the check of one roster keeps across chunks."""

    community: Area
    grids: dict[str, Area]
    today: datetime.date
    first_seen: dict[str, int] = field(default_factory=dict)  # identity number -> row number


class ResidentImporter:
    kind = "residents"
    label = _("Resident roster")
    columns = COLUMNS
    capability = Capability.REGISTRY_EDIT
    area_levels = (Level.COMMUNITY,)

    def begin(self, *, area: Area) -> CheckState:
        return CheckState(community=area, grids=community_grids(area), today=timezone.localdate())

    def check(self, state: CheckState, rows: list[TableRow]) -> None:
        for row in rows:
            check_row(row, grids=state.grids, today=state.today)
            number = row.values.get("id_number")
            if number and "id_number" not in row.errors:
                if number in state.first_seen:
                    row.errors["id_number"] = _("The same identity number is on row %(row)d.") % {
                        "row": state.first_seen[number]
                    }
                else:
                    state.first_seen[number] = row.number
        mark_registered_elsewhere(state.community, rows)

    def write(
        self, *, actor: Any, area: Area, chunks: Iterable[list[TableRow]], progress: Callable[[int], None]
    ) -> dict[str, int]:
        rows = [row for chunk in chunks for row in chunk]
        counts = write_rows(actor=actor, community=area, rows=rows)
        progress(len(rows))
        if counts["created"] >= BATCH:
            # A large load changes the tables' shape more than the database notices by itself; without
            # fresh statistics the planner keeps treating the pool as empty and searches turn into scans.
            with connection.cursor() as cursor:
                for model in (Person, Address, Household):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
        return counts


IMPORTERS = [ResidentImporter()]


def _insert(model, objects: list) -> None:
    """Insert many new rows. On PostgreSQL through COPY, which is several times faster than INSERT for
    large rosters; every value still goes through its field (encryption, blind index, defaults)."""
    if connection.vendor != "postgresql" or len(objects) < BATCH:
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def community_grids(community: Area) -> dict[str, Area]:
    return {g.name: g for g in Area.objects.filter(parent=community, level=Level.GRID, is_active=True)}


def mark_registered_elsewhere(community: Area, rows: list[TableRow]) -> None:
    """Someone registered in another community must move out there first; which one is not said,
    since that community may lie outside the importer's area."""
    indexes = {blind_index(r.values["id_number"], purpose="id_number"): r for r in rows if not r.errors}
    elsewhere = (
        Person.objects.filter(id_number_index__in=list(indexes))
        .exclude(area__path__startswith=community.path)
        .exclude(status=PersonStatus.MOVED_OUT)
    )
    for index in elsewhere.values_list("id_number_index", flat=True).iterator():
        indexes[index].errors["id_number"] = _(
            "This person is registered in another community; record the move out there first."
        )


def write_rows(*, actor, community: Area, rows: list[TableRow]) -> dict:
    """Write checked rows into a community: create or update people, addresses, households and history.
    Call inside the transaction that also records the audit event."""
    today = timezone.localdate()
    addresses = {
        (a.area_id, a.street_address, a.building, a.unit, a.room): a
        for a in Address.objects.filter(area__path__startswith=community.path)
    }
    households = {h.number or f"address:{h.address_id}": h for h in Household.objects.filter(area=community)}
    existing = {
        p.id_number_index: p
        for p in Person.objects.filter(area__path__startswith=community.path).select_related("household")
    }
    # Addresses, then households, are created in bulk before the people who point at them.
    new_addresses = []
    for row in rows:
        v = row.values
        area = v["grid"] or community
        key = v["address_key"] = (area.pk, v["street_address"], v["building"], v["unit"], v["room"])
        if key not in addresses:
            addresses[key] = Address(area=area, street_address=key[1], building=key[2], unit=key[3], room=key[4])
            new_addresses.append(addresses[key])
    Address.objects.bulk_create(new_addresses, batch_size=BATCH)
    new_households = []
    for row in rows:
        v = row.values
        address = addresses[v["address_key"]]
        # A row without a household number forms a household with the others at its address.
        key = v["household_key"] = v["household_number"] or f"address:{address.pk}"
        if key not in households:
            households[key] = Household(area=community, address=address, number=v["household_number"])
            new_households.append(households[key])
    Household.objects.bulk_create(new_households, batch_size=BATCH)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new_people, changed_people, history = [], [], []
    for row in rows:
        v = row.values
        area = v["grid"] or community
        address = addresses[v["address_key"]]
        household = households[v["household_key"]]
        wanted = {f: v[f] for f in ROW_FIELDS}
        wanted["relation"] = wanted["relation"] or (Relation.HEAD if not v["household_number"] else "")
        person = existing.get(blind_index(v["id_number"], purpose="id_number"))
        if person is None:
            person = Person(
                area=area,
                id_number=v["id_number"],
                household=household,
                address=address,
                status=PersonStatus.ACTIVE,
                **wanted,
            )
            new_people.append(person)
            counts["created"] += 1
        else:
            changed = [f for f, value in wanted.items() if getattr(person, f) != value]
            moved = person.area_id != area.pk or person.address_id != address.pk or person.household_id != household.pk
            returned = person.status != PersonStatus.ACTIVE
            if changed or moved or returned:
                for f in changed:
                    setattr(person, f, wanted[f])
                person.area, person.address, person.household = area, address, household
                person.status, person.left_on = PersonStatus.ACTIVE, None
                changed_people.append(person)
                history.append(
                    PersonChange(
                        person=person,
                        kind=PersonChange.Kind.MOVED_IN if returned else PersonChange.Kind.UPDATED,
                        on=today,
                        to_area=area,
                        actor=actor,
                        changes={"fields": changed + (["address"] if moved else [])},
                    )
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    _insert(Person, new_people)
    if new_people and new_people[0].pk is None:  # COPY returns no keys: look them up by blind index
        keys = {}
        for start in range(0, len(new_people), BATCH):
            batch = [p.id_number_index for p in new_people[start : start + BATCH]]
            keys.update(Person.objects.filter(id_number_index__in=batch).values_list("id_number_index", "pk"))
        for person in new_people:
            person.pk = keys[person.id_number_index]
    Person.objects.bulk_update(
        changed_people, ["area", "address", "household", "status", "left_on", *ROW_FIELDS], batch_size=BATCH
    )
    history += [
        PersonChange(
            person=p, kind=PersonChange.Kind.REGISTERED, on=p.moved_in_on or today, to_area=p.area, actor=actor
        )
        for p in new_people
    ]
    _insert(PersonChange, history)
    return counts
