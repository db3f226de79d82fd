"""Test data, each kind built in one place: valid identifiers, roster rows and files, areas, accounts,
residents and import jobs. Plain functions with the defaults most tests want; a test overrides what it
is about."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from stdnum.cn import ric
from stdnum.cn import uscc as gb32100

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.areas.models import Area
from shequ.areas.services import grid_create
from shequ.imports.models import ImportJob
from shequ.imports.services import import_create, import_run
from shequ.reference.models import TagType
from shequ.residents.importers import COLUMNS
from shequ.residents.models import Address, Household, Person, PersonTag, Relation, ResidenceType, Sex

PASSWORD = "Correct-horse-battery-9"
# Valid unified social credit codes (GB 32100 check character), for the test entities.
USCC = ["91210102MA0QEXAM1P", "91210103MA0QEXAM29", "91210202MA0QEXAM33"]
ROSTER_HEADERS = [c.header for c in COLUMNS]


# --- identifiers ---------------------------------------------------------------------------------


def with_check_digit(body17: str) -> str:
    """The 17 characters of an identity number followed by their GB 11643 check digit."""
    return body17 + ric.calc_check_digit(body17 + "0")


def id_number(order: int = 1, *, birth: str = "19560101", region: str = "210102") -> str:
    """A valid identity number: region, birth date (YYYYMMDD) and a three-digit order (odd = male)."""
    return with_check_digit(f"{region}{birth}{order % 1000:03d}")


def uscc(base17: str) -> str:
    """A unified social credit code: 17 characters followed by their GB 32100 check character."""
    return base17 + gb32100.calc_check_digit(base17)


# --- rosters -------------------------------------------------------------------------------------


def roster_row(n: int, **overrides: Any) -> dict[str, Any]:
    """Row ``n`` of a community's roster, valid, keyed by the template's headings. Three people to a
    household, thirty to a building, everyone in grid 1; born 1940 to 1999 by ``n``."""
    row = {
        "姓名": f"居民{n}",
        "身份证号": id_number(n, birth=f"19{40 + n % 60:02d}0101"),
        "手机号": f"139{n:08d}",
        "居住类型": "户籍",
        "户号": f"H{n // 3}",
        "与户主关系": "户主" if n % 3 == 0 else "子女",
        "小区或街路门牌": "南京南街12号 和平花园",
        "楼栋": str(n // 30),
        "单元": "1",
        "室": str(100 + n % 30),
        "网格": "第1网格",
        "民族": "汉族",
        "迁入日期": "2015-06-01",
    }
    row.update(overrides)
    return row


def roster_csv(rows: list[dict[str, Any]], encoding: str = "utf-8", headers: list[str] = ROSTER_HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def roster_xlsx(rows: list[dict[str, Any]], headers: list[str] = ROSTER_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_xlsx_cells(rows: list[dict[str, Any]], cells: dict[tuple[int, int], Any]) -> bytes:
    """A roster workbook with some cells set as Excel would hold them (a number, a formula), by (row,
    column): the heading is row 1, ``rows[0]`` row 2."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(ROSTER_HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in ROSTER_HEADERS])
    for (number, column), value in cells.items():
        sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_cached_values(content: bytes, cached: dict[str, str]) -> bytes:
    """The workbook with a cached value in formula cells, as Excel saves them (openpyxl writes a formula
    without one): ``cached`` maps a cell reference ("B3") of the first sheet to the value shown."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in cached.items():
                    pattern = rf'<c r="{ref}"[^>]*><f>(.*?)</f><v\s*/>'
                    xml, count = re.subn(pattern, rf'<c r="{ref}" t="str"><f>\1</f><v>{value}</v>', xml)
                    assert count == 1, f"no formula in {ref}"
                data = xml.encode()
            target.writestr(item, data)
    return out.getvalue()


def imported_roster(actor: User, community: Area, content: bytes, filename: str = "roster.csv") -> ImportJob:
    """A roster uploaded by ``actor`` into ``community`` and run to its end (done or rejected)."""
    job = import_create(actor=actor, kind="residents", area_code=community.code, filename=filename, content=content)
    return import_run(job_id=job.pk)


# --- areas, accounts -----------------------------------------------------------------------------


def grid(actor: User, community: Area, name: str) -> Area:
    """A grid (网格) under a community, made as its staff make one (the next number after the others)."""
    return grid_create(actor=actor, community_code=community.code, name=name)


def account(username: str, role: Role | None = None, area: Area | None = None, **fields: Any) -> User:
    """An account with the test password and, when ``role`` is given, one grant over ``area``."""
    programme = fields.pop("programme", "")
    user = User(username=username, display_name=fields.pop("display_name", username), **fields)
    user.set_password(PASSWORD)
    user.save()
    if role is not None:
        assert area is not None
        Grant.objects.create(user=user, role=role, area=area, programme=programme)
    return user


# --- residents -----------------------------------------------------------------------------------


def resident(
    *, name: str, area: Area, community: Area, number: str, tag: str | None = "veteran", birth: str = "1960-01-01"
) -> Person:
    """A registered resident born on ``birth`` (1960-01-01) at 和平路1号 1-1-``number``, head of household
    H-``number``, with a recorded tag unless ``tag`` is None (the tag types must be loaded)."""
    address = Address.objects.create(area=area, street_address="和平路1号", building="1", unit="1", room=number)
    household = Household.objects.create(area=community, address=address, number=f"H-{number}")
    person = Person.objects.create(
        area=area,
        name=name,
        id_number=id_number(int(number), birth=birth.replace("-", "")),
        phone=f"1380000{number}0",
        sex=Sex.FEMALE,
        birth_date=birth,
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )
    if tag is not None:
        PersonTag.objects.create(
            person=person, tag=TagType.objects.get(code=tag), source="退役军人事务局", valid_from="2010-01-01"
        )
    return person


def rejected_import(*, area: Area, actor_id: int) -> ImportJob:
    """An import job that was rejected, with an error report to download."""
    return ImportJob.objects.create(
        area=area,
        kind="residents",
        actor_id=actor_id,
        filename="x.csv",
        sha256="0" * 64,
        file="",
        status=ImportJob.Status.REJECTED,
        report=b"PK-not-really",
    )
