"""Rosters as they really come from Excel: identity numbers stored as numbers, +86 phones, full-width
digits, formula cells, 性别 and 出生日期 beside the identity number, the words people use for relations
and 民族, the template's drop-downs and notes, and the unmasked export imported back unchanged.

Every expected answer comes from the rows written here (who they are, what they hold), never from the
importer."""

import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from openpyxl import load_workbook

from shequ.imports.models import ImportJob
from shequ.lib.tabular import template_workbook
from shequ.residents import services
from shequ.residents.importers import COLUMNS
from shequ.residents.models import Person
from tests.factories import (
    ROSTER_HEADERS,
    id_number,
    imported_roster,
    roster_row,
    roster_xlsx,
    roster_xlsx_cells,
    with_cached_values,
    with_check_digit,
)

pytestmark = pytest.mark.django_db

ID_COLUMN = ROSTER_HEADERS.index("身份证号") + 1
PHONE_COLUMN = ROSTER_HEADERS.index("手机号") + 1
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def run(world, user_of, content, filename="roster.xlsx"):
    with translation.override("zh-hans"):
        return imported_roster(user_of("community_staff"), world.community_a, content, filename)


def report_rows(job):
    """The error report as {original row number: reasons}."""
    sheet = load_workbook(io.BytesIO(bytes(job.report)), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: row[-1] for row in rows}


def xlsx(rows, cells=None):
    return roster_xlsx_cells(rows, cells or {})


def truncated_but_valid_number():
    """An identity number whose last three digits are 0 and whose check digit is 0: what Excel makes of
    any number of that person's first 15 digits, kept as a number (15 significant digits), and valid."""
    for order in range(1000):
        candidate = with_check_digit(f"21010219560101{order:03d}")
        if candidate.endswith("000"):
            return candidate
    raise AssertionError("no such number")  # pragma: no cover


def test_an_identity_number_stored_as_a_number_is_refused_saying_how_to_fix_it(world, user_of):
    number = id_number(7, birth="20050218")
    lost = float(number)  # Excel keeps 15 digits: 2.101022005021...e+17
    assert str(int(lost)) != number
    job = run(world, user_of, xlsx([roster_row(7)], {(2, ID_COLUMN): lost}))
    assert job.status == ImportJob.Status.REJECTED
    assert "身份证号被Excel存成了数字，已丢失末尾几位；请把该列设为文本格式后重新填写" in report_rows(job)[2]
    assert not Person.objects.filter(name="居民7").exists()


def test_a_number_cell_is_refused_even_when_what_is_left_passes_the_check_digit(world, user_of):
    number = truncated_but_valid_number()
    job = run(world, user_of, xlsx([roster_row(1)], {(2, ID_COLUMN): int(number)}))
    assert job.status == ImportJob.Status.REJECTED
    assert "被Excel存成了数字" in report_rows(job)[2]
    assert not Person.objects.filter(name="居民1").exists()


