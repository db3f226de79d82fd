"""The system actor: the account periodic jobs act as (deadline warnings, escalation). It has grants of its
own (``Role.SYSTEM`` over each loaded city), is never signed in to (no usable password), and the audit
trail names it like any other account."""

from __future__ import annotations

from django.db import transaction

from shequ.areas.models import Area

from .models import Grant, User
from .roles import Role

SYSTEM_USERNAME = "system-scheduler"


@transaction.atomic
def system_actor() -> User:
    """The system account, created on first use, with a grant over every top-level area (the loaded
    cities) so that a city added later is covered at the next run."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"display_name": "系统（定时任务）", "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    roots = Area.objects.filter(parent__isnull=True, is_active=True)
    have = set(user.grants.filter(role=Role.SYSTEM).values_list("area_id", flat=True))
    missing = [Grant(user=user, role=Role.SYSTEM, area=area) for area in roots if area.pk not in have]
    if missing:
        Grant.objects.bulk_create(missing)
        user.grants_cache = None
    return user
