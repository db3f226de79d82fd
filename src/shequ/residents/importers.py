"""The resident roster (居民花名册) as communities keep it: its columns, the check of a row, and the
writer that creates or updates people, addresses, households and history. The imports app runs it
(found by discovery as ``IMPORTERS``); single registration uses the same check and writer.
"""

# SQL here is built from this module's own table names and constants; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.audit.models import Alert
from shequ.audit.services import alert_raise, record_event
from shequ.lib.bulk import copy_rows, distinct, encoded, execute, quoted
from shequ.lib.capabilities import Capability
from shequ.lib.identifiers import halfwidth, normalize_mobile, validate_id_number
from shequ.lib.masking import FORMULA_PREFIXES
from shequ.lib.tabular import Column, TableFileError, TableRow
from shequ.privacy.crypto import blind_index, encrypt, row_context
from shequ.privacy.lookups import identifier_lookup

from .models import (
    ETHNICITIES,
    Address,
    Household,
    MoveRequest,
    Person,
    PersonChange,
    PersonStatus,
    Relation,
    ResidenceType,
    Sex,
)
from .search import phone_tail_index

ANALYZE_AFTER = 2000  # new people after which the tables' statistics are refreshed
ID_CONTEXT = "residents.person.id_number"  # the columns' encryption contexts (EncryptedTextField.crypto_context)
PHONE_CONTEXT = "residents.person.phone"
ID_PURPOSE = "id_number"  # the blind indexes' purposes (BlindIndexField.purpose)
PHONE_PURPOSE = "phone"

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
# What people write for the relation to the head, beyond the standard's own names and codes (GB/T 4761).
RELATION_WORDS: dict[str, str] = {
    **{label: value for value, label in Relation.choices},
    **{
        "儿子": Relation.SON, "女儿": Relation.DAUGHTER, "独子": Relation.ONLY_SON, "大儿子": Relation.ELDEST_SON,
        "二儿子": Relation.SECOND_SON, "三儿子": Relation.THIRD_SON, "大女儿": Relation.ELDEST_DAUGHTER,
        "二女儿": Relation.SECOND_DAUGHTER, "三女儿": Relation.THIRD_DAUGHTER, "养子": Relation.ADOPTED_OR_STEP_SON,
        "继子": Relation.ADOPTED_OR_STEP_SON, "养女": Relation.ADOPTED_OR_STEP_DAUGHTER,
        "继女": Relation.ADOPTED_OR_STEP_DAUGHTER, "儿媳妇": Relation.DAUGHTER_IN_LAW, "孙子女": Relation.GRANDCHILD,
        "外孙": Relation.DAUGHTERS_SON, "孙媳": Relation.GRANDSONS_WIFE, "孙媳妇": Relation.GRANDSONS_WIFE,
        "孙女婿": Relation.GRANDDAUGHTERS_HUSBAND, "曾孙": Relation.GREAT_GRANDSON, "曾孙子": Relation.GREAT_GRANDSON,
        "曾孙女": Relation.GREAT_GRANDDAUGHTER, "父": Relation.FATHER, "母": Relation.MOTHER,
        "爸爸": Relation.FATHER, "妈妈": Relation.MOTHER, "继父": Relation.STEP_OR_ADOPTIVE_FATHER,
        "养父": Relation.STEP_OR_ADOPTIVE_FATHER, "继母": Relation.STEP_OR_ADOPTIVE_MOTHER,
        "养母": Relation.STEP_OR_ADOPTIVE_MOTHER, "祖父母": Relation.GRANDPARENT, "外祖父母": Relation.GRANDPARENT,
        "爷爷": Relation.GRANDFATHER, "奶奶": Relation.GRANDMOTHER, "外公": Relation.MATERNAL_GRANDFATHER,
        "姥爷": Relation.MATERNAL_GRANDFATHER, "外婆": Relation.MATERNAL_GRANDMOTHER,
        "姥姥": Relation.MATERNAL_GRANDMOTHER, "哥哥": Relation.ELDER_BROTHER, "嫂子": Relation.ELDER_BROTHERS_WIFE,
        "弟弟": Relation.YOUNGER_BROTHER, "弟媳妇": Relation.YOUNGER_BROTHERS_WIFE, "姐": Relation.ELDER_SISTER,
        "妹": Relation.YOUNGER_SISTER, "丈夫": Relation.HUSBAND, "妻子": Relation.WIFE, "老伴": Relation.SPOUSE,
        "爱人": Relation.SPOUSE, "伯伯": Relation.FATHERS_ELDER_BROTHER, "叔叔": Relation.FATHERS_YOUNGER_BROTHER,
        "婶婶": Relation.FATHERS_YOUNGER_BROTHERS_WIFE, "舅舅": Relation.MOTHERS_BROTHER,
        "舅妈": Relation.MOTHERS_BROTHERS_WIFE, "姨夫": Relation.MOTHERS_SISTERS_HUSBAND,
        "姨妈": Relation.MOTHERS_SISTER, "姑姑": Relation.FATHERS_SISTER, "侄儿": Relation.BROTHERS_SON,
        "亲属": Relation.OTHER_RELATIVE, "保姆": Relation.NON_RELATIVE, "租户": Relation.NON_RELATIVE,
        "朋友": Relation.NON_RELATIVE,
        # The values kept before the standard's codes (the API's callers may still send them).
        "head": Relation.HEAD, "spouse": Relation.SPOUSE, "parent": Relation.PARENT,
        "grandchild": Relation.GRANDCHILD, "grandparent": Relation.GRANDPARENT, "sibling": Relation.SIBLING,
        "other": Relation.OTHER,
    },
}  # fmt: skip
# Words whose code depends on the person's sex (from the identity number): (male, female).
RELATION_WORDS_BY_SEX: dict[str, tuple[str, str]] = {
    "子女": (Relation.SON, Relation.DAUGHTER),
    "child": (Relation.SON, Relation.DAUGHTER),
    "child_in_law": (Relation.SON_IN_LAW, Relation.DAUGHTER_IN_LAW),
}
# 民族 as people write it: the GB/T 3304 name, its code, the name without 族, and the usual short forms.
ETHNICITY_WORDS: dict[str, str] = {
    **{name: name for _code, name in ETHNICITIES},
    **{code: name for code, name in ETHNICITIES},
    **{name.removesuffix("族"): name for _code, name in ETHNICITIES if name.endswith("族")},
    "蒙族": "蒙古族",
    "维族": "维吾尔族",
    "外国血统": "外国血统中国籍人士",
    "其他民族": "其他",
}
SEX_WORDS = {"男": Sex.MALE, "男性": Sex.MALE, "1": Sex.MALE, "M": Sex.MALE, "女": Sex.FEMALE, "女性": Sex.FEMALE}
SEX_WORDS |= {"2": Sex.FEMALE, "F": Sex.FEMALE}
RESIDENCE_CHOICES = ("户籍", "常住", "流动", "寄住")  # the template's drop-down: the first word of each type


