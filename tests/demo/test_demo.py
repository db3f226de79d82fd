"""The demo that ./run.sh loads: its rosters go through the real import and every row is taken."""

from __future__ import annotations

import pytest

from shequ.areas.models import Area, Level
from shequ.demo.services import load_demo, load_demo_residents
from shequ.imports.models import ImportJob
from shequ.residents.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_rosters_import_every_row(world):
    load_demo(city_code="2102", streets=1)  # Dalian: the fixture's Shenyang already has its accounts
    community = Area.objects.filter(path__startswith=world.other_city.path, level=Level.COMMUNITY).order_by("code")[0]
    before = Person.objects.filter(area__path__startswith=community.path).count()
    created = load_demo_residents(communities=[community], people_per_community=40)
    job = ImportJob.objects.filter(area=community, filename="demo-roster.csv").get()
    assert job.status == ImportJob.Status.DONE, job.message
    assert created == 40 == Person.objects.filter(area__path__startswith=community.path).count() - before
