"""Two providers accept one order at the same moment: exactly one wins (one conditional UPDATE), the other
is told it is taken. PostgreSQL only (SQLite serialises every writer). The order and the second provider
are made and removed in threads of their own (committed for real, so the racers see them)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.casework.models import Case
from shequ.entities.models import LegalEntity
from shequ.outbox.models import Message
from shequ.programmes.common.models import Enrolment, ProviderAccount
from shequ.programmes.homecare import services
from shequ.programmes.homecare.models import HomeCareOrder, OrderOffer, OrderState, Provider, ServiceType
from tests import factories
from tests.homecare.support import tomorrow
from tests.homecare.world import ELDER_NAME
from tests.races import in_thread, race

pytestmark = pytest.mark.django_db


def test_two_providers_accept_one_order_and_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer: the accept race is run on PostgreSQL")
    tag = uuid.uuid4().hex[:5].upper().replace("I", "1").replace("O", "0")
    first_message = in_thread(lambda: Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)

    def setup() -> tuple[int, int, int]:
        with transaction.atomic():
            entity = LegalEntity.objects.create(
                area=world.district, name=f"抢单服务商{tag}", uscc=factories.uscc(f"91210102MA0Q{tag}"), kind="company"
            )
            rival = Provider.objects.create(entity=entity)
            rival.areas.set([world.community_a])
            rival.service_types.set(ServiceType.objects.filter(code="meal"))
            user = User(username=f"racer-{tag}")
            user.set_unusable_password()
            user.save()
            Grant.objects.create(user=user, role=Role.SERVICE_PROVIDER, area=world.district)
            ProviderAccount.objects.create(user=user, entity=entity)
            staff = User.objects.get(pk=world.personas["community_staff"])
            enrolment = Enrolment.objects.get(person__name=ELDER_NAME, person__area=world.grid_a1, state="active")
            order = services.order_create(
                actor=staff,
                enrolment_id=enrolment.pk,
                service_type_code="meal",
                scheduled_start=tomorrow(14),
                planned_minutes=30,
            )
            services.order_dispatch(actor=staff, order_id=order.pk)
            return order.pk, user.pk, rival.pk

    def cleanup(order_id: int, user_id: int, provider_id: int) -> None:
        with transaction.atomic():
            case_id = HomeCareOrder.objects.get(pk=order_id).case_id
            OrderOffer.objects.filter(order_id=order_id).delete()
            HomeCareOrder.objects.filter(pk=order_id).delete()
            Case.objects.filter(pk=case_id).delete()
            Message.objects.filter(pk__gt=first_message).delete()
            ProviderAccount.objects.filter(user_id=user_id).delete()
            Grant.objects.filter(user_id=user_id).delete()
            User.objects.filter(pk=user_id).update(is_active=False)
            entity_id = Provider.objects.get(pk=provider_id).entity_id
            Provider.objects.filter(pk=provider_id).delete()
            LegalEntity.objects.filter(pk=entity_id).delete()

    order_id, rival_user, rival_provider = in_thread(setup)
    try:
        racers = [world.personas["service_provider"], rival_user]
        results = race(racers, lambda user: services.order_accept(actor=user, order_id=order_id))
        winners = [pk for pk, r in results.items() if isinstance(r, HomeCareOrder)]
        assert len(winners) == 1, results
        (loser,) = [r for pk, r in results.items() if pk not in winners]
        assert isinstance(loser, ValidationError), loser
        order = in_thread(lambda: HomeCareOrder.objects.select_related("case").get(pk=order_id))
        assert order.state == OrderState.ACCEPTED and order.accepted_by_id == winners[0]
        assert order.case.events.filter(action="accept").count() == 1
    finally:
        in_thread(lambda: cleanup(order_id, rival_user, rival_provider))
