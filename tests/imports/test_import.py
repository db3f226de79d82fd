import io
import random

import pytest
from django.http import Http404
from openpyxl import load_workbook

from shequ.imports.models import ImportJob
from shequ.imports.services import import_create
from shequ.lib.tabular import template_workbook
from shequ.residents.importers import COLUMNS
from shequ.residents.models import Household, Person, PersonChange
from tests.factories import (
    ROSTER_HEADERS,
    id_number,
    imported_roster,
    roster_csv,
    roster_row,
    roster_xlsx,
    with_check_digit,
)

pytestmark = pytest.mark.django_db


def run(world, user, content, filename="roster.csv"):
    return imported_roster(user, world.community_a, content, filename)


def imported():
    return Person.objects.filter(name__startswith="居民")


def snapshot():
    return sorted(
        Person.objects.values_list(
            "id_number_index",
            "name",
            "phone_index",
            "residence_type",
            "area_id",
            "address_id",
            "household_id",
            "relation",
            "status",
        )
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_roster_imports_in_every_encoding(world, user_of, encoding):
    job = run(world, user_of("community_staff"), roster_csv([roster_row(n) for n in range(30)], encoding))
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created, job.updated, job.unchanged) == (30, 0, 0)
    person = Person.objects.get(name="居民4")
    # "子女" for 居民4, whose number has an even order code (a woman, GB 11643): 女 (GB/T 4761 code 30).
    assert person.area == world.grid_a1 and person.relation == "30" and person.household.number == "H1"
    assert person.birth_date.year == 1944 and person.sex in "MF"
    assert Household.objects.filter(area=world.community_a, number__regex=r"^H\d+$").count() == 10


def test_the_template_filled_in_imports(world, user_of):
    workbook = load_workbook(io.BytesIO(template_workbook(COLUMNS, "居民花名册")))
    sheet = workbook.active
    row = roster_row(1)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=2, column=index, value=row.get(column.header, ""))
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run(world, user_of("community_staff"), buffer.getvalue(), "template.xlsx")
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.created == 1


def test_importing_the_same_file_twice_changes_nothing(world, user_of):
    content = roster_xlsx([roster_row(n) for n in range(60)])
    run(world, user_of("community_staff"), content, "roster.xlsx")
    before, history = snapshot(), PersonChange.objects.count()
    job = run(world, user_of("community_staff"), content, "roster.xlsx")
    assert (job.created, job.updated, job.unchanged) == (0, 0, 60)
    assert snapshot() == before and PersonChange.objects.count() == history


def test_a_changed_row_updates_the_person_and_keeps_history(world, user_of):
    rows = [roster_row(n) for n in range(5)]
    run(world, user_of("community_staff"), roster_csv(rows))
    rows[2]["手机号"] = "13700000000"
    rows[2]["居住类型"] = "常住"
    job = run(world, user_of("community_staff"), roster_csv(rows))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 4)
    person = Person.objects.get(name="居民2")
    assert person.phone == "13700000000" and person.residence_type == "permanent"
    change = person.changes.order_by("-id").first()
    assert change.kind == "updated" and set(change.changes["fields"]) == {"phone", "residence_type"}
    assert "13700000000" not in str(change.changes)


def test_a_thousand_malformed_rows_are_all_reported_and_nothing_imported(world, user_of):
    rng = random.Random(7)
    good = [roster_row(n) for n in range(200)]
    bad = []
    for n in range(1000):
        row = roster_row(1000 + n)
        kind = n % 8
        if kind == 0:
            row["身份证号"] = row["身份证号"][:-1] + ("0" if row["身份证号"][-1] != "0" else "1")  # check digit
        elif kind == 1:
            row["身份证号"] = with_check_digit("21010219900230" + f"{n % 1000:03d}")  # 30 February
        elif kind == 2:
            row["身份证号"] = good[n % 200]["身份证号"]  # duplicate of a good row
        elif kind == 3:
            row["姓名"] = "名" * 51  # too long
        elif kind == 4:
            row["小区或街路门牌"] = '=HYPERLINK("http://x")'  # formula
        elif kind == 5:
            row["姓名"] = ""  # required
        elif kind == 6:
            row["手机号"] = "1234"
        else:
            row["居住类型"] = rng.choice(["外地", "x"])
        bad.append(row)
    rows = good + bad
    job = run(world, user_of("community_staff"), roster_xlsx(rows), "roster.xlsx")
    assert job.status == ImportJob.Status.REJECTED
    assert job.error_rows == 1000 and job.total_rows == 1200
    assert not imported().exists()
    report = load_workbook(io.BytesIO(bytes(job.report)))
    sheet = report.active
    assert sheet.max_row == 1001  # heading + one line per bad row
    headings = [c.value for c in sheet[1]]
    assert headings[0] == "原行号" and headings[-1] == "错误说明"
    first = [c.value for c in sheet[2]]
    assert first[0] == 202 and "身份证号" in first[-1]
    assert sheet.cell(row=2, column=headings.index("身份证号") + 1).fill.fgColor.rgb == "FFF4CCCC"
    # In .xlsx a formula cell has no value to import; nothing in the report may become a formula again.
    assert not any(str(v).startswith("=") for r in sheet.iter_rows(values_only=True) for v in r if v)


