import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from openpyxl import load_workbook

from shequ.audit.models import AuditEvent
from shequ.residents import selectors, services
from shequ.residents.models import Person, ResidenceType
from tests.factories import id_number, imported_roster, roster_csv, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world, user_of):
    rows = [roster_row(n) for n in range(12)]
    rows[0].update(身份证号=id_number(1, birth="19200101"), 户号="ALONE")  # an old person living alone
    rows[1]["身份证号"] = id_number(2, birth="20150601")  # a child
    assert imported_roster(user_of("community_staff"), world.community_a, roster_csv(rows)).status == "done"
    return rows


def test_find_by_identity_number_phone_name_and_address(world, user_of, pool):
    staff = user_of("community_staff")
    assert [p.name for p in selectors.residents(actor=staff, query=pool[3]["身份证号"])] == ["居民3"]
    assert [p.name for p in selectors.residents(actor=staff, query=pool[4]["手机号"])] == ["居民4"]
    assert "居民5" in [p.name for p in selectors.residents(actor=staff, query="居民")]
    assert selectors.looks_like_address("和平路12号") and not selectors.looks_like_address("王秀英")
    assert selectors.residents(actor=staff, query="南京南街").count() >= 10
    # The same identity number is invisible from the neighbouring community.
    assert not selectors.residents(actor=user_of("community_staff_b"), query=pool[3]["身份证号"]).exists()


def test_computed_groups(world, user_of, client_of, pool):
    staff = user_of("community_staff")
    assert "居民0" in [p.name for p in selectors.residents(actor=staff, tags=["age80"])]
    assert "居民0" in [p.name for p in selectors.residents(actor=staff, tags=["alone"])]
    # Of the pool (the programme apps' worlds add people of their own to community A).
    assert [p.name for p in selectors.residents(actor=staff, tags=["minor"]) if p.name.startswith("居民")] == ["居民1"]
    # "Everyone 80+ who lives alone in my grid": groups combine, and the area narrows.
    both = selectors.residents(actor=staff, tags=["age80", "alone"], area_code=world.grid_a1.code)
    assert [p.name for p in both if p.name.startswith("居民")] == ["居民0"]
    page = client_of("community_staff").get("/residents/?tag=age80&tag=alone").content.decode()
    assert "居民0" in page and "居民4" not in page
    api = client_of("community_staff").get("/api/residents?tag=age80&tag=alone").json()
    assert [r["name"] for r in api["items"] if r["name"].startswith("居民")] == ["居民0"]
    assert all(p.birth_date <= datetime.date(1966, 12, 31) for p in selectors.residents(actor=staff, tags=["age60"]))


def test_search_query_count_does_not_depend_on_the_result(world, user_of, pool, django_assert_max_num_queries):
    staff = user_of("community_staff")
    with django_assert_max_num_queries(4):
        list(selectors.residents(actor=staff, query="居民"))
    found = selectors.residents(actor=staff, query=pool[3]["身份证号"])  # the lookup is counted and audited
    with django_assert_max_num_queries(4):
        list(found)


def test_export_is_masked_unless_revealed_with_a_reason(world, user_of, pool):
    staff = user_of("community_staff")
    sheet = load_workbook(io.BytesIO(services.residents_export(actor=staff))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row]
    assert not any(row["身份证号"] in cells for row in pool)
    assert any("**********" in c for c in cells)
    assert AuditEvent.objects.filter(action="residents.export").exists()
    with pytest.raises(ValidationError):  # a reason without real characters, or without its category
        services.residents_export(actor=staff, reveal_category="service", reveal_reason="....")
    with pytest.raises(ValidationError):
        services.residents_export(actor=staff, reveal_reason="上报民政局核对")
    revealed = services.residents_export(actor=staff, reveal_category="service", reveal_reason="上报民政局核对")
    cells = [str(c) for row in load_workbook(io.BytesIO(revealed)).active.iter_rows(values_only=True) for c in row]
    assert pool[3]["身份证号"] in cells
    event = AuditEvent.objects.filter(action="residents.export_unmasked").get()
    # The rows: everyone the fixture put in community A (the pool, the world's 甲, the programme worlds').
    expected = set(Person.objects.filter(area__path__startswith=world.community_a.path).values_list("pk", flat=True))
    assert event.data["reason"] == "办理服务事项: 上报民政局核对" and event.data["rows"] == len(expected)
    assert len(expected) >= len(pool) + 1
    shown = AuditEvent.objects.get(action="privacy.revealed", actor=staff)
    assert set(map(int, shown.data["ids"])) == expected
    # A grid worker may read the list but not unmask it.
    with pytest.raises(Http404):
        services.residents_export(
            actor=user_of("grid_worker"), reveal_category="service", reveal_reason="上报民政局核对"
        )


def test_export_escapes_formula_cells(world, user_of):
    job = imported_roster(user_of("community_staff"), world.community_a, roster_csv([roster_row(1, 姓名="@居民")]))
    assert job.status == "rejected"  # refused at import already
    person = Person.objects.get(name="甲")
    Person.objects.filter(pk=person.pk).update(name="=1+1")
    content = services.residents_export(actor=user_of("community_staff"))
    names = [row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)]
    assert "'=1+1" in names and "=1+1" not in names


def test_pages_show_masked_numbers_only(world, client_of, pool):
    page = client_of("community_staff").get("/residents/?q=居民").content.decode()
    assert "居民3" in page and pool[3]["身份证号"] not in page and pool[3]["手机号"] not in page
    person = Person.objects.get(name="居民3")
    detail = client_of("community_staff").get(f"/residents/{person.pk}/").content.decode()
    assert pool[3]["身份证号"] not in detail and "*" * 14 + pool[3]["身份证号"][-4:] in detail
    household = client_of("community_staff").get(f"/residents/households/{person.household_id}/").content.decode()
    assert "居民5" in household and pool[5]["身份证号"] not in household


