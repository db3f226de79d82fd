"""What the home-care tests share: the world's providers and elder, and a fresh enrolled elder."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from shequ.accounts.models import User
from shequ.programmes.common.models import Enrolment
from shequ.programmes.common.services import enrol
from shequ.programmes.homecare import services
from shequ.programmes.homecare.models import HomeCareOrder, Provider
from tests.homecare.world import ELDER_NAME, elder

_rooms = itertools.count(300)


def provider(world, key: str = "service_provider") -> Provider:
    from shequ.programmes.common.models import ProviderAccount

    return Provider.objects.get(entity_id=ProviderAccount.objects.get(user_id=world.personas[key]).entity_id)


def world_order(world) -> HomeCareOrder:
    return HomeCareOrder.objects.filter(enrolment__person__name=ELDER_NAME, area=world.grid_a1).order_by("pk").first()


def enrolled_elder(world, *, phone: str | None = None, area=None, birth: str = "1940-05-01") -> Enrolment:
    """A new elder of grid A1 (or ``area``), enrolled in home care by community A's staff."""
    room = str(next(_rooms))
    person = elder(area or world.grid_a1, world.community_a, birth=birth, phone=phone or f"137000{room}00", room=room)
    staff = User.objects.get(pk=world.personas["community_staff"])
    return enrol(actor=staff, programme_code="homecare", person_id=person.pk)


def tomorrow(hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def offered_order(world, enrolment: Enrolment, *, service: str = "meal", minutes: int = 60) -> HomeCareOrder:
    staff = User.objects.get(pk=world.personas["community_staff"])
    order = services.order_create(
        actor=staff,
        enrolment_id=enrolment.pk,
        service_type_code=service,
        scheduled_start=tomorrow(),
        planned_minutes=minutes,
    )
    services.order_dispatch(actor=staff, order_id=order.pk)
    order.refresh_from_db()
    return order