COLUMNS = [
    Column("name", "姓名", required=True, max_length=50, example="张桂兰", note="与身份证一致"),
    Column(
        "id_number", "身份证号", required=True, max_length=18, example="210102194803120029", text=True,
        note="18位，最后一位可以是X；本列已设为文本格式，请勿改为数字或“常规”，否则Excel会丢失末尾几位",
    ),
    Column("sex", "性别", max_length=2, example="女", choices=("男", "女"), note="可不填；填写时须与身份证号一致"),
    Column(
        "birth_date", "出生日期", max_length=10, example="1948-03-12",
        note="可不填；填写时须与身份证号一致，写作 YYYY-MM-DD",
    ),
    Column(
        "phone", "手机号", max_length=20, example="13912345678", text=True, note="11位手机号，可带 +86、空格或短横线",
    ),
    Column(
        "residence_type", "居住类型", required=True, max_length=10, example="户籍", choices=RESIDENCE_CHOICES,
        note="户籍、常住、流动、寄住 之一",
    ),
    Column(
        "household_number", "户号", max_length=40, example="HP-0001", note="同一户的人填相同户号；不填则同一门牌为一户",
    ),
    Column(
        "relation", "与户主关系", max_length=20, example="户主", choices=tuple(Relation.labels),
        note="按 GB/T 4761 家庭关系代码：户主、配偶、子、女、儿媳、女婿、孙子、外孙女……；也可写 儿子、女儿 等常用说法",
    ),
    Column("street_address", "小区或街路门牌", required=True, max_length=120, example="南京南街12号 和平花园"),
    Column("building", "楼栋", max_length=20, example="3"),
    Column("unit", "单元", max_length=20, example="2"),
    Column("room", "室", max_length=20, example="501"),
    Column("grid", "网格", max_length=50, example="第1网格", note="本社区网格的名称；不填则归社区"),
    Column(
        "ethnicity", "民族", max_length=20, example="汉族", choices=tuple(name for _code, name in ETHNICITIES),
        note="按 GB/T 3304 民族名称，可写简称（汉、蒙古、回……）",
    ),
    Column("moved_in_on", "迁入日期", max_length=10, example="2015-06-01", note="写作 YYYY-MM-DD"),
]  # fmt: skip
# Columns kept as typed: a value starting with = + - @ would run as a formula when exported. The other
# columns are normalised (digits, dates, codes), so a leading + (+86 …) is no danger there.
FREE_TEXT = frozenset({"name", "household_number", "street_address", "building", "unit", "room", "grid"})
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str) -> datetime.date:
    """A date as people write it: 2015-06-01, 2015/6/1, 2015.06.01, 2015年6月1日, 20150601, full-width
    digits too. ValueError when it is none of those or no real date."""
    match = _DATE_RE.match(halfwidth(text).strip())
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups() if part is not None)
    return datetime.date(year, month, day)


