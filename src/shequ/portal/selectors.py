"""Reads of the portal's sign-in: whether a phone belongs to someone who may sign in, and whether an
account is a resident's. No actor: the visitor is not signed in yet; nothing read here is shown."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from shequ.accounts.models import Grant, User
from shequ.accounts.roles import Role
from shequ.residents.models import Person, PersonStatus


def phone_known(*, phone_index: str) -> bool:
    """Someone living here (active in the pool) or an active resident account has this number."""
    return (
        User.objects.filter(phone_index=phone_index, is_active=True, grants__role=Role.RESIDENT).exists()
        or Person.objects.filter(phone_index=phone_index, status=PersonStatus.ACTIVE).exists()
    )


def resident_accounts(*, phone_index: str) -> list[User]:
    """The resident accounts with this number, active ones first."""
    accounts = User.objects.filter(phone_index=phone_index, grants__role=Role.RESIDENT).distinct()
    return sorted(accounts, key=lambda u: (not u.is_active, u.pk))


def is_resident(user: User | AnonymousUser) -> bool:
    """The account holds a resident grant (the portal is theirs)."""
    return bool(user.is_authenticated and Grant.objects.filter(user_id=user.pk, role=Role.RESIDENT).exists())
