"""The audit trail in words: who (name and roles), did what (the catalogue), to what (the object's name),
where (the area's names), and the details as labelled values.

The trail sits below accounts and areas in the layers (it outlives both), so the names are read through
the app registry (``apps.get_model``, ``get_user_model``) rather than by importing those apps. Identity
numbers and phones are never read here: an object is named by its ``name`` (or an account's display
name), which auditors may see.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shequ.lib.masking import escape_spreadsheet_cell

from . import catalogue
from .models import Alert, AuditEvent
from .selectors import area_labels

NAME_FIELDS = ("name", "display_name", "username")  # the first one an object has names it


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    actor: str  # "张三 (zhangsan)", or "" for the system
    roles: str
    action: str  # the description, or "" when the catalogue does not know the code
    object: str
    area: str
    details: list[tuple[str, str]]

    @property
    def action_text(self) -> str:
        return self.action or f"{_('Other action')} ({self.event.action})"


def _account_label(user: Any) -> str:
    return f"{user.display_name} ({user.username})" if getattr(user, "display_name", "") else user.username


def _actors(ids: set[int]) -> dict[int, tuple[str, str]]:
    """Each account's label and its roles (distinct, in words)."""
    users = get_user_model().objects.filter(pk__in=ids).prefetch_related("grants")
    found = {}
    for user in users:
        roles = sorted({grant.get_role_display() for grant in user.grants.all()})
        found[user.pk] = (_account_label(user), "、".join(roles))
    return found


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _name_of(obj: models.Model) -> str:
    if isinstance(obj, get_user_model()):
        return _account_label(obj)
    for field in NAME_FIELDS:
        value = getattr(obj, field, "")
        if isinstance(value, str) and value:
            return value
    return ""


def _objects(keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each object as its kind and name ("resident 张三"), or its kind and number when it has no name or
    is gone. One query per model."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in keys:
        by_type[object_type].add(object_id)
    labels = {}
    for object_type, ids in by_type.items():
        model = _model(object_type)
        kind = str(model._meta.verbose_name) if model is not None else object_type
        names: dict[str, str] = {}
        if model is not None:
            try:
                names = {str(obj.pk): _name_of(obj) for obj in model._default_manager.filter(pk__in=list(ids))}
            except (ValueError, TypeError):  # an id that is not this model's key
                names = {}
        for object_id in ids:
            name = names.get(object_id, "")
            labels[(object_type, object_id)] = f"{kind} {name}" if name else f"{kind} #{object_id}"
    return labels


def _choice_labels(label: str, field: str) -> dict[str, str]:
    model = _model(label)
    return {str(k): str(v) for k, v in model._meta.get_field(field).choices or []} if model else {}  # type: ignore[union-attr]


def _code_names(label: str) -> dict[str, str]:
    model = _model(label)
    return dict(model._default_manager.values_list("code", "name")) if model else {}


class _Values:
    """Turns the values of ``data`` into words: accounts and residents by name, roles, groups and reason
    categories by their names, yes and no. Each lookup runs once per page."""

    def __init__(self, data: Sequence[dict[str, Any]]) -> None:
        users = {each.get("user") for each in data}
        people = {each.get("person") for each in data}
        self.users = {u.pk: _account_label(u) for u in get_user_model().objects.filter(pk__in=_ints(users))}
        person = _model("residents.person")
        self.people = (
            dict(person._default_manager.filter(pk__in=_ints(people)).values_list("pk", "name")) if person else {}
        )
        self.roles = _choice_labels("accounts.grant", "role")
        self.alert_kinds = _choice_labels("audit.alert", "kind")
        self.tags = _code_names("reference.tagtype")
        self.categories = _code_names("privacy.revealreason")

    def text(self, key: str, value: object) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return "、".join(self.text(key, each) for each in value)
        if isinstance(value, dict):
            return "；".join(f"{self.key(k)}：{self.text(k, v)}" for k, v in value.items())
        table = {
            "user": self.users,
            "person": self.people,
            "role": self.roles,
            "tag": self.tags,
            "category": self.categories,
            "kind": self.alert_kinds,
        }.get(key)
        if table is not None and value in table:
            return str(table[value])
        fixed = catalogue.VALUES.get(str(value))
        return str(fixed) if fixed is not None else str(value)

    @staticmethod
    def key(key: str) -> str:
        label = catalogue.DATA_KEYS.get(key)
        return str(label) if label is not None else key

    def details(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        return [(self.key(k), self.text(k, v)) for k, v in data.items() if k not in catalogue.HIDDEN_KEYS]


def _data(row: AuditEvent | Alert) -> dict[str, Any]:
    return row.data if isinstance(row.data, dict) else {}


def _ints(values: Iterable[object]) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def readable(events: Sequence[AuditEvent]) -> list[ReadableEvent]:
    """The events in words, with a fixed number of queries whatever their number."""
    actors = _actors({e.actor_id for e in events if e.actor_id is not None})
    objects = _objects({(e.object_type, e.object_id) for e in events if e.object_type and e.object_id})
    areas = area_labels(e.area_path for e in events)
    values = _Values([_data(e) for e in events])
    rows = []
    for e in events:
        actor, roles = actors.get(e.actor_id, ("", "")) if e.actor_id is not None else ("", "")
        rows.append(
            ReadableEvent(
                event=e,
                actor=actor,
                roles=roles,
                action=catalogue.action_label(e.action),
                object=objects.get((e.object_type, e.object_id), ""),
                area=areas.get(e.area_path, ""),
                details=values.details(_data(e)),
            )
        )
    return rows


@dataclass(frozen=True)
class ReadableAlert:
    alert: Alert
    actor: str
    acknowledged_by: str
    area: str
    details: list[tuple[str, str]]


def readable_alerts(alerts: Sequence[Alert]) -> list[ReadableAlert]:
    """The alerts in words, like the events."""
    ids = {a.actor_id for a in alerts} | {a.acknowledged_by_id for a in alerts}
    actors = _actors({pk for pk in ids if pk is not None})
    areas = area_labels(a.area_path for a in alerts)
    values = _Values([_data(a) for a in alerts])
    return [
        ReadableAlert(
            alert=a,
            actor=actors.get(a.actor_id, ("", ""))[0] if a.actor_id else "",
            acknowledged_by=actors.get(a.acknowledged_by_id, ("", ""))[0] if a.acknowledged_by_id else "",
            area=areas.get(a.area_path, ""),
            details=values.details(_data(a)),
        )
        for a in alerts
    ]


EXPORT_HEADERS = [
    *("编号", "时间", "操作人", "角色", "操作", "操作代码"),
    *("对象", "区域", "区域代码", "IP", "请求号", "详情"),
]


def workbook(events: Sequence[AuditEvent]) -> bytes:
    """The events as an .xlsx, in words like the page; cells a spreadsheet would run are escaped."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(EXPORT_HEADERS)
    for row in readable(events):
        e = row.event
        cells = [
            e.pk,
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            row.actor or _("System"),
            row.roles,
            row.action_text,
            e.action,
            row.object,
            row.area,
            e.area_code,
            e.ip or "",
            e.request_id,
            "；".join(f"{k}：{v}" for k, v in row.details),
        ]
        sheet.append([escape_spreadsheet_cell(c) for c in cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
