"""Tables that users upload and download: reading .xlsx or CSV as a stream of rows, mapping headings
to columns, the downloadable template, and the error report with the bad cells marked.

Everything read from a user's file is bounded before it is parsed: the file size (by the upload
form), the decompressed size of a workbook, the number of rows and the length of every cell.
It also holds the contract an importer of one domain fulfils (``Importer``): the imports app runs any
importer without knowing the domain, and finds them by discovery (each app's ``importers`` module).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation

from .masking import escape_spreadsheet_cell

# A cell longer than this is no roster value; it is cut here and refused by the column's own length.
MAX_CELL_CHARS = 1_000
MAX_COLUMNS = 100


def max_rows() -> int:
    """Data rows a file may have (SHEQU_IMPORT_MAX_ROWS; by default an .xlsx's own maximum)."""
    return int(settings.SHEQU_IMPORT_MAX_ROWS)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the table's own (Chinese) heading: rosters are kept in Chinese
    required: bool = False
    max_length: int = 50
    example: str = ""
    text: bool = False  # long digit strings (identity numbers, phones): the template marks the column as text
    choices: tuple[str, ...] = ()  # the words the template's drop-down offers (others may still be accepted)
    note: str = ""  # what the template's notes sheet says of the column


@dataclass
class TableRow:
    number: int  # the row number a person sees in Excel (the heading is row 1)
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    prepared: Any = None  # what the importer's ``prepare`` made of a good row for the write


class TableFileError(Exception):
    """The file as a whole cannot be read: wrong type, encoding, size or headings. The message says why."""


class Importer(Protocol):
    """What a domain registers to have its tables imported (in its ``importers`` module, as ``IMPORTERS``).

    The imports app reads the file as a stream of chunks, outside any transaction. ``prepare`` validates
    a chunk in place and makes what the write needs of each good row; it touches no database and may
    run in another process (with the picklable ``context``), so big files use every core. ``check``
    then does, in the job's own process, what needs the database (a staging table, lookups), keeping it
    in ``state``. ``finish`` returns the errors only the whole file shows (by row number). If no row is
    bad, ``write`` runs inside the one transaction that also records the audit event. ``end`` releases
    the state, whatever happened.
    """

    kind: str
    label: str
    columns: list[Column]
    capability: str
    area_levels: tuple[int, ...]

    def begin(self, *, area: Any, actor: Any) -> Any: ...

    def context(self, state: Any) -> Any: ...

    def prepare(self, context: Any, rows: list[TableRow]) -> list[TableRow]: ...

    def check(self, state: Any, rows: list[TableRow]) -> None: ...

    def finish(self, state: Any) -> dict[int, dict[str, str]]: ...

    def write(self, *, actor: Any, area: Any, state: Any, progress: Callable[[int], None]) -> dict[str, int]: ...

    def end(self, state: Any) -> None: ...


class FormulaText(str):
    """The text of a cell that holds a formula (the sheet's XML has an ``<f>``): what it shows is computed
    and may change, so the row is refused whatever the cached value says."""


class LostDigitsText(str):
    """The text of a number cell that Excel cannot have kept exactly: 15 or more digits, or an exponent.
    Excel keeps 15 significant digits, so an identity number typed into a number cell has already lost
    its last ones; guessing them back could make another, valid, number."""


# Excel keeps 15 significant digits: a number cell with this many digits before the point may be cut.
EXCEL_EXACT_DIGITS = 15


def _number_cell_text(value: float | int) -> str:
    text = cell_text(value)
    if "e" in text.lower() or len(str(abs(int(value)))) >= EXCEL_EXACT_DIGITS:
        return LostDigitsText(text)
    return text


def cell_problem(text: str, header: str) -> str:
    """Why a cell read as ``FormulaText`` or ``LostDigitsText`` cannot be taken, naming its column; "" for
    any other cell."""
    if isinstance(text, FormulaText):
        return _("This cell is a formula; copy the column and paste it as values, then upload again.")
    if isinstance(text, LostDigitsText):
        return _(
            "Excel stored %(column)s as a number and lost its last digits; format the column as text and "
            "enter it again."
        ) % {"column": header}
    return ""


def cell_text(value: object) -> str:
    """What a person typed, as text: dates as ISO dates, numbers without Excel's float noise."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel turned a long number (an identity number) into a float and lost its last digits: show what
        # it holds, so the row's check says so, rather than guess.
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()[:MAX_CELL_CHARS]


def _check_workbook_size(source: IO[bytes]) -> None:
    """Refuse a workbook whose parts would unpack to more than SHEQU_IMPORT_MAX_UNPACKED_BYTES, from the
    sizes its zip directory declares, before anything is unpacked (a zip bomb). The declared size also
    bounds what is unpacked: Python's zip reader stops at it."""
    limit = int(settings.SHEQU_IMPORT_MAX_UNPACKED_BYTES)
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableFileError(_("The file is not an Excel workbook that can be read.")) from exc
    if unpacked > limit:
        raise TableFileError(
            _("The workbook unpacks to more than %(max)s; split it into smaller files.") % {"max": _megabytes(limit)}
        )
    source.seek(0)


def _too_many_rows() -> TableFileError:
    return TableFileError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows()})


