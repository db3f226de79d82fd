"""The home-care demo: made through the real services on the demo's residents, with providers, enrolled
elders, orders in every state, a rating, a complaint and an answered emergency call; a second run adds
nothing."""

from __future__ import annotations

import pytest

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.casework.models import Case
from shequ.demo.services import demo_resident_person, load_demo, load_demo_residents
from shequ.programmes.homecare.demo import load_demo_homecare
from shequ.programmes.homecare.models import EmergencyCall, HomeCareOrder

pytestmark = pytest.mark.django_db


def test_the_homecare_demo(world):
    load_demo(city_code="2102", streets=1)  # Dalian: the fixture's Shenyang already has its accounts
    street = User.objects.get(username="demo-street").grants.get().area
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2])
    load_demo_residents(communities=communities, people_per_community=60)
    grid = User.objects.get(username="demo-grid").grants.get().area
    demo_resident_person(
        resident=User.objects.get(username="demo-resident"),
        staff=User.objects.get(username="demo-community"),
        community=communities[0],
        grid=grid,
    )
    made = load_demo_homecare(communities=communities)
    assert made["providers"] == 3 and made["enrolled"] >= 4 and made["orders"] == made["enrolled"]
    orders = HomeCareOrder.objects.filter(area__path__startswith=street.path)
    states = set(orders.values_list("state", flat=True))
    assert {"offered", "accepted", "checked_in", "done"} <= states
    assert orders.filter(rating__isnull=False).exists()
    assert Case.objects.filter(kind="homecare_complaint", area__path__startswith=street.path).exists()
    assert EmergencyCall.objects.filter(
        area__path__startswith=street.path, acknowledged_at__isnull=False, provider__isnull=False
    ).exists()
    assert load_demo_homecare(communities=communities) == {"providers": 0, "enrolled": 0, "orders": 0}
