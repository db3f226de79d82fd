"""Finding 7 of issue 7: a ciphertext is bound to its row, so a value moved in the database does not
decrypt as someone else's."""

import logging

import pytest
from django.db import connection, transaction

from shequ.accounts.models import User
from shequ.privacy.fields import Unreadable, masked
from shequ.residents import services
from shequ.residents.models import Person
from tests.factories import id_number, imported_roster, resident, roster_csv, roster_row

pytestmark = pytest.mark.django_db


def stored(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def store(table, column, pk, value):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


@pytest.fixture
def two(world):
    # The numbers come from the factory's rule (order, born 1960-01-01), not from the code under test.
    first = resident(name="甲", area=world.grid_a1, community=world.community_a, number="11")
    second = resident(name="乙", area=world.grid_a1, community=world.community_a, number="12")
    return first, second


def test_swapped_identity_numbers_do_not_decrypt_as_each_other(two, client_of, caplog):
    first, second = two
    first_number, second_number = id_number(11, birth="19600101"), id_number(12, birth="19600101")
    first_cipher = stored("residents_person", "id_number", first.pk)
    second_cipher = stored("residents_person", "id_number", second.pk)
    store("residents_person", "id_number", first.pk, second_cipher)
    store("residents_person", "id_number", second.pk, first_cipher)

    with caplog.at_level(logging.WARNING, logger="shequ.privacy.fields"):
        reread = Person.objects.get(pk=first.pk)
        value = reread.id_number
    assert value != second_number and value != first_number
    assert isinstance(value, Unreadable)
    assert masked(reread, "id_number") == str(value)  # the placeholder, not a masked stranger's number
    assert Person.objects.get(pk=first.pk).phone == "1380000110"  # the row's other value is intact
    # The log names the row, never the value or the ciphertext.
    assert f"row {first.pk}" in caplog.text
    assert second_cipher not in caplog.text and second_number not in caplog.text

    # The person's page shows the placeholder: no 500, no number.
    response = client_of("community_staff").get(f"/residents/{first.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "无法解密" in page
    assert second_number not in page and second_number[-4:] not in page

    # Saving the row keeps the stored evidence as it was rather than sealing the placeholder.
    reread.name = "甲甲"
    reread.save()
    assert stored("residents_person", "id_number", first.pk) == second_cipher


def test_a_value_copied_between_an_account_and_a_person_does_not_decrypt(world, user_of, two):
    first, _second = two
    resident_account = user_of("resident")
    account_cipher = stored("accounts_user", "id_number", resident_account.pk)
    store("residents_person", "id_number", first.pk, account_cipher)
    assert isinstance(Person.objects.get(pk=first.pk).id_number, Unreadable)
    store("accounts_user", "phone", resident_account.pk, stored("residents_person", "phone", first.pk))
    assert isinstance(User.objects.get(pk=resident_account.pk).phone, Unreadable)


def test_plaintext_without_a_row_is_refused(two):
    first, _second = two
    with (
        pytest.raises(ValueError, match="residents.person.id_number is encrypted with its row's key"),
        transaction.atomic(),  # update() marks the transaction for rollback on an error
    ):
        Person.objects.filter(pk=first.pk).update(id_number="210102196001010011")
    Person.objects.filter(pk=first.pk).update(phone="")  # clearing needs no row
    assert Person.objects.get(pk=first.pk).phone == ""


def test_an_imported_roster_and_a_single_registration_round_trip(world, user_of):
    staff = user_of("community_staff")
    rows = [roster_row(n) for n in range(6)]
    assert imported_roster(staff, world.community_a, roster_csv(rows)).status == "done"
    for row in rows:
        person = Person.objects.get(name=row["姓名"])
        assert (person.id_number, person.phone) == (row["身份证号"], row["手机号"])
    # A second import that changes a phone updates the row: both values still read back.
    rows[2]["手机号"] = "13700000002"
    job = imported_roster(staff, world.community_a, roster_csv(rows))
    assert (job.status, job.updated) == ("done", 1)
    changed = Person.objects.get(name=rows[2]["姓名"])
    assert (changed.id_number, changed.phone) == (rows[2]["身份证号"], "13700000002")
    # The row keys are the rows' own: no two people share one.
    assert Person.objects.values("row_key").distinct().count() == Person.objects.count()

    number = id_number(3, birth="20260101")
    services.person_register(
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
    assert Person.objects.get(name="新生儿").id_number == number