def _bounded(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    limit = max_rows()
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise _too_many_rows()
        yield row[:MAX_COLUMNS]


def _sheet_rows(workbook: Any) -> Iterator[list[str]]:
    """The first sheet's rows as lists of text, the heading first, from the sheet's XML as it streams.

    openpyxl's own row iterator fills every missing row up to the next one and trusts the sheet's
    declared size: a 5 KB sheet with one row numbered 100,000,000,000 would keep it filling for hours,
    and rows beyond a wrong declared size would be dropped silently. Here a row numbered beyond the row
    limit refuses the file at once, and a gap below it is a run of empty lists (the row numbers stay
    those Excel shows). Rows out of order are skipped, as openpyxl does."""
    sheet = workbook.worksheets[0]
    limit = max_rows() + 1  # the heading is row 1
    expected = 1
    with sheet._get_source() as xml:
        parser = WorkSheetParser(
            xml,
            sheet._shared_strings,
            data_only=False,  # a formula cell comes as data type "f": refused, whatever its cached value
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number > limit:
                raise _too_many_rows()
            if number < expected:
                continue
            while expected < number:
                yield []
                expected += 1
            row = [""] * min(MAX_COLUMNS, max((cell["column"] for cell in cells), default=0))
            for cell in cells:
                if cell["column"] <= MAX_COLUMNS:
                    row[cell["column"] - 1] = _sheet_cell_text(cell)
            yield row
            expected += 1


def _sheet_cell_text(cell: dict[str, Any]) -> str:
    value, kind = cell["value"], cell["data_type"]
    if kind == "f":
        return FormulaText(str(getattr(value, "text", value) or "=")[:MAX_CELL_CHARS])
    if kind == "n" and isinstance(value, int | float) and not isinstance(value, bool):
        return _number_cell_text(value)
    return cell_text(value)


def _text_encoding(source: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else GB 18030 (which reads GBK).
    Decided by one streaming pass, so a big file is never held in memory."""
    encoding_error = TableFileError(_("The file's encoding is not UTF-8 or GBK; save it as UTF-8 CSV or as .xlsx."))
    if b"\x00" in source.read(4096):  # UTF-16 or a binary file: GBK would "decode" it into nonsense
        raise encoding_error
    for encoding in ("utf-8-sig", "gb18030"):
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while block := source.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        source.seek(0)
        return encoding
    raise encoding_error


def read_table(source: IO[bytes]) -> tuple[list[str], Iterator[list[str]]]:
    """Headings and a stream of rows (lists of text) from an .xlsx or CSV file (UTF-8, UTF-8 with BOM,
    GBK), opened for binary reading and seekable. Rows come one at a time: memory does not grow with
    the file."""
    if source.read(2) == b"PK":
        source.seek(0)
        _check_workbook_size(source)
        try:
            workbook = load_workbook(source, read_only=True, data_only=True)
            sheet_rows = _sheet_rows(workbook)
            header = next(sheet_rows, [])
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, SyntaxError) as exc:
            # SyntaxError: the XML parser's ParseError, for a sheet that is not well-formed XML.
            raise TableFileError(_("The file is not an Excel workbook that can be read.")) from exc
        return header[:MAX_COLUMNS], _bounded(_workbook_rows(sheet_rows))
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=_text_encoding(source), newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip()[:MAX_CELL_CHARS] for h in next(reader, [])]
    except csv.Error as exc:
        raise TableFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    return header[:MAX_COLUMNS], _bounded(_csv_rows(reader, text))


def _workbook_rows(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from rows
    except (KeyError, ValueError, OSError, IndexError, SyntaxError, zipfile.BadZipFile) as exc:
        raise TableFileError(_("The file is not an Excel workbook that can be read.")) from exc


def _csv_rows(reader: Iterator[list[str]], text: io.TextIOWrapper) -> Iterator[list[str]]:
    try:
        for row in reader:
            yield [cell.strip()[:MAX_CELL_CHARS] for cell in row]
    except csv.Error as exc:
        raise TableFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    # Hand the file back open: a wrapper that is thrown away closes what it wraps, and the caller may
    # read the file again (to fetch the cells of rows that only the whole file showed to be wrong).
    text.detach()


def map_header(header: list[str], columns: list[Column]) -> dict[int, Column]:
    """Which column of the file holds which field; missing required headings are a file error."""
    by_heading = {c.header: c for c in columns} | {c.key: c for c in columns}
    mapping = {i: by_heading[h] for i, h in enumerate(header) if h in by_heading}
    present = {c.key for c in mapping.values()}
    missing = [c.header for c in columns if c.required and c.key not in present]
    if missing:
        raise TableFileError(
            _("Required columns are missing: %(columns)s. Download the template to see the headings.")
            % {"columns": "、".join(missing)}
        )
    return mapping


def table_rows(mapping: dict[int, Column], rows: Iterable[list[str]], first_number: int = 2) -> Iterator[TableRow]:
    """The data rows as ``TableRow``s keyed by column, numbered as Excel shows them (the first data row
    is 2, or ``first_number`` for a later part of the file); blank lines skipped."""
    for number, cells in enumerate(rows, start=first_number):
        if not any(cells):
            continue  # blank lines at the end of a sheet
        row = TableRow(number=number, raw={c.key: (cells[i] if i < len(cells) else "") for i, c in mapping.items()})
        for column in mapping.values():
            if problem := cell_problem(row.raw[column.key], column.header):
                row.errors[column.key] = problem
            row.raw[column.key] = str(row.raw[column.key])  # plain text from here on (it is pickled, reported)
        yield row


# Rows of the template formatted (text columns) and offered drop-downs: a community's roster fits.
TEMPLATE_ROWS = 5000


def template_workbook(columns: list[Column], title: str) -> bytes:
    """A template: the headings (a note on each), no data rows (a sample person would be imported with
    the rest), identity and phone columns formatted as text (Excel must not turn them into numbers),
    a drop-down on every coded column (its words on a hidden sheet: an inline list is limited to 255
    characters), and a notes sheet "说明" explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    notes = workbook.create_sheet("说明")
    bold = Font(bold=True)
    notes.append(["列名", "是否必填", "说明", "示例"])
    for cell in notes[1]:
        cell.font = bold
    last = TEMPLATE_ROWS + 1
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        letter = cell.column_letter
        required = "必填" if column.required else "选填"
        cell.comment = Comment(
            f"{required}，最多 {column.max_length} 字" + (f"。{column.note}" if column.note else ""), "社区服务平台"
        )
        sheet.column_dimensions[letter].width = max(10, len(column.example) + 4, len(column.header) * 2 + 4)
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"  # rows typed below the formatted ones too
            for row in range(2, last + 1):
                sheet.cell(row=row, column=index).number_format = "@"
        if column.choices:
            for offset, word in enumerate(column.choices, start=1):
                lists.cell(row=offset, column=index, value=word)
            source = f"'选项'!${letter}$1:${letter}${len(column.choices)}"
            validation = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False)
            validation.error = "请从下拉列表中选择"
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
        notes.append([column.header, required, column.note, column.example])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 80
    notes.column_dimensions["D"].width = 24
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ERROR_FILL = PatternFill(start_color="FFF4CCCC", end_color="FFF4CCCC", fill_type="solid")


def error_report(header: list[str], columns: list[Column], rows: Iterable[TableRow], file_error: str = "") -> bytes:
    """The bad rows back as a workbook: bad cells red, and a last column "错误说明" listing every reason
    of the row. Written as a stream (openpyxl's write-only mode): each
    row costs the same however many came before it."""
    by_heading = {c.header: c for c in columns} | {c.key: c for c in columns}
    by_key = {c.key: c for c in columns}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误报告")
    if file_error:
        sheet.append(["错误说明"])
        sheet.append([file_error])
    else:
        keys = [by_heading[h].key if h in by_heading else None for h in header]
        sheet.append(["原行号", *header, "错误说明"])
        for row in rows:
            if not row.errors:
                continue
            cells: list[Any] = []
            for key in keys:
                text = str(escape_spreadsheet_cell(row.raw.get(key, "") if key else ""))
                cell = WriteOnlyCell(sheet, text)
                if key in row.errors:
                    # Red, with no comment: the last column gives every reason, and a comment per bad
                    # cell cost more than all the rest of the report together (a VML shape each).
                    cell.fill = ERROR_FILL
                cells.append(cell)
            reasons = "；".join(f"{by_key[k].header if k in by_key else k}：{m}" for k, m in row.errors.items())
            sheet.append([row.number, *cells, reasons])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a download (``filename`` is ASCII: no personal data in headers)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
