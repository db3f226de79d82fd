"""Taking a case is atomic (R9, issue 9 §5): eight staff of the case's area take the same case at the same
moment, each in a thread with its own database connection; exactly one wins and each of the others is
told who has it. PostgreSQL only: SQLite serialises every writer, so there is no race to lose there.

The case is filed and removed in threads of their own (committed for real, so the racers see it); the
test's own transaction holds only the session's world.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.casework import services
from shequ.casework.models import Case
from tests.races import in_thread, race

pytestmark = pytest.mark.django_db

RACERS = 8
ROUNDS = 3


def test_eight_staff_take_one_case_and_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer: the take race is run on PostgreSQL (CI runs it there)")
    community = world.community_a
    tag = f"race-{uuid.uuid4().hex[:6]}-"
    from shequ.outbox.models import Message

    first_message = in_thread(lambda: Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)

    def setup() -> list[int]:
        with transaction.atomic():
            staff = []
            for n in range(RACERS):
                user = User(username=f"{tag}{n}", display_name=f"抢单员{n}")
                user.set_unusable_password()
                user.save()
                Grant.objects.create(user=user, role=Role.COMMUNITY_STAFF, area=community)
                staff.append(user.pk)
            return staff

    def file_case() -> int:
        from shequ.residents.models import Person

        person = Person.objects.filter(name="甲").get()  # the registered resident of grid A1 (the world)
        filer = User.objects.get(pk=world.personas["community_staff"])
        case = services.case_file(
            actor=filer,
            channel="proxy",
            filing=services.Filing(
                item_code="home_care_service",  # many open cases per applicant: one per round
                applicant_id=person.pk,
                form={"applicant": person.pk, "service": "助餐", "wanted_on": "2026-12-20"},
            ),
            consent_method="phone",
            proxy_reason="行动不便",
        )
        return case.pk

    def cleanup(case_ids: list[int], staff: list[int]) -> None:
        # The audit trail is append-only and names the racers: they stay, without grants and inactive.
        with transaction.atomic():
            Case.objects.filter(pk__in=case_ids).delete()
            Message.objects.filter(pk__gt=first_message).delete()
            Grant.objects.filter(user_id__in=staff).delete()
            User.objects.filter(pk__in=staff).update(is_active=False)

    staff = in_thread(setup)
    case_ids: list[int] = []
    try:
        for _round in range(ROUNDS):
            case_id = in_thread(file_case)
            case_ids.append(case_id)
            results = race(staff, lambda user, case_id=case_id: services.case_take(actor=user, case_id=case_id))

            winners = [pk for pk, r in results.items() if isinstance(r, Case)]
            losers = {pk: r for pk, r in results.items() if pk not in winners}
            assert len(results) == RACERS
            assert len(winners) == 1, results
            winner = User.objects.get(pk=winners[0])
            for exc in losers.values():
                assert isinstance(exc, services.CaseTaken), exc
                assert winner.display_name in " ".join(exc.messages)
            taken = Case.objects.get(pk=case_id)
            assert taken.assigned_to_id == winner.pk
            assert taken.events.filter(action="take").count() == 1
    finally:
        in_thread(lambda: cleanup(case_ids, staff))
