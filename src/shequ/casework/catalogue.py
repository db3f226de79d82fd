"""The service catalogue (R7): its writes (seeding, the city administrator's edits, each a new version)
and reads, and the check of a submitted form against an item's form.

The catalogue is reference data, not area data: every staff role reads it; only a holder of
``REFERENCE_EDIT`` (the city administrator) changes it. An item's shapes (``ServiceItem`` docstring):

- ``form``: ``[{"name", "label", "type", "required", "choices"}]``, ``type`` in ``FIELD_TYPES``;
  ``choices`` only (and then non-empty) for ``choice``;
- ``materials``: ``[{"code", "name", "required"}]``.

Every change writes a ``ServiceItemVersion`` holding ``item_snapshot(item)``: a case keeps the version it
was filed under (``item_version``), and is judged by it whatever changes later.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, CapabilityMissing, has_capability, require_capability

from . import kinds
from .models import ITEM_CHANNELS, LimitUnitChoice, ServiceItem, ServiceItemVersion

SEED_PATH = Path(__file__).resolve().parent / "data" / "service_items.json"

FIELD_TYPES = ("text", "number", "date", "choice", "file", "household_member")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_CODES = frozenset({"new"})  # a page's address (/cases/catalogue/new/)
TEXT_MAX = 500  # characters of a text value in a submitted form
LABEL_MAX = 80
CHOICE_MAX = 80
TIME_LIMIT_MAX = 3650
FIELDS_MAX = 50
MATERIALS_MAX = 50

# What an item says, in the order a snapshot lists it. ``code`` and ``kind`` are fixed at creation.
CONTENT_FIELDS = (
    "name",
    "department",
    "legal_basis",
    "description",
    "materials",
    "form",
    "time_limit",
    "time_limit_unit",
    "channels",
    "one_open_per_applicant",
    "concerns_place",
    "open311_group",
    "is_active",
)
# Short values named with their old and new value in the audit event; the long ones by name only.
_AUDIT_VALUES = frozenset(
    {"name", "department", "time_limit", "time_limit_unit", "channels", "one_open_per_applicant", "is_active"}
)
_MAX_LENGTHS = {"name": 80, "department": 80, "open311_group": 40}
_LONG_TEXT_MAX = 4000  # legal basis, description


# --- reads ---------------------------------------------------------------------------------------------


def can_read(actor: Actor | Any) -> bool:
    """Every staff role that works with areas or cases reads the catalogue (it is no secret and holds no
    personal data); residents read their own offer through the portal."""
    return any(
        has_capability(actor, c) for c in (Capability.AREA_READ, Capability.CASE_READ, Capability.REFERENCE_EDIT)
    )


def require_read(actor: Actor | Any) -> None:
    if not can_read(actor):
        raise CapabilityMissing


def catalogue_items(*, include_inactive: bool = False) -> QuerySet[ServiceItem]:
    """The catalogue's items by code; retired ones only when asked."""
    rows = ServiceItem.objects.all()
    return rows if include_inactive else rows.filter(is_active=True)


def catalogue_item(code: str, *, include_inactive: bool = False) -> ServiceItem:
    """The item with this code; 404 when unknown or (unless asked) retired."""
    item = catalogue_items(include_inactive=include_inactive).filter(code=code).first()
    if item is None:
        raise Http404
    return item


def item_version(item: ServiceItem) -> ServiceItemVersion:
    """The item's current version: the one a case filed now is filed under."""
    return ServiceItemVersion.objects.get(item=item, version=item.version)


def item_versions(item: ServiceItem) -> QuerySet[ServiceItemVersion]:
    """Every version of an item, newest first, with who made it."""
    return item.versions.select_related("created_by").order_by("-version")


def item_snapshot(item: ServiceItem) -> dict[str, Any]:
    """What the item says, as JSON: the content of a ``ServiceItemVersion``."""
    snapshot: dict[str, Any] = {"code": item.code, "kind": item.kind, "version": item.version}
    for field in CONTENT_FIELDS:
        value = getattr(item, field)
        snapshot[field] = json.loads(json.dumps(value)) if isinstance(value, list | dict) else value
    return snapshot


def file_fields(form_spec: list[dict[str, Any]]) -> list[str]:
    """The names of a form's file fields: attachments, given with the case, not values of the form."""
    return [field["name"] for field in form_spec if field.get("type") == "file"]


# --- validation of an item ------------------------------------------------------------------------------


def _entry_label(position: int, lines: list[int] | None) -> str:
    """How a message names an entry of the form or the materials: its line on the edit page when the
    page says which lines they came from, else its position."""
    if lines is not None and position < len(lines):
        return _("line %(line)d") % {"line": lines[position]}
    return _("entry %(n)d") % {"n": position + 1}