def relation_code(word: str, sex: str | None) -> str:
    """The GB/T 4761 code of what a roster says of the relation ("" when it says nothing known). A code
    that Excel stored as a number (2 for 02) is read as the code."""
    word = halfwidth(word).strip()
    if word.isdigit() and len(word) <= 2 and word.zfill(2) in Relation.values:
        return word.zfill(2)
    if word in RELATION_WORDS:
        return RELATION_WORDS[word]
    if word in RELATION_WORDS_BY_SEX and sex:
        male, female = RELATION_WORDS_BY_SEX[word]
        return male if sex == Sex.MALE else female
    return ""


def check_row(row: TableRow, *, grids: dict[str, int], today: datetime.date) -> None:
    """Validate one row in place: ``values`` gets clean values, ``errors`` a message per bad column
    (the reader may have set some already: a formula cell, a number that lost its digits)."""
    raw, values, errors = row.raw, row.values, row.errors
    for column in COLUMNS:
        text = raw.get(column.key, "")
        if column.key in errors:
            continue
        if column.required and not text:
            errors[column.key] = _("%(column)s is required.") % {"column": column.header}
        elif len(text) > column.max_length:
            errors[column.key] = _("%(column)s has at most %(max)d characters.") % {
                "column": column.header,
                "max": column.max_length,
            }
        elif column.key in FREE_TEXT and text.startswith(FORMULA_PREFIXES):
            errors[column.key] = _("%(column)s must not start with = + - or @.") % {"column": column.header}
    # Go on with the columns that passed, so one pass reports every problem of the row.
    raw = {key: ("" if key in errors else text) for key, text in raw.items()}
    values["name"] = raw.get("name", "")
    sex = None
    if "id_number" not in errors:
        try:
            facts = validate_id_number(raw["id_number"], today=today)
            values.update(id_number=facts.number, sex=facts.sex, birth_date=facts.birth_date)
            sex = facts.sex
            _check_against_number(raw, values, errors)
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
            "choices": "、".join(RESIDENCE_CHOICES)
        }
    values["residence_type"] = residence
    relation = raw.get("relation", "")
    values["relation"] = relation_code(relation, sex) if relation else ""
    # "子女" needs the sex from a valid identity number; without one, that row's error is the number's.
    if relation and not values["relation"] and not (sex is None and relation.strip() in RELATION_WORDS_BY_SEX):
        errors["relation"] = _(
            "Relation to the head is not a word of GB/T 4761 (家庭关系代码); write for example: %(choices)s."
        ) % {"choices": "户主、配偶、子、女、儿媳、女婿、孙子、外孙女、父亲、母亲、兄、妹妹、其他亲属、非亲属"}
    ethnicity = raw.get("ethnicity", "")
    values["ethnicity"] = ETHNICITY_WORDS.get(ethnicity.strip(), "") if ethnicity else ""
    if ethnicity and not values["ethnicity"]:
        errors["ethnicity"] = _("Ethnicity is not a name of GB/T 3304; write for example: %(choices)s.") % {
            "choices": "汉族、蒙古族、回族、满族、朝鲜族（或简称 汉、蒙古、回）"
        }
    grid_name = raw.get("grid", "")
    values["grid"] = grids.get(grid_name) if grid_name else None
    if grid_name and values["grid"] is None:
        errors["grid"] = _("There is no grid named %(name)s in this community.") % {"name": grid_name}
    values["moved_in_on"] = None
    if raw.get("moved_in_on"):
        try:
            values["moved_in_on"] = parse_date(raw["moved_in_on"])
            if values["moved_in_on"] > today:
                errors["moved_in_on"] = _("The move-in date is in the future.")
        except ValueError:
            errors["moved_in_on"] = _("Write the move-in date as YYYY-MM-DD.")
    for key in ("household_number", "street_address", "building", "unit", "room"):
        values[key] = raw.get(key, "")