def test_formula_text_in_a_csv_is_refused_and_escaped_in_the_report(world, user_of):
    job = run(world, user_of("community_staff"), roster_csv([roster_row(1, 小区或街路门牌="=1+1"), roster_row(2)]))
    assert job.status == ImportJob.Status.REJECTED and job.error_rows == 1
    sheet = load_workbook(io.BytesIO(bytes(job.report))).active
    values = [c.value for c in sheet[2]]
    assert "'=1+1" in values and "不能以" in values[-1]


@pytest.mark.parametrize(
    "content, reason",
    [
        (roster_csv([roster_row(1)], headers=ROSTER_HEADERS[2:]), "姓名"),
        ("姓名,身份证号\n".encode("utf-16"), "编码"),
        (b"PK\x03\x04not really a zip", "Excel"),
        (roster_csv([]), "没有数据"),
    ],
)
def test_whole_file_problems_are_explained(world, user_of, content, reason):
    job = run(world, user_of("community_staff"), content)
    assert job.status == ImportJob.Status.REJECTED
    assert reason in job.message, job.message
    assert not imported().exists()


def test_an_identity_number_that_excel_made_a_number_is_rejected(world, user_of):
    row = roster_row(1)
    row["身份证号"] = 2.10102195601011e17
    job = run(world, user_of("community_staff"), roster_xlsx([row]), "roster.xlsx")
    assert job.status == ImportJob.Status.REJECTED


def test_a_person_registered_in_another_community_is_not_taken_over(world, user_of):
    job = imported_roster(user_of("community_staff_b"), world.community_b, roster_csv([roster_row(1, 网格="")]))
    assert job.status == ImportJob.Status.DONE
    run(world, user_of("community_staff"), roster_csv([roster_row(1)]))
    # Whether the row becomes a move request or an error is the residents' rule; never a takeover.
    assert imported().get().area == world.community_b


def test_only_editors_of_the_community_may_import(world, user_of):
    for persona in ["community_staff_b", "grid_worker", "auditor", "programme_officer", "resident"]:
        with pytest.raises(Http404):
            import_create(
                actor=user_of(persona),
                kind="residents",
                area_code=world.community_a.code,
                filename="x.csv",
                content=b"",
            )


def test_rows_without_household_numbers_reimport_unchanged(world, user_of):
    rows = [roster_row(n, 户号="", 与户主关系="") for n in range(6)]
    first = run(world, user_of("community_staff"), roster_csv(rows))
    assert first.created == 6
    before = snapshot()
    again = run(world, user_of("community_staff"), roster_csv(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot() == before


def test_unprintable_file_names_are_cleaned(world, user_of):
    job = import_create(
        actor=user_of("community_staff"),
        kind="residents",
        area_code=world.community_a.code,
        filename="名单\x00\x07.csv",
        content=roster_csv([roster_row(1)]),
    )
    assert job.filename == "名单.csv"


def test_the_job_page_says_how_a_job_ended(world, user_of, client_of):
    client = client_of("community_staff")
    rejected = run(world, user_of("community_staff"), roster_csv([roster_row(1, 姓名="")]))
    page = client.get(f"/imports/jobs/{rejected.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'class="errors"' in page and f"/imports/jobs/{rejected.pk}/report/" in page
    done = run(world, user_of("community_staff"), roster_csv([roster_row(1)]))
    page = client.get(f"/imports/jobs/{done.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'class="ok"' in page and "/report/" not in page


def test_a_big_file_is_checked_in_parts_and_a_repeat_across_parts_is_reported_with_its_cells(world, user_of):
    """6,000 rows: two parts, prepared by worker processes. An identity number that comes back 5,500
    rows later is only seen by the whole-file check; the report still shows that row's cells."""
    rows = [roster_row(n, 身份证号=id_number(n % 1000, birth=f"19{50 + n // 1000:02d}0101")) for n in range(6000)]
    rows[5500]["身份证号"] = rows[1]["身份证号"]
    job = run(world, user_of("community_staff"), roster_csv(rows))
    assert job.status == ImportJob.Status.REJECTED
    assert (job.total_rows, job.error_rows) == (6000, 1)
    assert not imported().exists()
    sheet = load_workbook(io.BytesIO(bytes(job.report))).active
    reported = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(reported) == 1
    number, name, *_cells, reason = reported[0]
    assert (number, name) == (5502, "居民5500")  # Excel's row number: the heading is row 1
    assert "3" in reason and "身份证号" in reason  # "the same identity number is on row 3"
