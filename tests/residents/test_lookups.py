"""Exact lookups by identity number or phone are limited per account and audited by their blind index.

A masked phone (138****5678) leaves 10,000 candidates: trying them through the exact search must hit the
limit long before the end, leave a trace per attempt and put one alert before the auditors.
"""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shequ.audit.models import Alert, AuditEvent
from shequ.privacy.lookups import identifier_lookup

pytestmark = pytest.mark.django_db


def test_lookups_past_the_limit_are_refused_with_one_alert(world, user_of, settings):
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 3
    worker, other = user_of("grid_worker"), user_of("grid_worker_b")
    for n in range(3):
        identifier_lookup(actor=worker, purpose="residents.search", index=f"{n:064x}")
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            identifier_lookup(actor=worker, purpose="residents.search", index="f" * 64)
        assert "3" in refused.value.messages[0]
    # Another account keeps its own allowance.
    identifier_lookup(actor=other, purpose="residents.search", index="e" * 64)
    events = AuditEvent.objects.filter(actor=worker, action__startswith="privacy.lookup")
    assert [e.action for e in events.order_by("id")] == ["privacy.lookup"] * 3 + ["privacy.lookup_refused"] * 2
    assert events.first().data == {"purpose": "residents.search", "index": "0" * 64}
    # Filed under the grid worker's grid, so the auditors of that area see it.
    assert events.first().area_path == world.grid_a1.path
    alerts = Alert.objects.filter(kind=Alert.Kind.LOOKUP_LIMIT)
    assert [a.actor_id for a in alerts] == [worker.pk]


def test_the_allowance_comes_back_after_an_hour(world, user_of, settings):
    settings.SHEQU_LOOKUP_LIMIT_PER_HOUR = 1
    worker = user_of("grid_worker")
    identifier_lookup(actor=worker, purpose="residents.search", index="a" * 64)
    with pytest.raises(ValidationError):
        identifier_lookup(actor=worker, purpose="residents.search", index="b" * 64)
    # Events are append-only: age the clock instead of the events.
    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        identifier_lookup(actor=worker, purpose="residents.search", index="c" * 64)