def _check_against_number(raw: dict[str, str], values: dict[str, Any], errors: dict[str, str]) -> None:
    """The optional 性别 and 出生日期 columns must say what the identity number says: a row where they
    differ has a wrong number or a wrong person, and the roster cannot tell which."""
    if raw.get("sex"):
        sex = SEX_WORDS.get(halfwidth(raw["sex"]).strip().upper())
        if sex is None:
            errors["sex"] = _("Write the sex as 男 or 女.")
        elif sex != values["sex"]:
            errors["sex"] = _("The sex does not match the identity number; check both.")
    if raw.get("birth_date"):
        try:
            if parse_date(raw["birth_date"]) != values["birth_date"]:
                errors["birth_date"] = _("The date of birth does not match the identity number; check both.")
        except ValueError:
            errors["birth_date"] = _("Write the date of birth as YYYY-MM-DD.")


# The staging table: one row per checked roster row, already encrypted and indexed, written during the
# check phase (outside any transaction) and merged set-based into the pool by ``write``.
STAGE = "shequ_resident_stage"
READY = "shequ_resident_ready"
STAGE_COLUMNS = [
    ("row_no", "integer"),
    ("row_key", "uuid"),  # the new person's RowKeyField, bound into both ciphertexts
    ("id_index", "varchar(64)"),
    ("id_cipher", "text"),
    ("phone_index", "varchar(64)"),
    ("phone_cipher", "text"),
    ("phone_tail_index", "varchar(64)"),
    ("name", "varchar(50)"),
    ("sex", "varchar(1)"),
    ("birth_date", "date"),
    ("residence_type", "varchar(16)"),
    ("ethnicity", "varchar(20)"),
    ("relation", "varchar(16)"),
    ("moved_in_on", "date"),
    ("area_id", "bigint"),
    ("household_number", "varchar(40)"),
    ("street_address", "varchar(120)"),
    ("building", "varchar(20)"),
    ("unit", "varchar(20)"),
    ("room", "varchar(20)"),
]
# Person fields a roster row sets, by the column that holds them in the pool and in the staging table; a
# difference in any of them is an update (the phone compared through its blind index: ciphertexts
# differ every time).
COMPARED = {
    "name": "name",
    "phone": "phone_index",
    "sex": "sex",
    "birth_date": "birth_date",
    "residence_type": "residence_type",
    "ethnicity": "ethnicity",
    "relation": "relation",
    "moved_in_on": "moved_in_on",
}


@dataclass(frozen=True)
class PrepareContext:
    """What ``prepare`` needs, picklable: it may run in another process."""

    community_id: int
    grids: dict[str, int]  # grid name -> area id
    today: datetime.date


@dataclass
class CheckState:
    """What the check of one roster keeps across chunks."""

    community: Area
    context: PrepareContext
    actor: Any  # who uploads: the lookups of people registered elsewhere are recorded as theirs
    moves: dict[int, int] = field(default_factory=dict)  # row number -> person id, for move requests


def staged_row(row: TableRow, community_id: int) -> tuple[object, ...]:
    """A checked row as the staging table holds it: personal values encrypted (bound to the row key made
    here, before the person has a primary key), both blind indexes."""
    v = row.values
    relation = v["relation"] or (Relation.HEAD if not v["household_number"] else "")
    phone = v["phone"]
    row_key = uuid.uuid4()
    return (
        row.number,
        row_key.hex,  # as Django's UUIDField stores it on SQLite; PostgreSQL's uuid reads it too
        blind_index(v["id_number"], purpose=ID_PURPOSE),
        encrypt(v["id_number"], context=row_context(ID_CONTEXT, row_key)),
        blind_index(phone, purpose=PHONE_PURPOSE) if phone else "",
        encrypt(phone, context=row_context(PHONE_CONTEXT, row_key)) if phone else "",
        phone_tail_index(phone),
        v["name"],
        v["sex"],
        v["birth_date"].isoformat(),
        v["residence_type"],
        v["ethnicity"],
        relation,
        v["moved_in_on"].isoformat() if v["moved_in_on"] else None,
        v["grid"] or community_id,
        v["household_number"],
        v["street_address"],
        v["building"],
        v["unit"],
        v["room"],
    )


