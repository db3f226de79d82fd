"""Issue 7, findings 3 and 4: hostile files are refused quickly and before parsing, uploads are checked
the same way on the page and through the API, a job never stays stuck, and rosters and error reports
are sealed at rest, purged after the retention period, shown only within the community's reach and
audited when downloaded."""

import datetime
import io
import logging
import os
import re
import time
import zipfile

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.utils import timezone
from openpyxl import load_workbook

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.imports.models import ImportJob
from shequ.imports.services import import_create, import_run, imports_purge
from shequ.privacy import sealed
from shequ.privacy.crypto import DecryptionError
from shequ.residents.importers import ResidentImporter
from shequ.residents.models import Person
from shequ.tasks import app as celery_app
from tests.factories import account, imported_roster, roster_csv, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db


def upload(world, user, content, filename="roster.csv"):
    return import_create(
        actor=user, kind="residents", area_code=world.community_a.code, filename=filename, content=content
    )


def rewritten_sheet(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(info.filename, data)
    return out.getvalue()


# --- hostile files ---------------------------------------------------------------------------------


def test_a_row_numbered_a_hundred_billion_is_refused_at_once(world, user_of):
    """The 4.7 KB workbook of the finding: its second row claims to be row 100,000,000,000 (and the
    sheet's declared size agrees). openpyxl's reader would fill every row in between."""
    far = "100000000000"

    def jump(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="A1:([A-Z]+)2"', rb'<dimension ref="A1:\g<1>' + far.encode() + b'"', xml)
        xml = xml.replace(b'<row r="2"', f'<row r="{far}"'.encode())
        return re.sub(rb'r="([A-Z]+)2"', rb'r="\g<1>' + far.encode() + b'"', xml)

    content = rewritten_sheet(roster_xlsx([roster_row(1)]), jump)
    assert len(content) < 8_000 and far.encode() in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    started = time.perf_counter()
    job = imported_roster(user_of("community_staff"), world.community_a, content, "roster.xlsx")
    assert time.perf_counter() - started < 5
    assert job.status == ImportJob.Status.REJECTED
    assert "1048576" in job.message and "行" in job.message, job.message


def test_rows_beyond_the_declared_size_of_a_sheet_are_read_not_dropped(world, user_of):
    """A sheet whose declared size says one data row while it holds three: all three are checked."""
    content = rewritten_sheet(
        roster_xlsx([roster_row(n, 姓名="" if n == 2 else f"居民{n}") for n in range(3)]),
        lambda xml: re.sub(rb'<dimension ref="A1:([A-Z]+)4"', rb'<dimension ref="A1:\g<1>2"', xml),
    )
    job = imported_roster(user_of("community_staff"), world.community_a, content, "roster.xlsx")
    assert (job.status, job.total_rows, job.error_rows) == (ImportJob.Status.REJECTED, 3, 1)


def test_a_workbook_declaring_a_big_unpacked_size_is_refused_before_it_is_parsed(world, user_of, settings, monkeypatch):
    settings.SHEQU_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))  # compresses to 2 KB
    assert len(out.getvalue()) < 10_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr("shequ.lib.tabular.load_workbook", never)
    job = imported_roster(user_of("community_staff"), world.community_a, out.getvalue(), "bomb.xlsx")
    assert job.status == ImportJob.Status.REJECTED
    assert "1 MB" in job.message, job.message


def test_a_workbook_that_understates_its_unpacked_size_unpacks_no_more_than_it_says(world, user_of, settings):
    """The sizes in the zip directory are the file's own word: one that says 1 KB for a sheet of 2 MB
    is read no further than 1 KB (Python's zip reader stops there), so the limit holds."""
    settings.SHEQU_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    padded = rewritten_sheet(
        roster_xlsx([roster_row(1)]), lambda xml: xml.replace(b"<sheetData>", b" " * (2 << 20) + b"<sheetData>")
    )
    archive = zipfile.ZipFile(io.BytesIO(padded))
    real = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    assert real > 2 << 20
    lying = bytearray(padded)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = lying.find(signature)
        while at != -1:
            if real.to_bytes(4, "little") == bytes(lying[at + offset : at + offset + 4]):
                lying[at + offset : at + offset + 4] = (1024).to_bytes(4, "little")
            at = lying.find(signature, at + 1)
    assert zipfile.ZipFile(io.BytesIO(bytes(lying))).getinfo("xl/worksheets/sheet1.xml").file_size == 1024
    job = imported_roster(user_of("community_staff"), world.community_a, bytes(lying), "roster.xlsx")
    assert job.status == ImportJob.Status.REJECTED and "Excel" in job.message, job.message


