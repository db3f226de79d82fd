"""The periodic audit checkpoint (sent by the scheduler; see shequ.tasks)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="shequ.audit.checkpoint")
def checkpoint_task() -> None:
    from .services import ChainBroken, checkpoint_write

    try:
        checkpoint = checkpoint_write()
    except ChainBroken as broken:
        # The auditors have their alert; the log names the event, never its content.
        logger.error("audit chain broken at event #%s: no checkpoint written", broken.report.first_broken_id)
        return
    logger.info("audit checkpoint: %s events", checkpoint.count)
