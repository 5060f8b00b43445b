"""Celery tasks of the snapshots: thin wrappers of ``portfolio.snapshots``.

Every task is acknowledged late. If its worker process dies mid-task, the task is
sent again (``retry_on_worker_lost``, a few seconds later, counted against its
retries so a task that kills every worker cannot loop forever); a batch is one
transaction, so the killed run committed nothing and the new one starts over.
Database and broker hiccups are retried a bounded number of times with
exponential backoff, and every task has a time limit.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import group, shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portfolio import snapshots
from portfolio.models import SnapshotQueue

logger = logging.getLogger(__name__)

# Lost connections, "database is locked", deadlocks, serialisation failures, a
# broker that is briefly away: worth another try. Anything else is a bug to see.
TRANSIENT = (OperationalError, InterfaceError, BrokerError)
MAX_RETRIES = 5
COMMON = {
    "bind": True,
    "acks_late": True,
    "retry_on_worker_lost": True,
    "default_retry_delay": 3,  # after a lost worker
    # Once the retries are spent, a lost worker still requeues rather than drops it.
    "reject_on_worker_lost": True,
    "max_retries": MAX_RETRIES,
}


def _backoff(retries: int) -> int:
    """5 s, 10 s, 20 s, 40 s, 80 s."""
    return min(5 * 2**retries, 300)


@shared_task(name="snapshots.recompute_user", soft_time_limit=60, time_limit=90, **COMMON)
def recompute_user(self, user_id: int, version: int) -> int | None:
    """The debounced recompute after ``user_id`` changed their data (see ``mark_dirty``)."""
    try:
        result = snapshots.recompute_dirty(user_id=user_id, version=version)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    if result is None:
        return None
    logger.info(
        "Recomputed snapshots of user %s (version %s): %s rows",
        user_id,
        version,
        result.rows_written,
    )
    return result.rows_written


@shared_task(name="snapshots.recompute_batch", soft_time_limit=300, time_limit=360, **COMMON)
def recompute_batch(self, user_ids: list[int], since: str | None = None) -> int:
    """Recompute every month of a batch of users (from ``since``, "YYYY-MM-DD", if given)."""
    try:
        result = snapshots.snapshots_recompute(
            user_ids=user_ids, since=None if since is None else date.fromisoformat(since)
        )
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    logger.info(
        "Recomputed snapshots of %s users: %s rows written, %s deleted",
        result.users,
        result.rows_written,
        result.rows_deleted,
    )
    return result.rows_written


@shared_task(name="snapshots.recompute_all", soft_time_limit=120, time_limit=180, **COMMON)
def recompute_all(self, batch_size: int = snapshots.BATCH_SIZE) -> int:
    """Nightly: fan every active user out in batches, so more workers finish sooner.

    As days pass only the last two months move (the current month's balances, and
    last month's closing once a month ends): older months change only with the
    data, and every change leaves a marker. So the batches start at last month,
    and users whose marker is older (their debounced task was lost) get theirs
    from the marked month. Redelivered after a crash it sends the batches again,
    which is harmless: a recompute is idempotent.
    """
    since = snapshots.month_start(snapshots.month_start(timezone.now().date()) - timedelta(days=1))
    ids = list(
        get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    lost = SnapshotQueue.objects.filter(dirty_since__lt=since, user__is_active=True)
    try:
        group(
            [
                *(
                    recompute_batch.si(list(chunk), since.isoformat())
                    for chunk in snapshots.batches(ids, batch_size)
                ),
                *(
                    recompute_batch.si([user_id], dirty_since.isoformat())
                    for user_id, dirty_since in lost.values_list("user_id", "dirty_since")
                ),
            ]
        ).apply_async()
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return len(ids)