def _at(where: str, message: str, **params: object) -> ValidationError:
    """A problem of one entry of the form or the materials, naming it."""
    return ValidationError(message % {"where": where, **params})


def _flag(value: object, what: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "no", "n", "否"):
        return False
    if value in (1, "1", "true", "yes", "y", "是"):
        return True
    raise _at(where, _("%(where)s: %(what)s is yes or no."), what=what)


def clean_form_spec(spec: object, *, lines: list[int] | None = None) -> list[dict[str, Any]]:
    """A form spec, checked and normalised (known keys only), or a ValidationError naming the entry."""
    if not isinstance(spec, list):
        raise ValidationError(_("The form is a list of fields."))
    if len(spec) > FIELDS_MAX:
        raise ValidationError(_("A form has at most %(n)d fields.") % {"n": FIELDS_MAX})
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, entry in enumerate(spec):
        where = _entry_label(position, lines)
        if not isinstance(entry, dict):
            raise ValidationError(
                _("%(where)s: a field is name, label, type and whether it is required.") % {"where": where}
            )
        name = str(entry.get("name") or "").strip()
        label = str(entry.get("label") or "").strip()
        kind = str(entry.get("type") or "").strip()
        if not NAME_PATTERN.match(name) or len(name) > 40:
            raise ValidationError(
                _(
                    "%(where)s: the field name “%(name)s” must start with a lower-case letter and hold only "
                    "lower-case letters, digits and underscores (at most 40)."
                )
                % {"where": where, "name": name}
            )
        if name in seen:
            raise ValidationError(
                _("%(where)s: the field name “%(name)s” is used twice.") % {"where": where, "name": name}
            )
        seen.add(name)
        if not label:
            raise _at(where, _("%(where)s: enter the field's label."))
        if len(label) > LABEL_MAX:
            raise ValidationError(
                _("%(where)s: the label has at most %(n)d characters.") % {"where": where, "n": LABEL_MAX}
            )
        if kind not in FIELD_TYPES:
            raise ValidationError(
                _("%(where)s: the type “%(type)s” is not one of %(types)s.")
                % {"where": where, "type": kind, "types": ", ".join(FIELD_TYPES)}
            )
        field: dict[str, Any] = {
            "name": name,
            "label": label,
            "type": kind,
            "required": _flag(entry.get("required", False), pgettext("catalogue", "required"), where),
        }
        raw_choices = entry.get("choices") or []
        if kind == "choice":
            if not isinstance(raw_choices, list):
                raise _at(where, _("%(where)s: the choices are a list."))
            choices = [str(c).strip() for c in raw_choices if str(c).strip()]
            if not choices:
                raise _at(where, _("%(where)s: a choice field needs its choices."))
            if len(set(choices)) != len(choices):
                raise _at(where, _("%(where)s: a choice is listed twice."))
            if any(len(c) > CHOICE_MAX for c in choices):
                raise ValidationError(
                    _("%(where)s: a choice has at most %(n)d characters.") % {"where": where, "n": CHOICE_MAX}
                )
            field["choices"] = choices
        elif raw_choices:
            raise _at(where, _("%(where)s: only a choice field has choices."))
        cleaned.append(field)
    return cleaned


def clean_materials_spec(spec: object, *, lines: list[int] | None = None) -> list[dict[str, Any]]:
    """A materials spec, checked and normalised, or a ValidationError naming the entry."""
    if not isinstance(spec, list):
        raise ValidationError(_("The materials are a list."))
    if len(spec) > MATERIALS_MAX:
        raise ValidationError(_("An item lists at most %(n)d materials.") % {"n": MATERIALS_MAX})
    cleaned: list[dict[str, Any]] = []
    codes: set[str] = set()
    names: set[str] = set()
    for position, entry in enumerate(spec):
        where = _entry_label(position, lines)
        if not isinstance(entry, dict):
            raise ValidationError(
                _("%(where)s: a material is a code, a name and whether it is required.") % {"where": where}
            )
        code = str(entry.get("code") or "").strip()
        name = str(entry.get("name") or "").strip()
        if not CODE_PATTERN.match(code) or len(code) > 40:
            raise ValidationError(
                _(
                    "%(where)s: the material code “%(code)s” must start with a lower-case letter and hold only "
                    "lower-case letters, digits and underscores (at most 40)."
                )
                % {"where": where, "code": code}
            )
        if code in codes:
            raise ValidationError(
                _("%(where)s: the material code “%(code)s” is used twice.") % {"where": where, "code": code}
            )
        if not name:
            raise _at(where, _("%(where)s: enter the material's name."))
        if len(name) > LABEL_MAX:
            raise ValidationError(
                _("%(where)s: the name has at most %(n)d characters.") % {"where": where, "n": LABEL_MAX}
            )
        if name in names:
            raise ValidationError(
                _("%(where)s: the material “%(name)s” is listed twice.") % {"where": where, "name": name}
            )
        codes.add(code)
        names.add(name)
        cleaned.append(
            {
                "code": code,
                "name": name,
                "required": _flag(entry.get("required", True), pgettext("catalogue", "required"), where),
            }
        )
    return cleaned


