"""The one way to read scoped data: ``Model.objects.visible_to(actor, capability)``.

A model that holds area data names the lookup from itself to its area's materialised path in
``area_path_lookup`` and uses a manager built from ``ScopedQuerySet``. A row is visible when its area
path lies under one of the paths where the actor holds the capability. Which paths those are is the
actor's own answer (``Actor.granted_paths``, implemented by the accounts app from its grants), so
the apps below accounts scope their reads without importing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404, HttpRequest

from .capabilities import Capability

if TYPE_CHECKING:
    # ``_User`` is django-stubs' name for the configured user model (settings.AUTH_USER_MODEL): a static
    # type only, so the apps below accounts can describe ``request.user`` without importing accounts.
    from django.contrib.auth.models import AnonymousUser, _User


@runtime_checkable
class Actor(Protocol):
    """Who acts: a signed-in account that can say where it holds a capability."""

    pk: Any
    is_active: bool

    def granted_paths(self, capability: str) -> list[str]:
        """The area paths (subtree roots) where the actor holds ``capability``, nested ones removed."""
        ...


class ActorHttpRequest(HttpRequest):
    """The request of a view behind sign-in (``login_required``, or the API's default session auth) in
    an app below accounts: its user is an account, which those apps pass on as an ``Actor``. Apps above
    accounts use ``accounts.http.AuthenticatedHttpRequest``, whose user is ``accounts.models.User``."""

    user: _User


def granted_paths(actor: Actor | AnonymousUser | None, capability: str) -> list[str]:
    """Where ``actor`` holds ``capability``; nowhere for the anonymous visitor and inactive accounts."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return []
    if not isinstance(actor, Actor):
        return []
    return actor.granted_paths(capability)


def has_capability(actor: Actor | AnonymousUser | None, capability: str) -> bool:
    return bool(granted_paths(actor, capability))


class CapabilityMissing(Http404):
    """The actor holds the capability nowhere: a page their role may never see. It is a 404 to the API
    and to every caller that catches ``Http404``; the site's error view shows it as "no permission"
    (403), since which pages a role has is no secret, while a row outside the area stays a plain 404."""


def require_capability(actor: Actor | AnonymousUser | None, capability: str) -> None:
    """Refuse an actor who holds the capability nowhere (``CapabilityMissing``): nothing to probe."""
    if not has_capability(actor, capability):
        raise CapabilityMissing


def paths_filter(lookup: str, paths: list[str]) -> models.Q:
    """Rows whose path (at ``lookup``) lies under one of ``paths``."""
    if not paths:
        return models.Q(pk__in=[])  # nowhere, never everywhere
    q = models.Q()
    for path in paths:
        q |= models.Q(**{f"{lookup}__startswith": path})
    return q


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that answers only what the actor may see."""

    default_capability: str = Capability.AREA_READ

    def visible_to(self, actor: Actor | AnonymousUser | None, capability: str | None = None) -> ScopedQuerySet[_M]:
        paths = granted_paths(actor, capability or self.default_capability)
        if not paths:
            return self.none()
        return self.filter(self.scope_filter(paths))

    @property
    def path_lookup(self) -> str:
        """The lookup from the model to its area's path, which the model names in ``area_path_lookup``."""
        lookup = getattr(self.model, "area_path_lookup", None)
        if not isinstance(lookup, str):
            raise ImproperlyConfigured(f"{self.model._meta.label} is scoped but names no area_path_lookup")
        return lookup

    def scope_filter(self, paths: list[str]) -> models.Q:
        return paths_filter(self.path_lookup, paths)

    def within(self, path: str) -> ScopedQuerySet[_M]:
        """Rows in the subtree of one area path (after ``visible_to``, to narrow to a chosen area)."""
        return self.filter(**{f"{self.path_lookup}__startswith": path})


def scoped_rows(model: type[_M]) -> ScopedQuerySet[_M]:
    """All rows of an area-scoped model, as a ``ScopedQuerySet`` (for code that is handed the model)."""
    rows = model._default_manager.all()
    if not isinstance(rows, ScopedQuerySet):
        raise TypeError(f"{model._meta.label} is not area-scoped")
    return rows


def get_visible_or_404(queryset: models.QuerySet[_M], **lookups: Any) -> _M:
    """The one row of an already scoped queryset that matches, or a 404 (never a 403: nothing to probe)."""
    row = queryset.filter(**lookups).first()
    if row is None:
        raise Http404
    return row
