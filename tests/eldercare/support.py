"""Eldercare test data: elders born on a chosen day, alone or with a companion, with special groups."""

from __future__ import annotations

import datetime
import itertools

from shequ.areas.models import Area
from shequ.reference.models import TagType
from shequ.residents.models import Person, PersonTag, Relation, ResidenceType, Sex
from tests import factories

# Numbers 500-699 are made inside tests (rolled back); the world's own use 700-799.
_numbers = itertools.count(500)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def elder(
    name: str,
    area: Area,
    *,
    birth: datetime.date | str = "1944-05-01",
    tags: tuple[str, ...] = (),
    grade: str = "",
    alone: bool = True,
    number: int | None = None,
) -> Person:
    """A person living in ``area`` (a grid or a community), head of a household of their own; with a
    companion in the household unless ``alone``; holding ``tags`` since 2010."""
    community = area if area.level == 5 else area.parent
    n = number if number is not None else next(_numbers)
    person = factories.resident(name=name, area=area, community=community, number=str(n), tag=None, birth=str(birth))
    for code in tags:
        PersonTag.objects.create(
            person=person,
            tag=TagType.objects.get(code=code),
            source="区民政局",
            valid_from="2010-01-01",
            grade=grade if code == "disability" else "",
        )
    if not alone:
        Person.objects.create(
            area=area,
            name=name + "的配偶",
            id_number=factories.id_number(n, birth="19500101", region="210103"),
            sex=Sex.MALE,
            birth_date="1950-01-01",
            residence_type=ResidenceType.REGISTERED,
            household=person.household,
            relation=Relation.SPOUSE,
            address=person.address,
        )
    return person
