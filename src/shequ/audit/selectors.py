from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, granted_paths

from .models import Alert, AuditEvent


def audit_events(
    *,
    actor: Actor,
    action: str = "",
    person: str = "",
    area_path: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail of the auditor's area, newest first. ``action`` is a code, or a prefix ending in
    a dot (a whole group); ``person`` an account's user name or part of its display name; ``area_path``
    an area's subtree; ``since`` and ``until`` days (both included, in the site's time zone)."""
    events = AuditEvent.objects.visible_to(actor).order_by("-id")
    action = action[:64]
    if action.endswith("."):
        events = events.filter(action__startswith=action)
    elif action:
        events = events.filter(action=action)
    if person:
        accounts = get_user_model().objects.filter(Q(username__iexact=person) | Q(display_name__icontains=person))
        events = events.filter(actor__in=accounts.values("pk"))
    if area_path:
        events = events.filter(area_path__startswith=area_path)
    if since:
        events = events.filter(at__gte=_start_of(since))
    if until:
        events = events.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return events


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_area_path(*, actor: Actor, code: str) -> str | None:
    """The path of an area the auditor reads, by its code; None when there is none in reach (an unknown
    code and one outside the auditor's area are the same answer)."""
    path = apps.get_model("areas", "Area").objects.filter(code=code).values_list("path", flat=True).first()
    if path is None or not any(str(path).startswith(p) for p in granted_paths(actor, Capability.AUDIT_READ)):
        return None
    return str(path)


def area_labels(paths: Iterable[str]) -> dict[str, str]:
    """Each area path in words, from the district down ("和平区 › 南市场街道 › 八经社区 › 第1网格"): the
    names of every code on the path, in one query. The trail sits below the area tree, so names are read
    through the app registry; pages above reuse this to tell apart areas that share a name."""
    paths = {p for p in paths if p}
    codes = {code for path in paths for code in path.strip("/").split("/")}
    names = dict(apps.get_model("areas", "Area").objects.filter(code__in=codes).values_list("code", "name"))
    labels = {}
    for path in paths:
        chain = path.strip("/").split("/")
        shown = chain[1:] if len(chain) > 1 else chain  # the city is the same on every row
        labels[path] = " › ".join(names.get(code, code) for code in shown)
    return labels


def alerts(*, actor: Actor) -> QuerySet[Alert]:
    """The alerts of the auditor's area: open ones first, each group newest first."""
    is_open = ExpressionWrapper(Q(acknowledged_at__isnull=True), output_field=BooleanField())
    return Alert.objects.visible_to(actor).annotate(is_open=is_open).order_by("-is_open", "-id")
