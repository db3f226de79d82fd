"""The home-care demo, made through the real services by the demo accounts: three providers (legal
entities registered by the street's officer, providers by the city's administrator) with their areas and
services, the demo provider account as staff of the first, elders of the demo communities enrolled, and
orders in every state (offered, accepted, checked in, done, rated), one complaint and one emergency call
answered. Needs ``load_demo`` and its residents first; idempotent (nothing is added once the first demo
provider exists)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.entities.services import legal_entity_create
from shequ.privacy.fields import lookup
from shequ.programmes.common import selectors as core_selectors
from shequ.programmes.common import services as core
from shequ.programmes.common.models import Enrolment, Programme
from shequ.programmes.common.seeding import load_programmes
from shequ.residents.models import Person

from . import services
from .models import HomeCareOrder, Provider

PROVIDERS = [
    # (name, which communities (indexes; None: the whole street), services)
    ("和平区居家养老服务中心", None, ["meal", "cleaning", "bathing", "medical", "daily_care", "rehabilitation"]),
    ("幸福里助餐助洁服务社", [0], ["meal", "cleaning"]),
    ("康乐康复护理站", [1], ["bathing", "medical", "rehabilitation"]),
]


def _uscc(rng: random.Random, region: str) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    base = "52" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return base + uscc.calc_check_digit(base)


@transaction.atomic  # all or nothing: a half-made demo would be skipped by the next run
def load_demo_homecare(*, communities: list[Area], elders: int = 6, seed: int = 2026) -> dict[str, int]:
    """Home-care demo rows in ``communities`` (the demo's, of one street); returns what was made."""
    if not communities or Provider.objects.filter(entity__name=PROVIDERS[0][0]).exists():
        return {"providers": 0, "enrolled": 0, "orders": 0}
    load_programmes()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    city, street_officer, worker = users["demo-city"], users["demo-street"], users["demo-provider"]
    resident = users.get("demo-resident")
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    street = communities[0].parent
    assert street is not None
    providers = []
    for name, which, types in PROVIDERS:
        entity = legal_entity_create(
            actor=street_officer,
            area_code=street.code,
            name=name,
            uscc=_uscc(rng, street.code[:6]),
            kind="social_org",
        )
        areas = [street.code] if which is None else [communities[i].code for i in which if i < len(communities)]
        providers.append(
            services.provider_register(
                actor=city, entity_id=entity.pk, area_codes=areas or [street.code], service_type_codes=types
            )
        )
    services.provider_account_link(actor=city, user_id=worker.pk, entity_id=providers[0].entity_id)

    people = _enrol(street_officer, resident, elders)
    made = _orders(street_officer, worker, resident, people)
    return {"providers": len(providers), "enrolled": len(people), "orders": made}


def _enrol(officer: User, resident: User | None, count: int) -> list[Enrolment]:
    """The demo resident's own elder first (their family page then has something), then the oldest
    eligible of the street."""
    programme = Programme.objects.get(code="homecare")
    pool = core_selectors.candidates(actor=officer, programme=programme)
    chosen: list[int] = []
    if resident is not None and resident.phone:
        own = Person.objects.filter(lookup(Person, "phone", resident.phone)).values_list("pk", flat=True).first()
        if own is not None and pool.filter(pk=own).exists():
            chosen.append(own)
    chosen += [pk for pk in pool.values_list("pk", flat=True)[: count * 2] if pk not in chosen]
    enrolled = []
    for person_id in chosen[:count]:
        enrolled.append(core.enrol(actor=officer, programme_code="homecare", person_id=person_id, note="演示数据"))
    return enrolled


def _orders(officer: User, worker: User, resident: User | None, enrolled: list[Enrolment]) -> int:
    """One order per elder, each left in another state; the first (the demo resident's elder when
    enrolled) done and rated, with a complaint, and an emergency call answered by the grid's worker."""
    soon = timezone.now() + datetime.timedelta(hours=1)
    made = 0
    states = ["done", "checked_in", "accepted", "offered", "offered", "accepted"]
    services_by_state = ["meal", "cleaning", "daily_care", "bathing", "medical", "meal"]
    for n, enrolment in enumerate(enrolled):
        order = services.order_create(
            actor=officer,
            enrolment_id=enrolment.pk,
            service_type_code=services_by_state[n % len(services_by_state)],
            scheduled_start=soon + datetime.timedelta(hours=n),
            planned_minutes=60 if n % 2 == 0 else 90,
            note="演示",
        )
        services.order_dispatch(actor=officer, order_id=order.pk)
        made += 1
        state = states[n % len(states)]
        if state == "offered" or not _offered_to_worker(order, worker):
            continue
        services.order_accept(actor=worker, order_id=order.pk)
        if state in ("checked_in", "done"):
            services.order_checkin(actor=worker, order_id=order.pk, lon=123.4315, lat=41.7886)
        if state == "done":
            order = services.order_checkout(actor=worker, order_id=order.pk, lon=123.4316, lat=41.7887)
            _family_feedback(resident, order)
    return made


def _offered_to_worker(order: HomeCareOrder, worker: User) -> bool:
    from . import access

    provider = access.provider_of(worker)
    return provider is not None and order.offers.filter(provider=provider).exists()


def _family_feedback(resident: User | None, order: HomeCareOrder) -> None:
    from . import access

    if resident is None or not access.family_orders(resident).filter(pk=order.pk).exists():
        return
    services.enrolment_contract(
        actor=User.objects.get(username="demo-street"), enrolment_id=order.enrolment_id, provider_id=order.provider_id
    )
    services.order_rate(actor=resident, order_id=order.pk, level=4, reason="阿姨很细心，饭菜可口，就是晚到了一会儿")
    services.complaint_file(actor=resident, order_id=order.pk, description="服务人员比约定时间晚到二十分钟")
    call = services.emergency_call(actor=resident, person_id=order.enrolment.person_id)
    responders = services.calls_for_responder
    for user in User.objects.filter(username__in=["demo-grid", "demo-provider"]):
        if call.pk in responders(user):
            services.emergency_acknowledge(actor=user, call_id=call.pk)
            break