def stage_begin() -> None:
    """A fresh, empty staging table on this connection (temporary: no other connection sees it)."""
    stage_end()
    # "uuid" as the pool's column has it (uuid on PostgreSQL, char(32) on SQLite).
    types = {"uuid": connection.data_types["UUIDField"]}
    columns = ", ".join(f"{quoted(name)} {types.get(kind, kind)}" for name, kind in STAGE_COLUMNS)
    execute(f"CREATE TEMPORARY TABLE {STAGE} ({columns}, PRIMARY KEY (row_no))")


def stage_end() -> None:
    for table in (READY, STAGE):
        execute(f"DROP TABLE IF EXISTS {table}")


def stage_rows(staged: list[Any]) -> int:
    return copy_rows(STAGE, [name for name, _kind in STAGE_COLUMNS], staged)


class ResidentImporter:
    kind = "residents"
    label = _("Resident roster")
    columns = COLUMNS
    capability = Capability.REGISTRY_EDIT
    area_levels = (Level.COMMUNITY,)

    def begin(self, *, area: Area, actor: Any) -> CheckState:
        stage_begin()
        context = PrepareContext(community_id=area.pk, grids=community_grids(area), today=timezone.localdate())
        return CheckState(community=area, context=context, actor=actor)

    def context(self, state: CheckState) -> PrepareContext:
        return state.context

    def prepare(self, context: PrepareContext, rows: list[TableRow]) -> list[TableRow]:
        for row in rows:
            check_row(row, grids=context.grids, today=context.today)
            if not row.errors:
                row.prepared = encoded(staged_row(row, context.community_id))
                row.raw, row.values = {}, {}  # all the rest needs is prepared: less to hold and to pass back
        return rows

    def check(self, state: CheckState, rows: list[TableRow]) -> None:
        stage_rows([row.prepared for row in rows if not row.errors])

    def finish(self, state: CheckState) -> dict[int, dict[str, str]]:
        """The errors that only the whole file shows, set-based on the staging table: an identity number
        on two rows, and people registered in another community.

        A row whose person lives in another community is a lookup of someone the uploader cannot see:
        each is audited and rate-limited as one, a file with more of them than the setting allows is
        refused as a whole (naming no row) and alerted, and the answer says nothing about the person.
        Where the name matches too, the row becomes a move request instead of an error."""
        errors = repeated_identity_numbers()
        for row_no, messages in second_heads(state.community).items():
            errors.setdefault(row_no, {}).update(messages)
        found = registered_elsewhere_rows(state.community)
        limit = settings.SHEQU_IMPORT_ELSEWHERE_MAX
        if len(found) > limit:
            with transaction.atomic():
                alert_raise(
                    kind=Alert.Kind.IMPORT_PROBE,
                    actor=state.actor,
                    area=state.community,
                    data={"rows": len(found), "limit": limit},
                )
            raise TableFileError(
                _(
                    "%(count)d rows name people registered in other communities, more than the %(max)d allowed "
                    "in one file; the file was refused and the auditors were told."
                )
                % {"count": len(found), "max": limit}
            )
        for found_row in found:
            try:
                identifier_lookup(actor=state.actor, purpose="imports.elsewhere", index=found_row.id_index)
            except ValidationError as exc:
                raise TableFileError(exc.messages[0]) from None
            if found_row.movable:
                state.moves[found_row.row_no] = found_row.person_id
            else:
                errors.setdefault(found_row.row_no, {})["id_number"] = cannot_register_here()
        return errors

    def write(self, *, actor: Any, area: Area, state: CheckState, progress: Callable[[int], None]) -> dict[str, int]:
        moves = unstage_moves(state.moves)
        counts = merge_staged(actor=actor, community=area, progress=progress)
        file_move_requests(actor=actor, community=area, moves=moves)
        counts["unchanged"] += len(moves)  # not changed here: the other community decides
        if counts["created"] >= ANALYZE_AFTER:
            # A large load changes the tables' shape more than the database notices by itself; without
            # fresh statistics the planner keeps treating the pool as empty and searches turn into scans.
            for model in (Person, Address, Household, PersonChange):
                execute(f"ANALYZE {quoted(model._meta.db_table)}")
        return counts

    def end(self, state: CheckState) -> None:
        stage_end()


IMPORTERS = [ResidentImporter()]


def community_grids(community: Area) -> dict[str, int]:
    """The community's grids by name (a roster names the grid), as area ids."""
    return dict(Area.objects.filter(parent=community, level=Level.GRID, is_active=True).values_list("name", "pk"))


