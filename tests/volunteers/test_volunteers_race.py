"""Taking a care task is atomic: three volunteers of the street take the same task at the same moment,
each in a thread with its own database connection; exactly one wins and the others are told the task is
taken. PostgreSQL only: SQLite serialises every writer, so there is no race to lose there.

The task is posted and removed in threads of their own (committed for real, so the racers see it); the
test's own transaction holds only the session's world."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shequ.accounts.models import User
from shequ.programmes.volunteers import services
from shequ.programmes.volunteers.models import CareTask
from tests.races import in_thread, race

pytestmark = pytest.mark.django_db

ROUNDS = 3


def test_three_volunteers_take_one_task_and_exactly_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer: the race is run on PostgreSQL")
    racers = [world.volunteers.accounts[key] for key in ("a", "a2", "b")]

    def post() -> int:
        with transaction.atomic():
            task = services.task_post(
                actor=User.objects.get(pk=world.personas["community_staff"]),
                elder_id=world.volunteers.elder_a,
                service_type_code="shopping",
                starts_at=timezone.now() + datetime.timedelta(hours=5),
                duration_minutes=45,
            )
            return task.pk

    task_ids: list[int] = []
    try:
        for _round in range(ROUNDS):
            task_id = in_thread(post)
            task_ids.append(task_id)
            results = race(racers, lambda user, task_id=task_id: services.task_take(actor=user, task_id=task_id))
            winners = [pk for pk, r in results.items() if isinstance(r, CareTask)]
            assert len(results) == len(racers)
            assert len(winners) == 1, results
            for pk, result in results.items():
                if pk not in winners:
                    assert isinstance(result, services.TaskTaken), result
                    assert "已被其他志愿者接单" in " ".join(result.messages)  # the UI language: Chinese
            task = CareTask.objects.select_related("volunteer").get(pk=task_id)
            assert task.volunteer is not None and task.volunteer.account_id == winners[0]
    finally:
        # The audit trail is append-only and keeps the takes; the tasks themselves go.
        in_thread(lambda: CareTask.objects.filter(pk__in=task_ids).delete())
