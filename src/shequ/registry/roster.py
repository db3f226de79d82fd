"""The resident roster (居民花名册) as communities keep it: columns, reading Excel/CSV, checking rows.

One definition of the columns serves the downloadable template, the import and the export.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from shequ.lib.identifiers import normalize_mobile, validate_id_number
from shequ.lib.masking import FORMULA_PREFIXES, escape_spreadsheet_cell

from .models import Relation, ResidenceType

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


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the roster's own (Chinese) heading: rosters are kept in Chinese
    required: bool = False
    max_length: int = 50
    example: str = ""


COLUMNS = [
    Column("name", "姓名", required=True, max_length=50, example="张桂兰"),
    Column("id_number", "身份证号", required=True, max_length=18, example="210102194803120029"),
    Column("phone", "手机号", max_length=20, example="13912345678"),
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
COLUMN_BY_HEADER = {c.header: c for c in COLUMNS} | {c.key: c for c in COLUMNS}


class RosterFileError(Exception):
    """The file as a whole cannot be read: wrong type, encoding or headings. The message says why."""


@dataclass
class RosterRow:
    number: int  # the row number a person sees in Excel (the heading is row 1)
    raw: dict[str, str]
    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel turned an identity number into a number and lost its last digits: say so, don't guess.
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def read_roster(content: bytes, filename: str = "") -> tuple[list[str], Iterator[list[str]]]:
    """Headings and an iterator of rows (lists of text) from .xlsx or CSV (UTF-8, UTF-8 BOM, GBK)."""
    if content[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise RosterFileError(_("The file is not an Excel workbook that can be read.")) from exc
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(rows, [])]
        return header, ([_cell_text(v) for v in row] for row in rows)
    encoding_error = RosterFileError(_("The file's encoding is not UTF-8 or GBK; save it as UTF-8 CSV or as .xlsx."))
    if b"\x00" in content[:4096]:  # UTF-16 or a binary file: GBK would "decode" it into nonsense
        raise encoding_error
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise encoding_error
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    return header, ([cell.strip() for cell in row] for row in reader)


def map_header(header: list[str]) -> dict[int, Column]:
    """Which column of the file holds which field; missing required headings are a file error."""
    mapping = {i: COLUMN_BY_HEADER[h] for i, h in enumerate(header) if h in COLUMN_BY_HEADER}
    present = {c.key for c in mapping.values()}
    missing = [c.header for c in COLUMNS if c.required and c.key not in present]
    if missing:
        raise RosterFileError(
            _("Required columns are missing: %(columns)s. Download the template to see the headings.")
            % {"columns": "、".join(missing)}
        )
    return mapping


def check_row(row: RosterRow, *, grids: dict[str, object], today: datetime.date) -> None:
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


def template_workbook() -> bytes:
    """The roster template: headings, one example row, notes on each heading."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民花名册"
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        note = ("必填" if column.required else "选填") + f"，最多 {column.max_length} 字"
        cell.comment = Comment(note, "社区服务平台")
        example = sheet.cell(row=2, column=index, value=column.example)
        example.number_format = "@"  # text: Excel must not turn identity numbers into numbers
        sheet.column_dimensions[cell.column_letter].width = max(10, len(column.example) + 4)
    for row in range(3, 1003):
        sheet.cell(row=row, column=2).number_format = "@"
        sheet.cell(row=row, column=3).number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ERROR_FILL = PatternFill(start_color="FFF4CCCC", end_color="FFF4CCCC", fill_type="solid")


def error_report(header: list[str], rows: list[RosterRow], file_error: str = "") -> bytes:
    """The uploaded rows back as a workbook: bad cells red with the reason as a comment, and a last
    column "错误说明" listing every reason of the row. Only rows with errors are included."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "错误报告"
    if file_error:
        sheet.append(["错误说明"])
        sheet.append([file_error])
    else:
        keys = [COLUMN_BY_HEADER[h].key if h in COLUMN_BY_HEADER else None for h in header]
        sheet.append(["原行号", *header, "错误说明"])
        for row in rows:
            if not row.errors:
                continue
            cells = [row.raw.get(k, "") if k else "" for k in keys]
            sheet.append(
                [
                    row.number,
                    *[escape_spreadsheet_cell(c) for c in cells],
                    "；".join(f"{COLUMN_BY_HEADER[k].header}：{m}" for k, m in row.errors.items()),
                ]
            )
            excel_row = sheet.max_row
            for offset, key in enumerate(keys, start=2):
                if key in row.errors:
                    cell = sheet.cell(row=excel_row, column=offset)
                    cell.fill = ERROR_FILL
                    cell.comment = Comment(row.errors[key], "社区服务平台")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
