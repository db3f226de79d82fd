from __future__ import annotations

from django.db.models import QuerySet
from ninja import Router, Schema

from shequ.lib.scoping import ActorHttpRequest

from . import selectors
from .models import RevealReason

router = Router(tags=["privacy"])


class RevealReasonOut(Schema):
    code: str
    name: str


@router.get("/reveal-reasons", response=list[RevealReasonOut], operation_id="reveal_reasons_list")
def reveal_reasons_list(request: ActorHttpRequest) -> QuerySet[RevealReason]:
    """The categories a reveal may name (``category`` of a reveal), in their order; the active ones only."""
    return selectors.reveal_reasons()
