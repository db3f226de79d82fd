"""Reads of the privacy app's own reference data (the reveal-reason categories: city-wide, not scoped)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import RevealReason


def reveal_reasons(*, active_only: bool = True) -> QuerySet[RevealReason]:
    """The categories a reveal may name, in their order; with ``active_only=False`` the retired ones
    too (the page that edits the list)."""
    reasons = RevealReason.objects.all()
    return reasons.filter(active=True) if active_only else reasons
