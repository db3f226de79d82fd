"""Substring search of names and addresses through the bigram index (residents.search), and the phone's
last four digits: found after an import, a registration, an edit and a move, within the actor's scope."""

from __future__ import annotations

import pytest
from django.db import connection

from shequ.audit.models import AuditEvent
from shequ.imports.models import ImportJob
from shequ.residents import search, selectors, services
from shequ.residents.models import Address, MoveRequest, Person
from tests.factories import id_number, imported_roster, roster_csv, roster_row

pytestmark = pytest.mark.django_db


def _row(n: int, name: str, estate: str, building: str, phone: str) -> dict[str, str]:
    return roster_row(
        n,
        姓名=name,
        小区或街路门牌=estate,
        楼栋=building,
        单元="2",
        室="501",
        手机号=phone,
        户号=f"S{n}",
        与户主关系="户主",
    )


@pytest.fixture
def estates(world, user_of):
    """Who lives where: community A has 王淑英 (牛园小区 7栋), 李淑英 (牛园小区 17栋), 刘淑珍 (牛园小区
    3栋) and 张建国 (和平花园 7栋); community B has 赵淑英 (牛园小区 7栋)."""
    rows_a = [
        _row(1, "王淑英", "牛园小区", "7", "13900005678"),
        _row(2, "李淑英", "牛园小区", "17", "13900001234"),
        _row(3, "刘淑珍", "牛园小区", "3", "13900002222"),
        _row(4, "张建国", "和平花园", "7", "13911115678"),
    ]
    rows_b = [_row(5, "赵淑英", "牛园小区", "7", "13900009999")]
    for staff, community, rows in [
        ("community_staff", world.community_a, rows_a),
        ("community_staff_b", world.community_b, rows_b),
    ]:
        job = imported_roster(user_of(staff), community, roster_csv(rows))
        assert job.status == ImportJob.Status.DONE, job.message


def _names(actor, query: str) -> set[str]:
    return {person.name for person in selectors.residents(actor=actor, query=query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("淑英", {"王淑英", "李淑英"}),  # a two-character given name, anywhere in the name
        ("英", set()),  # one character is a surname: a prefix
        ("王", {"王淑英"}),
        ("牛园小区", {"王淑英", "李淑英", "刘淑珍"}),  # an estate
        ("7栋", {"王淑英", "张建国"}),  # building 7 of any estate, not building 17
        ("牛园小区 7栋", {"王淑英"}),  # every word of an address
        ("7栋2单元501室", {"王淑英", "张建国"}),
        ("园小", {"王淑英", "李淑英", "刘淑珍"}),
        ("淑%", set()),  # LIKE's wildcards are plain characters
    ],
)
def test_substring_search_after_an_import(world, user_of, estates, query, expected):
    # Among the people of the estates (the programme apps' worlds add others to community A).
    assert _names(user_of("community_staff"), query) & ESTATE_PEOPLE == expected


ESTATE_PEOPLE = {"王淑英", "李淑英", "刘淑珍", "张建国", "赵淑英"}


def test_scope_still_applies(world, user_of, estates):
    assert _names(user_of("community_staff_b"), "淑英") == {"赵淑英"}
    assert _names(user_of("community_staff_b"), "牛园小区 7栋") == {"赵淑英"}
    assert _names(user_of("district_officer"), "淑英") == {"王淑英", "李淑英", "赵淑英"}  # A and B are in 和平区
    assert _names(user_of("district_officer_b"), "淑英") == set()


def test_found_after_a_registration_and_an_edit(world, user_of, estates):
    staff = user_of("community_staff")
    services.person_register(
        actor=staff,
        community_code=world.community_a.code,
        name="陈淑英",
        id_number=id_number(40, birth="19700101"),
        residence_type="户籍",
        street_address="梨园小区",
        building="9",
        unit="1",
        room="101",
        relation="户主",
    )
    assert _names(staff, "淑英") == {"王淑英", "李淑英", "陈淑英"}
    assert _names(staff, "梨园小区 9栋") == {"陈淑英"}
    person = Person.objects.get(name="王淑英")
    person.name = "王淑芬"
    person.save()
    assert _names(staff, "淑英") == {"李淑英", "陈淑英"}
    assert _names(staff, "淑芬") == {"王淑芬"}
    # The address rows as written by the import, edited (a correction of the estate's name).
    Address.objects.filter(street_address="和平花园").update(street_address="和平家园")
    assert _names(staff, "和平花园") == set()
    assert _names(staff, "和平家园 7栋") == {"张建国"}


