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


def test_the_demo_cases_cover_the_channels_states_and_the_deadline_job(world):
    from collections import Counter

    from shequ.accounts.models import User
    from shequ.casework.models import Case
    from shequ.casework.selectors import resident_cases
    from shequ.demo.services import load_demo_cases

    load_demo(city_code="2102", streets=1)
    street = User.objects.get(username="demo-street").grants.get().area
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2])
    load_demo_residents(communities=communities, people_per_community=30)
    made = load_demo_cases()
    assert made == Case.objects.exclude(kind="rating_followup").count() > 30
    assert load_demo_cases() == 0  # idempotent
    channels = Counter(Case.objects.values_list("channel", flat=True))
    assert set(channels) == {"online", "proxy", "door"}
    states = set(Case.objects.values_list("state", flat=True))
    assert {"submitted", "accepted", "waiting", "in_progress", "completed", "rejected", "withdrawn"} <= states
    # Aged cases past their deadline were escalated by the job; the low rating went to the head.
    assert Case.objects.filter(escalated_at__isnull=False).exists()
    head = User.objects.get(username="demo-community")
    assert Case.objects.get(kind="rating_followup").assigned_to == head
    # The demo resident follows their own cases on the portal: four for themselves and the street light.
    resident = User.objects.get(username="demo-resident")
    mine = resident_cases(resident)
    assert mine.filter(applicant__isnull=True, filed_by=resident).count() == 1
    assert mine.exclude(kind="rating_followup").filter(applicant__isnull=False, channel="online").count() == 4
    grid = User.objects.get(username="demo-grid").grants.get().area
    assert Case.objects.filter(channel="door", area__path__startswith=grid.path).count() >= 1