def clean_item(values: dict[str, Any]) -> dict[str, Any]:
    """Check an item's content (any subset of ``CONTENT_FIELDS``) and return it normalised; every problem
    at once, each on its field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, value in values.items():
        if field in ("name", "department", "open311_group", "legal_basis", "description"):
            text = str(value or "").strip()
            limit = _MAX_LENGTHS.get(field, _LONG_TEXT_MAX)
            if field in ("name", "department") and not text:
                fail(field, _("Enter the name.") if field == "name" else _("Enter the department."))
            elif len(text) > limit:
                fail(field, _("At most %(n)d characters.") % {"n": limit})
            else:
                cleaned[field] = text
        elif field == "time_limit":
            if isinstance(value, bool) or not isinstance(value, int | str):
                fail(field, _("The time limit is a whole number from 1 to %(max)d.") % {"max": TIME_LIMIT_MAX})
                continue
            try:
                number = int(value)
            except ValueError:
                number = 0
            if not 1 <= number <= TIME_LIMIT_MAX:
                fail(field, _("The time limit is a whole number from 1 to %(max)d.") % {"max": TIME_LIMIT_MAX})
            else:
                cleaned[field] = number
        elif field == "time_limit_unit":
            if value not in LimitUnitChoice.values:
                units = "、".join(str(label) for label in LimitUnitChoice.labels)
                fail(field, _("The unit is one of: %(units)s.") % {"units": units})
            else:
                cleaned[field] = str(value)
        elif field == "channels":
            if not isinstance(value, list | tuple) or not value:
                fail(field, _("Offer at least one channel."))
            elif any(c not in ITEM_CHANNELS for c in value):
                fail(field, _("A channel is online, proxy or door."))
            else:
                cleaned[field] = [c for c in ITEM_CHANNELS if c in value]  # fixed order, no repeats
        elif field in ("one_open_per_applicant", "concerns_place", "is_active"):
            if not isinstance(value, bool):
                fail(field, _("Yes or no."))
            else:
                cleaned[field] = value
        elif field == "form":
            try:
                cleaned[field] = clean_form_spec(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
        elif field == "materials":
            try:
                cleaned[field] = clean_materials_spec(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
        else:
            raise TypeError(f"a service item has no editable field {field!r}")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_whole(item: ServiceItem) -> None:
    """Rules across fields, on the item as it would be saved."""
    if item.concerns_place and any(f["type"] == "household_member" for f in item.form):
        raise ValidationError({"form": _("An item about a place has no household member field.")})
    if item.concerns_place and not item.open311_group:
        raise ValidationError({"open311_group": _("Name the Open311 group of an item about a place.")})


# --- writes ------------------------------------------------------------------------------------------------


def _write_version(item: ServiceItem, actor: User | None) -> ServiceItemVersion:
    return ServiceItemVersion.objects.create(
        item=item, version=item.version, snapshot=item_snapshot(item), created_by=actor
    )


@transaction.atomic
def catalogue_load(*, actor: User | None, path: Path = SEED_PATH) -> int:
    """Add the seed file's items that are missing, each with its version 1. Items already present keep the
    administrator's edits: the file seeds the catalogue, it does not overwrite it. Returns how many were
    added. A bad entry in the file is refused with its code, and nothing is added."""
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    added: list[str] = []
    for row in rows:
        code = str(row.get("code", ""))
        if code in existing:
            continue
        try:
            item = _build(code=code, kind=str(row.get("kind") or kinds.SERVICE.code), values=_content(row))
        except ValidationError as exc:
            raise ValidationError(f"{path.name}: {code}: {'; '.join(exc.messages)}") from exc
        item.save()
        _write_version(item, actor)
        existing.add(code)
        added.append(code)
    if added:
        record_event(actor=actor, action="casework.catalogue_load", data={"added": len(added)})
    return len(added)


def _content(row: dict[str, Any]) -> dict[str, Any]:
    return {field: row[field] for field in CONTENT_FIELDS if field in row}


def _build(*, code: str, kind: str, values: dict[str, Any]) -> ServiceItem:
    if not CODE_PATTERN.match(code) or len(code) > 40 or code in RESERVED_CODES:
        message = _("The code starts with a lower-case letter and holds only lower-case letters, digits, underscores.")
        raise ValidationError({"code": message})
    try:
        kinds.get(kind)
    except LookupError:
        raise ValidationError({"kind": _("Unknown case kind.")}) from None
    for required, empty in (("name", ""), ("department", ""), ("time_limit", ""), ("channels", [])):
        values.setdefault(required, empty)
    cleaned = clean_item(values)
    item = ServiceItem(code=code, kind=kind, version=1, **cleaned)
    _check_whole(item)
    return item


@transaction.atomic
def item_create(*, actor: User, code: str, kind: str = kinds.SERVICE.code, **values: Any) -> ServiceItem:
    """A city administrator adds an item to the catalogue (its version 1)."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    code = code.strip()
    item = _build(code=code, kind=kind, values=dict(values))
    if ServiceItem.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An item with this code exists already.")})
    item.save()
    _write_version(item, actor)
    record_event(actor=actor, action="casework.item_create", obj=item, data={"code": code, "version": 1})
    return item


