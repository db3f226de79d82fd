"""Reads of the legal-entity register, scoped to the actor's area."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shequ.accounts.models import User
from shequ.lib.capabilities import Capability
from shequ.lib.identifiers import normalize_uscc

from .models import LegalEntity


def legal_entities(*, actor: User, query: str = "", kind: str = "") -> QuerySet[LegalEntity]:
    rows = LegalEntity.objects.visible_to(actor)
    query = (query or "").strip()[:60]
    if query:
        rows = rows.filter(Q(name__contains=query) | Q(uscc=query.upper()))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("area").order_by("name", "pk")


def legal_entity_by_uscc(*, actor: User, uscc: str) -> LegalEntity | None:
    """The entity with this credit code in the actor's area (a bad code raises ValidationError)."""
    return LegalEntity.objects.visible_to(actor, Capability.AREA_READ).filter(uscc=normalize_uscc(uscc)).first()
