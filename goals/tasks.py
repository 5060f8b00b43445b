"""Thin Celery tasks of the goals app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from config.tasks import RetryingTask
from goals.services import goals_close_finished_years

logger = logging.getLogger(__name__)


@shared_task(
    base=RetryingTask,
    bind=True,
    # Any database error: the next hourly run would retry it anyway.
    transient=(DatabaseError,),
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def close_finished_years(self) -> int:
    """Hourly: close the goals whose year has ended in their owner's time zone.

    Each time zone reaches 1 January in a different hour, hence the hourly sweep;
    closing is conditional on the goal being open, so repeats change nothing.
    Returns the number closed; owners that failed are logged (and tried next hour).
    """
    result = goals_close_finished_years(now=timezone.now())
    if result.failed:
        logger.warning(
            "Year-end close: %s goals closed, %s owners failed", result.closed, result.failed
        )
    return result.closed