@transaction.atomic
def item_update(*, actor: User, code: str, **changes: Any) -> ServiceItem:
    """A city administrator edits an item (``CONTENT_FIELDS``; ``None`` leaves a field as it is). A change
    makes a new version; the earlier versions stay as they were, with the cases filed under them."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    item = ServiceItem.objects.select_for_update().filter(code=code).first()
    if item is None:
        raise Http404
    cleaned = clean_item({field: value for field, value in changes.items() if value is not None})
    changed: dict[str, Any] = {}
    fields: list[str] = []
    for field, value in cleaned.items():
        old = getattr(item, field)
        if old != value:
            fields.append(field)
            if field in _AUDIT_VALUES:
                changed[field] = [old, value]
            setattr(item, field, value)
    if not fields:
        return item
    _check_whole(item)
    item.version += 1
    item.save()
    _write_version(item, actor)
    record_event(
        actor=actor,
        action="casework.item_update",
        obj=item,
        data={"code": code, "version": item.version, "fields": fields, "changed": changed},
    )
    return item


# --- a submitted form -------------------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(value: object) -> int | float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError
        return int(value) if value.is_integer() else value
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise ValueError
    return int(number) if number == number.to_integral_value() else float(number)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def form_validate(
    form_spec: list[dict[str, Any]], values: dict[str, Any], household_member_ids: set[int]
) -> dict[str, Any]:
    """Check the values submitted for a form (``form_spec`` of an item's version) and return them cleaned
    (JSON-able: text, int or float, "YYYY-MM-DD", the choice, a person's id). Every problem is reported at
    once, one message per field, keyed by the field's name and naming its label. Values of fields the
    form does not have are dropped. File fields are attachments, checked by the case code
    (``file_fields``), and skipped here."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field in form_spec:
        name, label, kind = field["name"], field["label"], field["type"]
        if kind == "file":
            continue
        raw = values.get(name)
        if _is_blank(raw):
            if field.get("required"):
                errors[name] = _("%(label)s: this field is required.") % {"label": label}
            continue
        if kind == "text":
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                errors[name] = _("%(label)s: enter text.") % {"label": label}
                continue
            text = str(raw).strip()
            if len(text) > TEXT_MAX:
                errors[name] = _("%(label)s: at most %(n)d characters.") % {"label": label, "n": TEXT_MAX}
            else:
                cleaned[name] = text
        elif kind == "number":
            try:
                cleaned[name] = _number(raw)
            except ValueError:
                errors[name] = _("%(label)s: enter a number.") % {"label": label}
        elif kind == "date":
            if isinstance(raw, date):
                cleaned[name] = raw.isoformat()
                continue
            text = str(raw).strip()
            try:
                if not _DATE.match(text):
                    raise ValueError
                cleaned[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                errors[name] = _("%(label)s: enter a date as YYYY-MM-DD.") % {"label": label}
        elif kind == "choice":
            text = str(raw).strip()
            if text not in field.get("choices", []):
                errors[name] = _("%(label)s: choose one of %(choices)s.") % {
                    "label": label,
                    "choices": "、".join(field.get("choices", [])),
                }
            else:
                cleaned[name] = text
        elif kind == "household_member":
            try:
                if isinstance(raw, bool):
                    raise ValueError
                person = int(str(raw).strip())
            except ValueError:
                person = None
            if person is None or person not in household_member_ids:
                errors[name] = _("%(label)s: choose a member of the household.") % {"label": label}
            else:
                cleaned[name] = person
        else:
            errors[name] = _("%(label)s: this field's type is unknown.") % {"label": label}
    if errors:
        raise ValidationError(errors)
    return cleaned
