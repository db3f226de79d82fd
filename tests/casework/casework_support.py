"""Helpers of the casework tests (imported by basename: pytest puts this folder on the path)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESIDENT_PHONE = "13912345678"  # the resident persona's phone (tests/conftest.py)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


@dataclass
class Household:
    applicant: object  # the resident persona's own person record, head of the household
    member: object  # another member of the household (no phone of its own)


def make_household(area, community, *, number: str, phone: str = RESIDENT_PHONE, birth: str = "19500101"):
    """A household at 文化路8号 in ``area`` whose head has ``phone``, with a second member."""
    from shequ.residents.models import Address, Person, Relation, ResidenceType, Sex
    from shequ.residents.models import Household as HouseholdRow

    address = Address.objects.create(area=area, street_address="文化路8号", building="2", unit="1", room=number)
    household = HouseholdRow.objects.create(area=community, address=address, number=f"W-{number}")
    head = Person.objects.create(
        area=area,
        name="王秀兰",
        id_number=factories.id_number(int(number) * 2, birth=birth),
        phone=phone,
        sex=Sex.FEMALE,
        birth_date=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )
    member = Person.objects.create(
        area=area,
        name="李建国",
        id_number=factories.id_number(int(number) * 2 + 1, birth="19480202"),
        phone="",
        sex=Sex.MALE,
        birth_date="1948-02-02",
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.SPOUSE,
        address=address,
    )
    return Household(head, member)


class Clock:
    """A clock the services read (``django.utils.timezone.now`` patched): it moves only when told, plus
    one microsecond a reading so that every write is strictly later than the one before."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self._tick = 0

    def __call__(self) -> datetime:
        self._tick += 1
        return self.at + timedelta(microseconds=self._tick)

    def advance(self, delta: timedelta) -> None:
        self.at += delta

    def local(self) -> datetime:
        return (self.at + timedelta(microseconds=self._tick)).astimezone(SHANGHAI)


def residence_form(person) -> dict:
    return {"applicant": person.pk, "purpose": "子女入学", "since": "2015-06-01"}


def upload(content: bytes = PNG):
    return io.BytesIO(content)