def test_moving_out_and_death_keep_the_record_and_history(world, user_of, pool):
    staff = user_of("community_staff")
    person = Person.objects.get(name="居民6")
    services.person_leave(actor=staff, person_id=person.pk, on=datetime.date(2026, 3, 1))
    person.refresh_from_db()
    assert person.status == "moved_out" and person.left_on == datetime.date(2026, 3, 1)
    assert person.changes.filter(kind="moved_out").exists()
    with pytest.raises(ValidationError):
        services.person_leave(actor=staff, person_id=person.pk, on=datetime.date(2026, 3, 2))
    other = Person.objects.get(name="居民7")
    with pytest.raises(ValidationError):
        services.person_leave(actor=staff, person_id=other.pk, on=datetime.date(2999, 1, 1))
    services.person_leave(actor=staff, person_id=other.pk, on=datetime.date(2026, 3, 1), died=True)
    assert Person.objects.get(pk=other.pk).status == "deceased"
    with pytest.raises(Http404):
        services.person_leave(
            actor=user_of("community_staff_b"),
            person_id=Person.objects.get(name="居民8").pk,
            on=datetime.date(2026, 3, 1),
        )


def test_digitisation_rate(world, user_of, pool):
    # Community A: the 12 imported (all with phone, address, household), the world's 甲 and the people the
    # programme worlds add (those without a phone are incomplete).
    living = Person.objects.filter(area__path__startswith=world.community_a.path, status="active")
    total = living.count()
    without_phone = living.filter(phone_index="").count()
    result = selectors.digitisation(actor=user_of("street_officer"), area_code=world.street.code)
    row = next(r for r in result["children"] if r["area"] == world.community_a)
    assert total >= len(pool) + 1 and (row["total"], row["complete"]) == (total, total - without_phone)
    Person.objects.filter(name="居民9").update(phone="", phone_index="")
    result = selectors.digitisation(actor=user_of("street_officer"), area_code=world.street.code)
    row = next(r for r in result["children"] if r["area"] == world.community_a)
    complete = total - without_phone - 1
    assert row["complete"] == complete and row["rate"] == round(100 * complete / total, 1)
    with pytest.raises(Http404):
        selectors.digitisation(actor=user_of("community_staff_b"), area_code=world.community_a.code)


def test_recorded_groups_carry_source_grade_and_validity(world, user_of, pool):
    staff = user_of("community_staff")
    person = Person.objects.get(name="居民3")
    with pytest.raises(ValidationError) as exc:
        services.tag_add(
            actor=staff,
            person_id=person.pk,
            tag_code="disability",
            source="",
            valid_from=datetime.date(2020, 1, 1),
            valid_to=datetime.date(2019, 1, 1),
        )
    assert {"source", "grade", "valid_to"} <= set(exc.value.message_dict)
    tag = services.tag_add(
        actor=staff,
        person_id=person.pk,
        tag_code="disability",
        grade="二级",
        source="区残联",
        valid_from=datetime.date(2020, 1, 1),
    )
    assert [p.name for p in selectors.residents(actor=staff, tags=["disability"])] == ["居民3"]
    services.tag_end(actor=staff, tag_id=tag.pk, on=datetime.date(2021, 1, 1))
    assert not selectors.residents(actor=staff, tags=["disability"]).exists()  # no longer valid today
    assert AuditEvent.objects.filter(action="residents.tag_end").exists()
    with pytest.raises(Http404):
        services.tag_add(
            actor=user_of("community_staff_b"),
            person_id=person.pk,
            tag_code="veteran",
            source="x",
            valid_from=datetime.date(2020, 1, 1),
        )


def test_one_resident_is_registered_by_the_roster_rules(world, user_of, client_of):
    staff = user_of("community_staff")
    number = id_number(2, birth="20260101")
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            actor=staff,
            community_code=world.community_a.code,
            name="",
            id_number="123",
            residence_type="外地",
            street_address="",
        )
    assert {"name", "id_number", "residence_type", "street_address"} <= set(exc.value.message_dict)
    person = services.person_register(
        actor=staff,
        community_code=world.community_a.code,
        name="新生儿",
        id_number=number,
        residence_type="户籍",
        street_address="和平路3号",
        grid="第1网格",
        household_number="H-101",
        relation="子女",
    )
    assert person.area == world.grid_a1 and person.household.number == "H-101" and person.sex == "F"
    assert person.changes.get().kind == "registered"
    assert AuditEvent.objects.filter(action="residents.person_register", object_id=str(person.pk)).exists()
    with pytest.raises(ValidationError) as exc:  # twice is an error, not a silent update
        services.person_register(
            actor=staff,
            community_code=world.community_a.code,
            name="新生儿",
            id_number=number,
            residence_type="户籍",
            street_address="和平路3号",
        )
    assert "id_number" in exc.value.message_dict
    with pytest.raises(Http404):
        services.person_register(
            actor=user_of("community_staff_b"),
            community_code=world.community_a.code,
            name="x",
            id_number=number,
            residence_type="户籍",
            street_address="x",
        )
    page = client_of("community_staff").post(
        "/residents/new/",
        {
            "community_code": world.community_a.code,
            "name": "张三",
            "id_number": "12345",
            "residence_type": ResidenceType.REGISTERED,
            "street_address": "和平路3号",
        },
    )
    # The service's error is shown on the form, at the field it names.
    assert page.status_code == 200 and "身份证号应为 18 位，当前填写了 5 位" in page.content.decode()
