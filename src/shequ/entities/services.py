"""Writes to the legal-entity register (法人)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Level
from shequ.areas.selectors import area_for_edit
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.identifiers import normalize_uscc
from shequ.lib.scoping import require_capability

from .models import LegalEntity

EDIT_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)


@transaction.atomic
def legal_entity_create(
    *, actor: User, area_code: str, name: str, uscc: str, kind: str, address: str = ""
) -> LegalEntity:
    """Register a company, social organisation, property company or O2O store (法人)."""
    require_capability(actor, Capability.REGISTRY_EDIT)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 150:
        errors["name"] = [_("Enter the name (at most 150 characters).")]
    try:
        uscc = normalize_uscc(uscc)
    except ValidationError as exc:
        errors["uscc"] = exc.messages
    if kind not in LegalEntity.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    try:
        area = area_for_edit(actor=actor, code=area_code, capability=Capability.REGISTRY_EDIT, levels=EDIT_LEVELS)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if len(address or "") > 200:
        errors["address"] = [_("The address has at most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entity = LegalEntity.objects.create(area=area, name=name, uscc=uscc, kind=kind, address=address or "")
    except IntegrityError:
        raise ValidationError({"uscc": _("An entity with this credit code is already registered.")}) from None
    record_event(actor=actor, action="entities.legal_entity_create", obj=entity)
    return entity