def test_found_after_a_move(world, user_of, estates):
    staff_a, staff_b = user_of("community_staff"), user_of("community_staff_b")
    person = Person.objects.get(name="刘淑珍")
    request = services.person_register(
        actor=staff_b,
        community_code=world.community_b.code,
        name=person.name,
        id_number=person.id_number,
        residence_type="户籍",
        street_address="梨园小区",
        building="12",
        unit="3",
        room="302",
        relation="户主",
    )
    assert isinstance(request, MoveRequest)
    services.move_request_decide(actor=staff_a, request_id=request.pk, confirm=True)
    assert _names(staff_b, "梨园小区 12栋") == {"刘淑珍"}
    assert _names(staff_b, "淑珍") == {"刘淑珍"}
    assert _names(staff_a, "淑珍") == set()
    assert _names(staff_a, "牛园小区") == {"王淑英", "李淑英"}


def test_phone_tail_is_a_counted_lookup(world, user_of, estates):
    staff = user_of("community_staff")
    assert _names(staff, "5678") == {"王淑英", "张建国"}
    assert _names(staff, "9999") == set()  # 赵淑英's, in community B
    lookups = AuditEvent.objects.filter(actor=staff, action="privacy.lookup", data__purpose="residents.phone_tail")
    assert lookups.count() == 2
    assert [event.data["found"] for event in lookups.order_by("pk")] == [True, False]
    assert "5678" not in str([event.data for event in lookups])
    # A changed phone is found by its new tail, no longer by the old one.
    person = Person.objects.get(name="张建国")
    person.phone = "13911114321"
    person.save()
    assert _names(staff, "4321") == {"张建国"}
    assert _names(staff, "5678") == {"王淑英"}


def test_phone_tail_never_travels_in_an_address(world, client_of, estates):
    client = client_of("community_staff")
    assert client.get("/api/residents?q=5678").status_code == 400
    assert client.get("/api/residents?q=7栋").status_code == 200
    assert not AuditEvent.objects.filter(action="privacy.lookup").exists()


def test_re_import_with_a_new_name_keeps_the_index(world, user_of, estates):
    staff = user_of("community_staff")
    rows = [_row(1, "王秀兰", "牛园小区", "7", "13900005678")]
    assert imported_roster(staff, world.community_a, roster_csv(rows)).status == ImportJob.Status.DONE
    assert _names(staff, "淑英") == {"李淑英"}
    assert _names(staff, "秀兰") == {"王秀兰"}


def _plan(sql: str, params: list[object]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On the fixture's few rows the planner may read a table whole (or in its key's order, when
            # autovacuum's statistics say it is tiny); with both off, the bigram index is the way left,
            # if the query's expression is the index's.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_the_search_uses_the_index(world, estates):
    """The query's expression is the index's (PostgreSQL); the triggers that keep the bigram tables exist
    (SQLite: a migration that rebuilds the table drops them)."""
    for condition, index in [
        (search.name_contains("淑英"), "person_name_bigrams"),
        (search.address_contains("牛园小区"), "address_text_bigrams"),
    ]:
        sql, params = Person.objects.filter(condition).values("pk").query.sql_with_params()
        plan = _plan(sql, list(params))
        if connection.vendor == "postgresql":
            assert index in plan, plan
        else:
            assert "shequ_person_gram" in plan or "shequ_address_gram" in plan, plan
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'shequ_%'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert triggers == {
            f"shequ_{kind}_gram_{event}" for kind in ("person", "address") for event in ("insert", "update", "delete")
        }


def test_triggers_come_back_after_a_table_is_rebuilt(world, estates):
    """SQLite: a migration that rebuilds the people's table drops its triggers; the next migrate's
    post_migrate puts them back with the bigrams of the rows there."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite keeps the index with triggers")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER shequ_person_gram_insert")
        cursor.execute("DELETE FROM shequ_person_gram")
    search.reinstall_if_missing(using="default")
    assert {p.name for p in Person.objects.filter(search.name_contains("淑英"))} == {"王淑英", "李淑英", "赵淑英"}


def test_a_long_name_and_an_estate_without_street_words_are_found(world, user_of):
    from tests.factories import resident

    person = resident(name="买买提·艾力", area=world.grid_a1, community=world.community_a, number="731")
    staff = user_of("community_staff")
    assert [p.pk for p in selectors.residents(actor=staff, query="买买提·艾力")] == [person.pk]
    assert person.pk in {p.pk for p in selectors.residents(actor=staff, query="和平路")}  # its street (factory)
    assert person.pk in {p.pk for p in selectors.residents(actor=staff, query="艾力")}


def test_a_broad_search_keeps_its_first_matches_and_the_page_says_so(world, user_of, client_of, monkeypatch):
    from tests.factories import resident

    for n in range(4):
        resident(name=f"王淑英{n}", area=world.grid_a1, community=world.community_a, number=str(741 + n))
    staff = user_of("community_staff")
    assert selectors.residents(actor=staff, query="淑英").count() == 4
    assert selectors.residents(actor=staff, query="淑英", cap=2).count() == 3  # the cap, and one to tell
    monkeypatch.setattr(selectors, "SEARCH_CAP", 2)
    page = client_of("community_staff").post("/residents/", {"q": "淑英"}).content.decode()
    assert "超过 2 人" in page or "More than 2" in page
