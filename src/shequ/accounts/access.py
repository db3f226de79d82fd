"""Where an account holds each capability, from its grants: the accounts side of ``lib.scoping``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Grant, User


def _grants(user: User) -> list[Grant]:
    # Cached on the user object for the length of one request: every selector asks.
    if user.grants_cache is None:
        user.grants_cache = list(user.grants.select_related("area").filter(area__is_active=True))
    return user.grants_cache


def granted_paths(user: User, capability: str) -> list[str]:
    """The area paths (subtree roots) where the user holds ``capability``, nested ones removed."""
    from .roles import CAPABILITIES

    if not user.is_active:
        return []
    paths = sorted({g.area.path for g in _grants(user) if capability in CAPABILITIES.get(g.role, ())})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def roles_of(user: User) -> set[str]:
    """The roles the user holds anywhere (from the same per-request cache)."""
    return {g.role for g in _grants(user)} if user.is_active else set()


def forget_grants(user: User) -> None:
    user.grants_cache = None


def grants_holding(user: User, capability: str) -> list[Grant]:
    """The user's grants that carry ``capability`` (for rules that look at more than the area: a
    programme officer's grant names its programme)."""
    from .roles import CAPABILITIES

    if not user.is_active:
        return []
    return [g for g in _grants(user) if capability in CAPABILITIES.get(g.role, ())]
