"""The portal's helpers: residents with a phone of their own, and signing in with the code the outbox
holds (as the development SMS outbox shows it)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shequ.outbox.models import Channel, Message
from shequ.residents.models import Address, Household, Person, Relation, ResidenceType, Sex
from tests.factories import id_number


def last_code(phone: str) -> str:
    """The code in the newest SMS to ``phone``."""
    rows = [m for m in Message.objects.filter(channel=Channel.SMS).order_by("-pk")[:20] if m.phone == phone]
    assert rows, f"no SMS to {phone}"
    match = re.search(r"验证码是 (\d{6})", rows[0].body)
    assert match, rows[0].body
    return match.group(1)


def portal_sign_in(client: Client, phone: str, ip: str = "10.9.0.1") -> None:
    assert client.post("/portal/login/", {"phone": phone}, REMOTE_ADDR=ip).status_code == 200
    response = client.post("/portal/login/", {"phone": phone, "code": last_code(phone)}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def family(world):
    """A household of community A (grid A1): the head 王秀英 (phone 13700000001), her son 王强 (no
    phone); and 李梅 of community B with the phone 13700000002."""

    def person(name, area, community, order, phone, household, relation, room):
        return Person.objects.create(
            area=area,
            name=name,
            id_number=id_number(order, birth="19500505"),
            phone=phone,
            sex=Sex.FEMALE if order % 2 == 0 else Sex.MALE,
            birth_date="1950-05-05",
            residence_type=ResidenceType.REGISTERED,
            household=household,
            relation=relation,
            address=household.address,
        )

    address = Address.objects.create(area=world.grid_a1, street_address="门户路1号", building="2", unit="1", room="501")
    home = Household.objects.create(area=world.community_a, address=address, number="P-501")
    mother = person("王秀英", world.grid_a1, world.community_a, 700, "13700000001", home, Relation.HEAD, "501")
    son = person("王强", world.grid_a1, world.community_a, 701, "", home, Relation.SON, "501")
    address_b = Address.objects.create(
        area=world.community_b, street_address="门户路2号", building="3", unit="1", room="602"
    )
    home_b = Household.objects.create(area=world.community_b, address=address_b, number="P-602")
    other = person("李梅", world.community_b, world.community_b, 702, "13700000002", home_b, Relation.HEAD, "602")
    return {"mother": mother, "son": son, "other": other}


def tiny_png() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND; RFC 2083)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xb7\x1c\x1c"))
        + chunk(b"IEND", b"")
    )