def cannot_register_here() -> str:
    # Said of a number held by someone elsewhere under another name (or who died): nothing about who or
    # where, and the same words whatever the reason.
    return _("This identity number cannot be registered here under this name; check the number and the name.")


@dataclass(frozen=True)
class Elsewhere:
    """A staged row whose person lives in another community (or died there)."""

    row_no: int
    person_id: int
    id_index: str
    movable: bool  # living, and the name matches too: the row may become a move request


def registered_elsewhere_rows(community: Area) -> list[Elsewhere]:
    """Staged rows whose person is registered in another community and has not moved out from there."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.row_no, p.id, s.id_index, "
            f"CASE WHEN p.name = s.name AND p.status = %s THEN 1 ELSE 0 END "
            f"FROM {STAGE} s "
            f"JOIN {quoted(Person._meta.db_table)} p ON p.id_number_index = s.id_index "
            f"JOIN {quoted(Area._meta.db_table)} a ON a.id = p.area_id "
            f"WHERE SUBSTR(a.path, 1, %s) <> %s AND p.status <> %s ORDER BY s.row_no",
            [PersonStatus.ACTIVE, len(community.path), community.path, PersonStatus.MOVED_OUT],
        )
        return [Elsewhere(row_no, person_id, index, bool(movable)) for row_no, person_id, index, movable in cursor]


# What a move request keeps of the asking row: where the person is to live, nothing about who they are.
DESTINATION = [
    "area_id",
    "street_address",
    "building",
    "unit",
    "room",
    "household_number",
    "relation",
    "residence_type",
    "moved_in_on",
]


def unstage_moves(moves: dict[int, int]) -> list[tuple[int, dict[str, Any]]]:
    """Take the rows that become move requests out of the staging table (the merge must not move those
    people), as (person id, destination)."""
    if not moves:
        return []
    numbers = sorted(moves)
    marks = ", ".join(["%s"] * len(numbers))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_no, {', '.join(DESTINATION)} FROM {STAGE} WHERE row_no IN ({marks})", numbers)
        taken = [
            (moves[row_no], dict(zip(DESTINATION, [str(v) if v is not None else "" for v in rest], strict=True)))
            for row_no, *rest in cursor.fetchall()
        ]
    execute(f"DELETE FROM {STAGE} WHERE row_no IN ({marks})", numbers)
    return taken


def file_move_requests(*, actor: Any, community: Area, moves: list[tuple[int, dict[str, Any]]]) -> list[MoveRequest]:
    """A move request for each (person id, destination), to the community each person lives in; an open
    request of the same person to the same community is kept rather than repeated. Runs inside the
    caller's transaction, with an audit event per request."""
    filed = []
    for person_id, destination in moves:
        person = Person.objects.select_related("area").get(pk=person_id)
        home = person.area if person.area.level == Level.COMMUNITY else person.area.parent
        request, created = MoveRequest.objects.get_or_create(
            person=person,
            to_area=community,
            state=MoveRequest.State.PENDING,
            defaults={"from_area": home, "destination": destination, "requested_by_id": actor.pk},
        )
        if created:
            record_event(
                actor=actor, action="residents.move_request", obj=request, area=community, data={"person": person_id}
            )
        filed.append(request)
    return filed