def test_phones_with_plus_86_spaces_dashes_and_full_width_digits_are_normalised(world, user_of):
    phones = ["+86 139 0000 0001", "0086-139-0000-0002", "139 0000 0003", "+86１３９００００００04"]
    rows = [roster_row(n, 手机号=phone) for n, phone in enumerate(phones, start=1)]
    job = run(world, user_of, roster_xlsx(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    for n in range(1, 5):
        assert Person.objects.get(name=f"居民{n}").phone == f"1390000000{n}"


def test_a_full_width_identity_number_is_read_as_the_number_it_is(world, user_of):
    number = id_number(3, birth="19430101") if id_number(3, birth="19430101")[-1] != "X" else id_number(5)
    with_x = next(id_number(n, birth="19500505") for n in range(100) if id_number(n, birth="19500505").endswith("X"))
    rows = [roster_row(3, 身份证号=number.translate(FULLWIDTH)), roster_row(4, 身份证号=with_x.translate(FULLWIDTH))]
    job = run(world, user_of, roster_xlsx(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    assert Person.objects.get(name="居民3").id_number == number
    assert Person.objects.get(name="居民4").id_number == with_x


def test_a_formula_cell_is_reported_as_a_formula_whatever_its_cached_value(world, user_of):
    valid = id_number(2, birth="19420101")
    content = xlsx(
        [roster_row(1), roster_row(2), roster_row(3)],
        {(3, ID_COLUMN): f'="{valid[:9]}"&"{valid[9:]}"', (4, PHONE_COLUMN): "=13900000003+0"},
    )
    id_ref, phone_ref = f"{chr(64 + ID_COLUMN)}3", f"{chr(64 + PHONE_COLUMN)}4"
    job = run(world, user_of, with_cached_values(content, {id_ref: valid, phone_ref: "13900000003"}))
    assert job.status == ImportJob.Status.REJECTED
    reasons = report_rows(job)
    assert set(reasons) == {3, 4}
    assert reasons[3].startswith("身份证号：此单元格是公式")
    assert "手机号：此单元格是公式" in reasons[4]


def test_sex_and_birth_date_columns_must_agree_with_the_identity_number(world, user_of):
    male = id_number(11, birth="19510101")  # odd order: male (GB 11643)
    rows = [
        roster_row(11, 身份证号=male, 性别="男", 出生日期="1951-01-01"),  # agrees
        roster_row(13, 身份证号=id_number(13, birth="19530101"), 性别="女"),  # odd order, says female
        roster_row(15, 身份证号=id_number(15, birth="19550101"), 出生日期="1955-02-01"),
        roster_row(17, 身份证号=id_number(17, birth="19570101"), 性别="男", 出生日期="1957/1/1"),  # agrees
    ]
    job = run(world, user_of, roster_xlsx(rows))
    reasons = report_rows(job)
    assert set(reasons) == {3, 4}
    assert reasons[3].startswith("性别：") and "身份证号" in reasons[3]
    assert reasons[4].startswith("出生日期：")


def test_relations_and_ethnicities_are_read_into_the_national_codes(world, user_of):
    son, daughter = id_number(21, birth="19800101"), id_number(22, birth="19820101")  # odd: male, even: female
    rows = [
        roster_row(20, 与户主关系="户主", 民族="蒙古", 户号="R1"),
        roster_row(21, 身份证号=son, 与户主关系="儿子", 民族="汉", 户号="R1"),
        roster_row(22, 身份证号=daughter, 与户主关系="子女", 民族="回族", 户号="R1"),
        roster_row(23, 与户主关系="外孙女", 民族="02", 户号="R1"),
        roster_row(24, 与户主关系="孙子", 民族="维族", 户号="R1"),
    ]
    job = run(world, user_of, roster_xlsx(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    people = Person.objects.filter(name__in=[f"居民{n}" for n in range(20, 25)])
    got = {p.name: (p.relation, p.get_relation_display(), p.ethnicity) for p in people}
    assert got == {
        "居民20": ("02", "户主", "蒙古族"),
        "居民21": ("20", "子", "汉族"),
        "居民22": ("30", "女", "回族"),
        "居民23": ("44", "外孙女", "蒙古族"),
        "居民24": ("41", "孙子", "维吾尔族"),
    }


def test_an_unknown_relation_or_ethnicity_is_an_error_on_its_row(world, user_of):
    rows = [roster_row(30), roster_row(31, 与户主关系="隔壁老王"), roster_row(32, 民族="火星族")]
    job = run(world, user_of, roster_xlsx(rows))
    reasons = report_rows(job)
    assert set(reasons) == {3, 4}
    assert reasons[3].startswith("与户主关系：") and "GB/T 4761" in reasons[3]
    assert reasons[4].startswith("民族：") and "GB/T 3304" in reasons[4]


def test_the_template_has_drop_downs_notes_text_columns_and_no_sample_person():
    workbook = load_workbook(io.BytesIO(template_workbook(COLUMNS, "居民花名册")))
    sheet = workbook["居民花名册"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [c.header for c in COLUMNS]
    assert all(cell.value is None for row in sheet.iter_rows(min_row=2) for cell in row)
    for heading in ("身份证号", "手机号"):
        letter = sheet.cell(row=1, column=headers.index(heading) + 1).column_letter
        assert sheet[f"{letter}2"].number_format == "@" and sheet[f"{letter}500"].number_format == "@"
    lists = workbook["选项"]
    offered = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        column = re.search(r"\$([A-Z]+)\$1:", validation.formula1).group(1)
        offered[sheet[f"{letter}1"].value] = [c.value for c in lists[column] if c.value]
    assert set(offered) == {"性别", "居住类型", "与户主关系", "民族"}
    assert {"户主", "子", "女", "外孙女", "儿媳"} <= set(offered["与户主关系"])
    assert len(offered["民族"]) == 58 and "蒙古族" in offered["民族"]
    assert offered["居住类型"] == ["户籍", "常住", "流动", "寄住"]
    notes = {row[0]: row for row in workbook["说明"].iter_rows(min_row=2, values_only=True)}
    assert set(notes) == set(headers)
    assert "文本" in notes["身份证号"][2] and notes["身份证号"][1] == "必填"


def test_the_unmasked_export_imports_back_unchanged(world, user_of):
    # Community A's people before the roster: the fixture's 甲 and those the programme apps' worlds add.
    already = Person.objects.filter(area__path__startswith=world.community_a.path, status="active").count()
    rows = [
        roster_row(40, 与户主关系="户主", 民族="满", 户号="E1", 手机号="+86 139 0000 0040"),
        roster_row(41, 与户主关系="儿子", 民族="汉", 户号="E1", 迁入日期="2020/3/5"),
        roster_row(42, 与户主关系="外孙女", 户号="E1", 网格="", 民族=""),
        roster_row(43, 与户主关系="", 户号="", 居住类型="流动人口"),
    ]
    assert run(world, user_of, roster_xlsx(rows)).status == ImportJob.Status.DONE
    # The fixture's 甲 (and some people of the programme worlds) hold an order code of the other sex (GB
    # 11643: odd for a man) than they were saved with: a roster row saying so would rightly be refused.
    # Here they are as their numbers say.
    for person in Person.objects.filter(area__path__startswith=world.community_a.path):
        as_numbered = "M" if int(person.id_number[16]) % 2 else "F"
        if person.sex != as_numbered:
            Person.objects.filter(pk=person.pk).update(sex=as_numbered)
    staff = user_of("community_staff")
    exported = services.residents_export(actor=staff, reveal_category="service", reveal_reason="上报民政局核对")
    sheet = load_workbook(io.BytesIO(exported), read_only=True).active
    header, *data = list(sheet.iter_rows(values_only=True))
    assert list(header) == [c.header for c in COLUMNS]
    visible = Person.objects.filter(area__path__startswith=world.community_a.path, status="active").count()
    assert len(data) == visible == already + 4  # the four rows and the people already there
    before = sorted(Person.objects.values_list("pk", "relation", "ethnicity", "household_id", "address_id", "area_id"))
    job = run(world, user_of, exported)
    assert job.status == ImportJob.Status.DONE, report_rows(job)
    after = sorted(Person.objects.values_list("pk", "relation", "ethnicity", "household_id", "address_id", "area_id"))
    assert after == before, set(after) ^ set(before)
    assert (job.created, job.updated, job.unchanged) == (0, 0, visible)


def test_the_masked_export_keeps_masks_and_ages(world, user_of):
    sheet = load_workbook(io.BytesIO(services.residents_export(actor=user_of("community_staff"))), read_only=True)
    header, first = list(sheet.active.iter_rows(values_only=True))[:2]
    assert "出生日期" not in header and "年龄" in header
    assert "*" in first[header.index("身份证号")]


def test_the_migration_maps_the_old_relations_to_codes_by_sex_and_back():
    # Fixture rows given the values kept before GB/T 4761; a son and a daughter were both "child".
    migration = importlib.import_module("shequ.residents.migrations.0006_relation_gbt4761")
    old = {"甲": ("child", "F", "蒙古"), "乙": ("child_in_law", "M", "火星")}
    for name, (relation, sex, ethnicity) in old.items():
        Person.objects.filter(name=name).update(relation=relation, sex=sex, ethnicity=ethnicity)
    migration.to_codes(django_apps, None)
    got = {p.name: (p.relation, p.get_relation_display(), p.ethnicity) for p in Person.objects.filter(name__in=old)}
    assert got == {"甲": ("30", "女", "蒙古族"), "乙": ("28", "女婿", "火星")}  # an unknown 民族 is left as it was
    migration.to_old_values(django_apps, None)
    assert dict(Person.objects.filter(name__in=old).values_list("name", "relation")) == {
        "甲": "child",
        "乙": "child_in_law",
    }
