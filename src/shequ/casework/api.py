"""The casework API (cases, queues, transitions)."""

from ninja import Router

router = Router(tags=["casework"])