@pytest.mark.parametrize("make, filename", [(roster_csv, "roster.csv"), (roster_xlsx, "roster.xlsx")])
def test_a_file_over_the_row_limit_is_refused(world, user_of, settings, make, filename):
    settings.SHEQU_IMPORT_MAX_ROWS = 5
    job = imported_roster(
        user_of("community_staff"), world.community_a, make([roster_row(n) for n in range(6)]), filename
    )
    assert job.status == ImportJob.Status.REJECTED and "5" in job.message and "行" in job.message, job.message
    assert not Person.objects.filter(name__startswith="居民").exists()
    job = imported_roster(
        user_of("community_staff"), world.community_a, make([roster_row(n) for n in range(5)]), filename
    )
    assert job.status == ImportJob.Status.DONE, job.message


# --- the upload: one set of checks for the page and the API ----------------------------------------


def test_the_api_refuses_an_executable_and_an_oversized_file_as_the_page_does(world, client_of, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SHEQU_IMPORT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    client = client_of("community_staff")
    jobs = ImportJob.objects.count()
    cases = [
        (SimpleUploadedFile("payload.exe", b"MZ" + b"\0" * 100), "xlsx"),
        (SimpleUploadedFile("roster.csv", b"a" * (3 * 1024 * 1024)), "2 MB"),
    ]
    for file, said in cases:
        file.seek(0)
        response = client.post("/api/imports", {"community": world.community_a.code, "file": file})
        assert response.status_code == 422, response.content
        assert response.json()["detail"][0]["field"] == "file" and said in response.json()["detail"][0]["message"]
        file.seek(0)
        page = client.post("/imports/residents/", {"community": world.community_a.code, "file": file})
        assert page.status_code == 200 and said in page.content.decode()
    assert ImportJob.objects.count() == jobs


# --- a job never stays stuck --------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["check", "write"])
def test_an_error_in_the_check_or_the_write_fails_the_job_which_can_run_again(
    world, user_of, client_of, monkeypatch, caplog, phase
):
    rows = [roster_row(n) for n in range(4)]
    job = upload(world, user_of("community_staff"), roster_csv(rows))
    secret = rows[2]["身份证号"]
    original = getattr(ResidentImporter, phase)

    def broken(self, *args, **kwargs):
        original(self, *args, **kwargs)  # the write really happens, then the error rolls it back
        raise IntegrityError(f"duplicate key value: Key (id_number)=({secret}) already exists")

    monkeypatch.setattr(ResidentImporter, phase, broken)
    with caplog.at_level(logging.ERROR, logger="shequ.imports.services"):
        job = import_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert "导入出错" in job.get_status_display() and "未写入任何数据" in job.get_status_display()
    assert not Person.objects.filter(name__startswith="居民").exists()
    assert any("IntegrityError" in r.getMessage() for r in caplog.records)
    assert secret not in caplog.text and "居民" not in caplog.text
    assert AuditEvent.objects.filter(action="imports.failed", object_id=str(job.pk)).exists()
    assert job.file  # kept for the next run

    monkeypatch.setattr(ResidentImporter, phase, original)
    client = client_of("community_staff")
    page = client.get(f"/imports/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "未写入任何数据" in page and f"/imports/jobs/{job.pk}/retry/" in page
    assert client.post(f"/imports/jobs/{job.pk}/retry/").status_code == 302
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.PENDING
    job = import_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE and job.created == 4


def test_only_a_failed_job_can_be_run_again(world, user_of, client_of):
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv([roster_row(1)]))
    client = client_of("community_staff")
    assert client.post(f"/imports/jobs/{job.pk}/retry/").status_code == 302
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    assert client_of("community_staff_b").post(f"/imports/jobs/{job.pk}/retry/").status_code == 404


# --- sealed at rest ---------------------------------------------------------------------------------


def test_the_upload_is_sealed_on_disk_and_opens_only_as_its_own_job(world, user_of):
    rows = [roster_row(n) for n in range(3)]
    content = roster_csv(rows)
    job = upload(world, user_of("community_staff"), content)
    on_disk = job.file.storage.path(job.file.name)
    with open(on_disk, "rb") as stored:
        raw = stored.read()
    assert raw.startswith(sealed.MAGIC)
    assert rows[1]["身份证号"].encode() not in raw and "居民1".encode() not in raw
    with sealed.open_sealed(open(on_disk, "rb"), context=job.file_context) as plain:
        assert plain.read() == content
    other = upload(world, user_of("community_staff"), roster_csv([roster_row(9)]))
    with pytest.raises(DecryptionError):
        sealed.open_sealed(open(on_disk, "rb"), context=other.file_context).read()
    # A file moved to another job does not run: the job fails and nothing is written.
    ImportJob.objects.filter(pk=other.pk).update(file=job.file.name)
    assert import_run(job_id=other.pk).status == ImportJob.Status.FAILED
    assert not Person.objects.filter(name__startswith="居民").exists()


def test_a_big_sealed_file_reads_back_by_seeking_and_a_cut_one_does_not(tmp_path):
    data = bytes(range(256)) * 1000  # 256,000 bytes: four chunks, the last one short
    path = tmp_path / "sealed"
    path.write_bytes(b"".join(sealed.seal_stream(io.BytesIO(data), context="t")))
    with sealed.open_sealed(open(path, "rb"), context="t") as reader:
        reader.seek(200_000)
        assert reader.read(10) == data[200_000:200_010]
        reader.seek(0)
        assert reader.read() == data
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - (sealed.CHUNK_BYTES // 2)])
    with pytest.raises(DecryptionError):
        sealed.open_sealed(open(path, "rb"), context="t").read()


def test_the_error_report_is_sealed_in_the_database(world, user_of):
    rows = [roster_row(1, 姓名=""), roster_row(2)]
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv(rows))
    assert job.status == ImportJob.Status.REJECTED
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT report FROM {ImportJob._meta.db_table} WHERE id = %s", [job.pk])
        raw = bytes(cursor.fetchone()[0])
    assert raw.startswith(sealed.MAGIC)
    with pytest.raises(zipfile.BadZipFile):
        load_workbook(io.BytesIO(raw))
    report = ImportJob.objects.get(pk=job.pk).report
    sheet = load_workbook(io.BytesIO(report)).active
    assert [c.value for c in sheet[2]][0] == 2 and rows[0]["身份证号"] in [c.value for c in sheet[2]]
    assert not job.file  # the roster itself is gone once the job has ended


def test_a_report_of_twenty_thousand_rows_is_built_in_seconds():
    """Writing the report row by row costs the same for the last row as for the first (it was
    quadratic: the sheet's last row was looked up for every row)."""
    from shequ.lib.tabular import TableRow, error_report

    columns = ResidentImporter.columns
    header = [c.header for c in columns]
    rows = [
        TableRow(number=n + 2, raw={c.key: f"x{n}" for c in columns}, errors={"name": "缺少", "phone": "不对"})
        for n in range(20_000)
    ]
    started = time.perf_counter()
    content = error_report(header, columns, rows)
    assert time.perf_counter() - started < 20  # about 6 s on the project machine
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 20_001


# --- retention ----------------------------------------------------------------------------------------


def test_uploads_and_reports_are_purged_after_the_retention_period(world, user_of, settings, tmp_path):
    settings.SHEQU_IMPORT_RETENTION_DAYS = 30
    staff = user_of("community_staff")
    old = imported_roster(staff, world.community_a, roster_csv([roster_row(1, 姓名="")]))
    waiting = upload(world, staff, roster_csv([roster_row(2)]))
    recent = imported_roster(staff, world.community_a, roster_csv([roster_row(3, 姓名="")]))
    waiting_path = waiting.file.storage.path(waiting.file.name)
    long_ago = timezone.now() - datetime.timedelta(days=31)
    ImportJob.objects.filter(pk__in=[old.pk, waiting.pk]).update(created_at=long_ago)

    call_command("purge_imports", stdout=io.StringIO())

    old, waiting, recent = (ImportJob.objects.get(pk=j.pk) for j in (old, waiting, recent))
    assert old.report is None and old.purged_at and (old.total_rows, old.error_rows) == (1, 1) and old.message
    assert not waiting.file and waiting.purged_at
    assert not os.path.exists(waiting_path)
    assert recent.report and recent.purged_at is None
    assert AuditEvent.objects.filter(action="imports.purged", object_id=str(old.pk)).exists()
    assert imports_purge() == 0  # nothing left to purge
    page = _client(world, "community_staff").get(f"/imports/jobs/{old.pk}/").content.decode()
    assert "/report/" not in page and "30" in page


def test_the_purge_runs_daily():
    schedule = celery_app.conf.beat_schedule
    assert any(entry["task"] == "shequ.imports.imports_purge" for entry in schedule.values())


# --- who sees a report, and every download audited -------------------------------------------------


def _client(world, key):
    from django.test import Client

    from shequ.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=world.personas[key]))
    return client


