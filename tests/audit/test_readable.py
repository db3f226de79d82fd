"""The auditor's page in words: names and roles, actions in Chinese, the object's name, the area's names,
time, IP and request id; filters by person, action, area and date as form errors when wrong; the export to
Excel, itself audited. Never an identity number, a phone, a raw code or a Python dictionary."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from shequ.accounts.roles import Role
from shequ.audit.catalogue import ACTIONS
from shequ.audit.models import AuditEvent
from shequ.audit.services import record_event
from shequ.residents.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _events(world, user_of):
    """Community staff of A adds a group to 甲 and reveals her number; staff of B registers nothing but an
    unknown action; one event with a value a spreadsheet would run."""
    jia = Person.objects.get(name="甲")
    staff, staff_b = user_of("community_staff"), user_of("community_staff_b")
    with transaction.atomic():
        record_event(actor=staff, action="residents.tag_add", obj=jia, data={"tag": "veteran"})
        record_event(
            actor=staff,
            action="privacy.reveal",
            obj=jia,
            data={"field": "id_number", "category": "home_visit", "reason": "核实身份"},
        )
        # An account whose display name a spreadsheet would run as a formula.
        formula = factories.account("formula_staff", Role.COMMUNITY_STAFF, world.community_a, display_name="=1+1")
        record_event(actor=formula, action="areas.grid_update", obj=world.grid_a1, data={"changed": ["name"]})
        record_event(actor=staff_b, action="residents.future_thing", area=world.community_b, data={"rows": 3})
    return jia


def _page(client, query=""):
    """The events table of the page (the filter's options name every action)."""
    page = client.get("/audit/" + query, **ZH).content.decode()
    return page[page.index('class="list stacked events"') :]


def test_every_action_the_code_records_is_in_the_catalogue():
    recorded = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.search(r"\baction=|_ACTION = ", line):  # both codes of `action="a" if x else "b"`
                recorded |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
    missing = recorded - set(ACTIONS)
    assert missing == set(), f"add these to audit/catalogue.py: {sorted(missing)}"


def test_the_trail_reads_in_words(world, user_of, client_of):
    jia = _events(world, user_of)
    page = client_of("auditor").get("/audit/", **ZH).content.decode()
    assert "添加特殊群体" in page and "查看个人信息明文" in page  # actions in Chinese
    assert "community_staff" in page and "社区工作者" in page  # the actor and their role
    assert "居民 甲" in page  # the object's kind and name
    assert world.community_a.name in page and world.street.name in page  # the area's names
    assert "退役军人" in page and "身份证号" in page  # data values in words: the group, the field
    assert "其他操作" in page and "residents.future_thing" in page  # unknown codes stay visible
    listed = page[page.index('class="list stacked events"') :]
    assert "{'" not in page and "residents.tag_add" not in listed and "residents.person" not in listed
    assert jia.id_number not in page and jia.phone not in page


def test_filters_by_person_action_area_and_date(world, user_of, client_of):
    _events(world, user_of)
    client = client_of("auditor")
    by_person = _page(client, "?person=community_staff_b")
    assert "其他操作" in by_person and "添加特殊群体" not in by_person
    by_action = _page(client, "?action=residents.tag_add")
    assert "添加特殊群体" in by_action and "查看个人信息明文" not in by_action
    by_group = _page(client, "?action=privacy.")
    assert "查看个人信息明文" in by_group and "添加特殊群体" not in by_group
    by_area = _page(client, f"?area={world.community_b.code}")
    assert "其他操作" in by_area and "添加特殊群体" not in by_area
    # The page's dates are local (Asia/Shanghai): in UTC's evening the local day is already the next one.
    today = timezone.localdate(AuditEvent.objects.latest("id").at).isoformat()
    assert "添加特殊群体" in _page(client, f"?since={today}&until={today}")
    assert "添加特殊群体" not in _page(client, "?since=2001-01-01&until=2001-01-02")


@pytest.mark.parametrize(
    "query,field",
    [
        ("?area=abc", "区域编码"),
        ("?area=999999999999", "区域编码"),
        ("?since=not-a-date", "开始日期"),
        ("?since=2026-02-01&until=2026-01-01", "结束日期"),
        ("?action=nothing.like_this", "操作"),
    ],
)
def test_a_wrong_filter_is_a_form_error(world, user_of, client_of, query, field):
    _events(world, user_of)
    response = client_of("auditor").get("/audit/" + query, **ZH)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<p class="error">{field}：' in page
    assert "添加特殊群体" not in page[page.index('class="list stacked events"') :]  # nothing listed


def test_an_area_outside_the_auditors_reach_reads_as_unknown(world, user_of, client_of):
    factories.account("auditor_district_b", Role.AUDITOR, world.district_b)
    client = client_of(None)
    client.force_login(user_of("auditor").__class__.objects.get(username="auditor_district_b"))
    page = client.get(f"/audit/?area={world.community_a.code}", **ZH).content.decode()
    assert "您可访问的范围内没有这个代码的区域" in page


def test_export_to_excel_is_in_words_escaped_and_audited(world, user_of, client_of):
    _events(world, user_of)
    client = client_of("auditor")
    before = AuditEvent.objects.filter(action="audit.export").count()
    response = client.post("/audit/export/", {"area": world.community_a.code}, **ZH)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="audit.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "时间", "操作人", "角色", "操作")
    actions = {row[4] for row in rows[1:]}
    assert {"添加特殊群体", "查看个人信息明文"} <= actions and not any("其他操作" in a for a in actions)
    reveal = next(row for row in rows[1:] if row[4] == "查看个人信息明文")
    assert reveal[6] == "居民 甲" and "事由：核实身份" in reveal[11]
    grid = next(row for row in rows[1:] if row[4] == "修改网格")
    assert grid[2] == "'=1+1 (formula_staff)"  # escaped: the spreadsheet shows it, never runs it
    exported = AuditEvent.objects.filter(action="audit.export")
    assert exported.count() == before + 1
    assert exported.latest("id").data == {"rows": len(rows) - 1}


def test_an_export_with_a_wrong_filter_exports_nothing(world, user_of, client_of):
    response = client_of("auditor").post("/audit/export/", {"area": "abc"}, **ZH)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_the_page_costs_the_same_number_of_queries_for_more_events(
    world, user_of, client_of, django_assert_max_num_queries
):
    _events(world, user_of)
    client = client_of("auditor")
    client.get("/audit/")
    with django_assert_max_num_queries(20):
        client.get("/audit/")
    people = list(Person.objects.all())
    with transaction.atomic():
        for n in range(40):
            staff = factories.account(f"many_{n}", Role.COMMUNITY_STAFF, world.community_a)
            record_event(actor=staff, action="residents.tag_add", obj=people[n % len(people)], data={"tag": "veteran"})
    with django_assert_max_num_queries(20):
        client.get("/audit/")
