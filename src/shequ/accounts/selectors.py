"""Reads of accounts: the caller's own, and (for a system administrator) the accounts they manage."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from shequ.areas.models import Area
from shequ.lib.scoping import get_visible_or_404, require_capability

from .models import Grant, GrantRequest, User
from .roles import Capability


def my_grants(*, actor: User) -> list[Grant]:
    return list(actor.grants.select_related("area").order_by("area__level", "role"))


def managed_accounts(*, actor: User) -> QuerySet[User]:
    """Accounts whose home area or any grant lies in the administrator's tree, and accounts that have
    neither yet. Carries no personal data: identity numbers and phones are not selected."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    areas = Area.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE)
    granted_here = Grant.objects.filter(user=OuterRef("pk"), area__in=areas)
    any_grant = Grant.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.annotate(granted_here=Exists(granted_here), any_grant=Exists(any_grant))
        .filter(Q(home_area__in=areas) | Q(granted_here=True) | Q(home_area__isnull=True, any_grant=False))
        .defer("id_number", "phone")
        .prefetch_related("grants__area")
        .order_by("username")
    )


def managed_account(*, actor: User, user_id: int) -> User:
    return get_visible_or_404(managed_accounts(actor=actor), pk=user_id)


def pending_grant_requests(*, actor: User, user_id: int | None = None) -> QuerySet[GrantRequest]:
    """Grants waiting for a second administrator, over areas and accounts the administrator manages
    (including the ones they asked for, which they may withdraw)."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    requests = GrantRequest.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE).filter(
        state=GrantRequest.State.PENDING, user__in=managed_accounts(actor=actor).values("pk")
    )
    if user_id is not None:
        requests = requests.filter(user_id=user_id)
    return requests.select_related("user", "area", "requested_by").order_by("requested_at", "pk")