def test_the_report_is_downloaded_by_those_over_the_community_and_every_download_is_audited(world, user_of, client_of):
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv([roster_row(1, 姓名="")]))
    # The fixture: staff of A, the street officer over A and B, the district officer above; and outsiders.
    for key in ["community_staff", "street_officer", "district_officer"]:
        before = AuditEvent.objects.filter(action="imports.report_download", object_id=str(job.pk)).count()
        response = client_of(key).get(f"/imports/jobs/{job.pk}/report/")
        assert response.status_code == 200, key
        load_workbook(io.BytesIO(response.content))
        events = AuditEvent.objects.filter(action="imports.report_download", object_id=str(job.pk))
        assert events.count() == before + 1 and events.order_by("-id")[0].actor_id == user_of(key).pk
    other_street = account("street_officer_b", Role.STREET_OFFICER, world.street_b)
    from django.test import Client

    outsider = Client()
    outsider.force_login(other_street)
    assert outsider.get(f"/imports/jobs/{job.pk}/report/").status_code == 404
    assert outsider.get(f"/imports/jobs/{job.pk}/").status_code == 404
    for key in ["community_staff_b", "district_officer_b", "grid_worker", "auditor"]:
        assert client_of(key).get(f"/imports/jobs/{job.pk}/report/").status_code == 404, key
    assert not AuditEvent.objects.filter(action="imports.report_download", actor_id=other_street.pk).exists()
