"""Which parts of the area tree an actor may act on, from their grants."""

from __future__ import annotations

from django.http import Http404


def _grants(actor):
    # Cached on the user object for the length of one request: every selector asks.
    cached = getattr(actor, "_shequ_grants", None)
    if cached is None:
        cached = list(actor.grants.select_related("area").filter(area__is_active=True))
        actor._shequ_grants = cached
    return cached


def granted_paths(actor, capability: str) -> list[str]:
    """The area paths (subtree roots) where the actor holds ``capability``, nested ones removed."""
    from .roles import CAPABILITIES

    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    paths = sorted(
        {g.area.path for g in _grants(actor) if capability in CAPABILITIES.get(g.role, ())}
    )
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def has_capability(actor, capability: str) -> bool:
    return bool(granted_paths(actor, capability))


def require_capability(actor, capability: str) -> None:
    """Refuse, as a 404, an actor who holds the capability nowhere: nothing to probe."""
    if not has_capability(actor, capability):
        raise Http404


def forget_grants(actor) -> None:
    if hasattr(actor, "_shequ_grants"):
        del actor._shequ_grants
