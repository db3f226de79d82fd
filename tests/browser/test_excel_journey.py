"""A roster with every trap Excel sets, uploaded through the page by a community worker on a phone: the
job page, the error report read row by row, then the good rows imported and shown on a person's page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.support import Watch, sign_in
from tests.factories import ROSTER_HEADERS, id_number, roster_row, roster_xlsx_cells, with_cached_values

pytestmark = pytest.mark.browser

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ID_COLUMN = ROSTER_HEADERS.index("身份证号") + 1
BIRTH = "19330303"  # nobody in the demo is born that day: these numbers are this test's own


def person(n: int, name: str, **columns: str) -> dict[str, str]:
    row = roster_row(n, 姓名=name, 身份证号=id_number(700 + n, birth=BIRTH), 户号="EXCEL-1", 网格="")
    row.update(小区或街路门牌="表路1号", 楼栋="1", 单元="1", 室="101", 民族="汉族", 与户主关系="其他亲属")
    row.update(columns)
    return row


def roster(with_traps: bool) -> bytes:
    """The rows by the name of the trap each sets. The even orders are women, the odd ones men
    (GB 11643): 700 + n."""
    good = [
        person(1, "表户主", 与户主关系="户主"),
        person(3, "表手机", 手机号="+86 139 0070 0003"),
        person(5, "表全角", 身份证号=id_number(705, birth=BIRTH).translate(FULLWIDTH)),
        person(7, "表儿子", 与户主关系="儿子"),
        person(8, "表外孙女", 与户主关系="外孙女"),
        person(9, "表蒙古", 民族="蒙古"),
    ]
    if not with_traps:
        return roster_xlsx_cells(good, {})
    bad = [
        person(11, "表数字"),  # row 8: the identity number as a number
        person(13, "表公式"),  # row 9: the identity number as a formula, its cached value valid
        person(15, "表性别", 性别="女"),  # row 10: an odd order code is a man
    ]
    # A number Excel can hold as a number at all: no X at the end.
    digits = next(n for n in (id_number(o, birth=BIRTH) for o in range(711, 799, 2)) if not n.endswith("X"))
    number = id_number(713, birth=BIRTH)
    content = roster_xlsx_cells(good + bad, {(8, ID_COLUMN): float(digits), (9, ID_COLUMN): f'="{number}"'})
    return with_cached_values(content, {f"{chr(64 + ID_COLUMN)}9": number})


def upload(page, site, tmp_path, content: bytes) -> None:
    path = tmp_path / "excel-roster.xlsx"
    path.write_bytes(content)
    page.goto(site + "/imports/residents/")
    page.fill(".area-picker-box", "水源地")  # demo-community's community, picked as one types
    page.click(".area-picker-list [role=option] >> nth=0")
    page.set_input_files("input[type=file]", str(path))
    page.click("main form button[type=submit]")


def test_a_roster_with_excels_traps_is_reported_row_by_row_then_imported(site, browser, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page, site)
    sign_in(page, site, "demo-community")
    upload(page, site, tmp_path, roster(with_traps=True))
    expect(page.locator("#job-status")).to_contain_text("3 行有错误", timeout=30000)
    with page.expect_download() as download:
        page.click("#job-status a.button")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    reasons = {row[0]: row[-1] for row in rows}
    assert set(reasons) == {8, 9, 10}, reasons  # the +86 phone, full-width digits, 儿子, 外孙女, 蒙古 pass
    assert "身份证号被Excel存成了数字，已丢失末尾几位；请把该列设为文本格式后重新填写" in reasons[8]
    assert "此单元格是公式" in reasons[9]
    assert reasons[10].startswith("性别：性别与身份证号不符")
    # The report never turns a cell into a formula again.
    assert not any(str(v).startswith("=") for row in rows for v in row if v)

    upload(page, site, tmp_path, roster(with_traps=False))
    expect(page.locator("#job-status")).to_contain_text("新增 6", timeout=30000)
    page.goto(site + "/residents/")
    page.fill("form.filters input[name=q]", "表外孙女")
    page.click("form.filters button[type=submit]")
    page.click("table.list tbody a:has-text('表外孙女')")
    expect(page.locator("dl.facts")).to_contain_text("外孙女")  # GB/T 4761 code 44, by its name
    watch.assert_clean()
    context.close()
