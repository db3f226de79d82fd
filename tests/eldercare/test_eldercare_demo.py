"""The eldercare demo: made through the real services on the demo's residents, with care visits done, due
and overdue, beds with visits, and retrofits in every stage; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.demo.services import load_demo, load_demo_residents
from shequ.programmes.common.models import Visit
from shequ.programmes.eldercare import selectors
from shequ.programmes.eldercare.demo import load_demo_eldercare
from shequ.programmes.eldercare.models import FamilyBed, RetrofitProject

pytestmark = pytest.mark.django_db


def test_the_eldercare_demo(world):
    load_demo(city_code="2102", streets=1)  # Dalian: the fixture's Shenyang already has its accounts
    street = User.objects.get(username="demo-street").grants.get().area
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2])
    load_demo_residents(communities=communities, people_per_community=60)
    made = load_demo_eldercare()
    assert made["visits"] >= 1 and made["beds"] >= 1 and made["retrofits"] >= 4
    community = communities[0]
    projects = RetrofitProject.objects.filter(area__path__startswith=community.path)
    assert {"assessment", "works", "acceptance", "completed"} <= set(projects.values_list("stage", flat=True))
    assert FamilyBed.objects.filter(enrolment__area__path__startswith=community.path).count() == made["beds"]
    visits = Visit.objects.filter(
        enrolment__programme__code="care_visits", enrolment__area__path__startswith=community.path
    )
    today = timezone.localdate()
    assert visits.filter(done_at__isnull=False).exists()
    assert visits.filter(done_at__isnull=True, due_on__lt=today).exists()
    assert visits.filter(done_at__isnull=True, due_on=today).exists()
    assert visits.filter(escalated_at__isnull=False).exists()
    worker = User.objects.get(username="demo-grid")
    summary = selectors.visits_summary(actor=worker)
    assert summary["due_today"] >= 1 and summary["my_overdue"] >= 1
    assert load_demo_eldercare() == {"visits": 0, "beds": 0, "retrofits": 0}
