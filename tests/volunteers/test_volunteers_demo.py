"""The volunteers' demo: made through the real services on the demo's residents, with volunteers
confirmed, refused and waiting, tasks open, taken, done and confirmed, a redemption, and the ledgers'
balances their sums; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.demo.services import demo_resident_person, load_demo, load_demo_residents
from shequ.programmes.volunteers import selectors, services
from shequ.programmes.volunteers.demo import load_demo_volunteers
from shequ.programmes.volunteers.models import CareTask, LedgerEntry, Volunteer

pytestmark = pytest.mark.django_db


def test_the_volunteers_demo(world):
    load_demo(city_code="2102", streets=1)  # Dalian: the fixture's Shenyang already has its accounts
    street = User.objects.get(username="demo-street").grants.get().area
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2])
    load_demo_residents(communities=communities, people_per_community=60)
    staff = User.objects.get(username="demo-community")
    resident = User.objects.get(username="demo-resident")
    grid = Area.objects.filter(parent=communities[0], level=Level.GRID).order_by("code")[0]
    elder = demo_resident_person(resident=resident, staff=staff, community=communities[0], grid=grid)
    made = load_demo_volunteers()
    assert made["volunteers"] >= 8 and made["tasks"] >= 8 and made["confirmed"] >= 2 and made["redeemed"] >= 1
    volunteers = Volunteer.objects.filter(area__path__startswith=street.path)
    assert {"confirmed", "refused", "pending"} <= set(volunteers.values_list("state", flat=True))
    tasks = CareTask.objects.filter(area__path__startswith=street.path)
    assert {"open", "taken", "done", "confirmed"} <= set(tasks.values_list("state", flat=True))
    for volunteer in volunteers:
        total = LedgerEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("hours"))["s"] or 0
        assert services.balance_of(volunteer) == total >= 0
    figures = selectors.figures_for(street.path)
    assert figures["hours_banked"] > 0 and figures["hours_redeemed"] == float(made["redeemed"])
    # The demo resident (an elder) has a task done for her, whose hours she confirms from the portal.
    hers = CareTask.objects.get(elder_id=elder, state="done")
    assert services.may_confirm(resident, hers) == "family"
    services.task_confirm(actor=resident, task_id=hers.pk)
    assert load_demo_volunteers() == {"volunteers": 0, "tasks": 0, "confirmed": 0, "redeemed": 0}