def repeated_identity_numbers() -> dict[int, dict[str, str]]:
    """Rows whose identity number an earlier row of the same file already has, with that row's number."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.row_no, f.first_row FROM {STAGE} s JOIN ("
            f"  SELECT id_index, MIN(row_no) AS first_row FROM {STAGE} GROUP BY id_index HAVING COUNT(*) > 1"
            f") f ON f.id_index = s.id_index WHERE s.row_no <> f.first_row"
        )
        return {
            row_no: {"id_number": _("The same identity number is on row %(row)d.") % {"row": first}}
            for row_no, first in cursor.fetchall()
        }


def second_heads(community: Area) -> dict[int, dict[str, str]]:
    """Staged rows that would give a household a second head (the pool keeps one, with a constraint): a
    head row after another head row of the same household in the file, or beside a head already living
    there who is not in the file."""
    staged_key = (
        "CASE WHEN s.household_number <> '' THEN 'n:' || s.household_number "
        "ELSE 'a:' || CAST(s.area_id AS varchar(20)) || '|' || s.street_address || '|' || s.building "
        "|| '|' || s.unit || '|' || s.room END"
    )
    person, household, address = (quoted(m._meta.db_table) for m in (Person, Household, Address))
    errors: dict[int, dict[str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.row_no, f.first_row FROM (SELECT s.row_no, {staged_key} AS hkey FROM {STAGE} s "
            f"WHERE s.relation = %s) k JOIN (SELECT {staged_key} AS hkey, MIN(s.row_no) AS first_row FROM {STAGE} s "
            f"WHERE s.relation = %s GROUP BY {staged_key}) f ON f.hkey = k.hkey WHERE k.row_no <> f.first_row",
            [Relation.HEAD, Relation.HEAD],
        )
        for row_no, first in cursor.fetchall():
            errors[row_no] = {"relation": _("The household already has a head on row %(row)d.") % {"row": first}}
        cursor.execute(
            f"SELECT s.row_no FROM {STAGE} s JOIN {household} h ON h.area_id = %s AND ("
            f"  (s.household_number <> '' AND h.number = s.household_number) OR (s.household_number = '' "
            f"  AND h.number = '' AND h.address_id IN (SELECT a.id FROM {address} a WHERE a.area_id = s.area_id "
            f"  AND a.street_address = s.street_address AND a.building = s.building AND a.unit = s.unit "
            f"  AND a.room = s.room))) "
            f"JOIN {person} p ON p.household_id = h.id AND p.relation = %s AND p.status = %s "
            f"AND p.id_number_index <> s.id_index "
            f"WHERE s.relation = %s AND NOT EXISTS (SELECT 1 FROM {STAGE} t WHERE t.id_index = p.id_number_index)",
            [community.pk, Relation.HEAD, PersonStatus.ACTIVE, Relation.HEAD],
        )
        for (row_no,) in cursor.fetchall():
            errors.setdefault(row_no, {})["relation"] = _(
                "The household already has a head; change the head on the household's page first."
            )
    return errors


def merge_staged(*, actor: Any, community: Area, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Merge the staged rows into the pool, set-based: new addresses and households, new people with
    their "registered" history, changed people updated with a history entry naming the fields that
    changed (never their values). Runs inside the caller's transaction; the staging table must hold no
    two rows of one identity number."""
    report = progress or (lambda done: None)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    today = timezone.localdate().isoformat()
    params = {"community": community.pk, "now": now, "today": today, "actor": getattr(actor, "pk", None)}
    address = quoted(Address._meta.db_table)
    household = quoted(Household._meta.db_table)
    person = quoted(Person._meta.db_table)
    change = quoted(PersonChange._meta.db_table)
    same_address = (
        "a.area_id = s.area_id AND a.street_address = s.street_address AND a.building = s.building "
        "AND a.unit = s.unit AND a.room = s.room"
    )
    total = _count(STAGE)
    # 1. Addresses that are new.
    execute(
        f"INSERT INTO {address} (area_id, street_address, building, unit, room) "
        f"SELECT DISTINCT s.area_id, s.street_address, s.building, s.unit, s.room FROM {STAGE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {address} a WHERE {same_address})"
    )
    # 2. Households that are new: a numbered one at the address of its first row; a row without a number
    #    forms a household with the others at its address.
    execute(
        f"INSERT INTO {household} (area_id, address_id, number, created_at) "
        f"SELECT %(community)s, a.id, s.household_number, %(now)s FROM {STAGE} s "
        f"JOIN (SELECT household_number, MIN(row_no) AS first_row FROM {STAGE} WHERE household_number <> '' "
        f"      GROUP BY household_number) f ON f.first_row = s.row_no "
        f"JOIN {address} a ON {same_address} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {household} h WHERE h.area_id = %(community)s "
        f"                  AND h.number = s.household_number)",
        params,
    )
    execute(
        f"INSERT INTO {household} (area_id, address_id, number, created_at) "
        f"SELECT %(community)s, a.id, '', %(now)s FROM "
        f"(SELECT DISTINCT area_id, street_address, building, unit, room FROM {STAGE} WHERE household_number = '') s "
        f"JOIN {address} a ON {same_address} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {household} h WHERE h.area_id = %(community)s AND h.number = '' "
        f"                  AND h.address_id = a.id)",
        params,
    )
    report(total // 4)
    # 3. Every staged row with its address, household and, when known, the person it is.
    execute(
        f"CREATE TEMPORARY TABLE {READY} AS "
        f"SELECT s.*, a.id AS address_id, COALESCE(hn.id, ha.id) AS household_id, p.id AS person_id "
        f"FROM {STAGE} s JOIN {address} a ON {same_address} "
        f"LEFT JOIN {household} hn ON s.household_number <> '' AND hn.area_id = %(community)s "
        f"     AND hn.number = s.household_number "
        f"LEFT JOIN {household} ha ON s.household_number = '' AND ha.area_id = %(community)s "
        f"     AND ha.number = '' AND ha.address_id = a.id "
        f"LEFT JOIN {person} p ON p.id_number_index = s.id_index",
        params,
    )
    report(total // 2)
    # 4. New people, then their "registered" history.
    created = execute(
        f"INSERT INTO {person} (area_id, name, row_key, id_number, id_number_index, phone, phone_index, "
        f"phone_tail_index, sex, birth_date, ethnicity, residence_type, household_id, relation, address_id, status, "
        f"moved_in_on, left_on, updated_at) "
        f"SELECT area_id, name, row_key, id_cipher, id_index, phone_cipher, phone_index, phone_tail_index, sex, "
        f"birth_date, ethnicity, residence_type, household_id, relation, address_id, '{PersonStatus.ACTIVE}', "
        f"moved_in_on, NULL, %(now)s "
        f"FROM {READY} WHERE person_id IS NULL",
        params,
    )
    execute(
        f'INSERT INTO {change} (person_id, kind, "on", from_area_id, to_area_id, changes, actor_id, at) '
        f"SELECT p.id, '{PersonChange.Kind.REGISTERED}', COALESCE(r.moved_in_on, %(today)s), NULL, r.area_id, "
        f"'{{}}', %(actor)s, %(now)s "
        f"FROM {READY} r JOIN {person} p ON p.id_number_index = r.id_index WHERE r.person_id IS NULL",
        params,
    )
    report(total * 3 // 4)
    # 5. Known people whose row differs: a history entry naming what changed, then the update.
    differs = {field: distinct(f"p.{column}", f"r.{column}") for field, column in COMPARED.items()}
    moved = " OR ".join(
        [
            distinct("p.area_id", "r.area_id"),
            distinct("p.address_id", "r.address_id"),
            distinct("p.household_id", "r.household_id"),
        ]
    )
    returned = f"p.status <> '{PersonStatus.ACTIVE}'"
    any_change = " OR ".join([*differs.values(), moved, returned])
    flags = ", ".join(f"CASE WHEN {condition} THEN 1 ELSE 0 END" for condition in [*differs.values(), moved, returned])
    history = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, r.area_id, {flags} FROM {READY} r JOIN {person} p ON p.id = r.person_id WHERE {any_change}"
        )
        for person_id, area_id, *bits in cursor.fetchall():
            fields = [field for field, bit in zip(differs, bits, strict=False) if bit]
            if bits[-2]:
                fields.append("address")
            kind = PersonChange.Kind.MOVED_IN if bits[-1] else PersonChange.Kind.UPDATED
            history.append((person_id, kind, today, area_id, json.dumps({"fields": fields}), params["actor"], now))
    if history:
        copy_rows(
            PersonChange._meta.db_table,
            ["person_id", "kind", "on", "to_area_id", "changes", "actor_id", "at"],
            history,
        )
        assignments = ", ".join(
            [
                "area_id = r.area_id",
                "name = r.name",
                # The staged ciphertexts are bound to the staged row key: the key and both values together.
                "row_key = r.row_key",
                "id_number = r.id_cipher",
                "phone = r.phone_cipher",
                "phone_index = r.phone_index",
                "phone_tail_index = r.phone_tail_index",
                "sex = r.sex",
                "birth_date = r.birth_date",
                "residence_type = r.residence_type",
                "ethnicity = r.ethnicity",
                "relation = r.relation",
                "moved_in_on = r.moved_in_on",
                "address_id = r.address_id",
                "household_id = r.household_id",
                f"status = '{PersonStatus.ACTIVE}'",
                "left_on = NULL",
                "updated_at = %(now)s",
            ]
        )
        execute(
            f"UPDATE {person} AS p SET {assignments} FROM {READY} r WHERE p.id = r.person_id AND ({any_change})",
            params,
        )
    report(total)
    return {"created": created, "updated": len(history), "unchanged": total - created - len(history)}


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return int(cursor.fetchone()[0])


def write_rows(*, actor: Any, community: Area, rows: list[TableRow]) -> dict[str, int]:
    """Write checked rows into a community through the same staging and merge as an import (single
    registration uses it). Call inside the transaction that also records the audit event."""
    stage_begin()
    try:
        stage_rows([staged_row(row, community.pk) for row in rows])
        return merge_staged(actor=actor, community=community)
    finally:
        stage_end()
