"""Celery tasks of the snapshots: thin wrappers of ``portfolio.snapshots``.

Every task is a ``config.tasks.RetryingTask``: acknowledged late, so a task whose
worker process dies mid-task is sent again (a batch is one transaction, so the
killed run committed nothing and the new one starts over); database and broker
hiccups retried a bounded number of times with exponential backoff; and every
task has a time limit.
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.error import URLError

from celery import group, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.tasks import TRANSIENT, RetryingTask
from portfolio import months, rates, snapshots
from portfolio.batches import batches
from portfolio.models import SnapshotQueue

logger = logging.getLogger(__name__)

MAX_RETRIES = RetryingTask.max_retries


@shared_task(
    name="snapshots.recompute_user", base=RetryingTask, bind=True, soft_time_limit=60, time_limit=90
)
def recompute_user(self, user_id: int, version: int) -> int | None:
    """The debounced recompute after ``user_id`` changed their data (see ``mark_dirty``)."""
    result = snapshots.recompute_dirty(user_id=user_id, version=version)
    if result is None:
        return None
    logger.info(
        "Recomputed snapshots of user %s (version %s): %s rows",
        user_id,
        version,
        result.rows_written,
    )
    return result.rows_written


@shared_task(
    name="snapshots.recompute_batch",
    base=RetryingTask,
    bind=True,
    soft_time_limit=300,
    time_limit=360,
)
def recompute_batch(self, user_ids: list[int], since: str | None = None) -> int:
    """Recompute every month of a batch of users (from ``since``, "YYYY-MM-DD", if given).

    A user whose figures cannot be computed is logged and left out; the others'
    snapshots are written (``snapshots.snapshots_recompute_batch``).
    """
    result = snapshots.snapshots_recompute_batch(
        user_ids=user_ids, since=None if since is None else date.fromisoformat(since)
    )
    logger.info(
        "Recomputed snapshots of %s users: %s rows written, %s deleted, %s users failed",
        result.users,
        result.rows_written,
        result.rows_deleted,
        len(result.failed),
    )
    return result.rows_written


@shared_task(
    name="snapshots.recompute_all",
    base=RetryingTask,
    bind=True,
    soft_time_limit=120,
    time_limit=180,
)
def recompute_all(self, batch_size: int = snapshots.BATCH_SIZE) -> int:
    """Nightly: fan every active user out in batches, so more workers finish sooner.

    As days pass only the last two months move (the current month's balances, and
    last month's closing once a month ends): older months change only with the
    data, and every change leaves a marker. So the batches start at last month,
    and users whose marker is older (their debounced task was lost) get theirs
    from the marked month. Redelivered after a crash it sends the batches again,
    which is harmless: a recompute is idempotent.
    """
    since = months.add_months(timezone.now().date(), -1)
    ids = list(
        get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    lost = SnapshotQueue.objects.filter(dirty_since__lt=since, user__is_active=True)
    group(
        [
            *(
                recompute_batch.si(list(chunk), since.isoformat())
                for chunk in batches(ids, batch_size)
            ),
            *(
                recompute_batch.si([user_id], dirty_since.isoformat())
                for user_id, dirty_since in lost.values_list("user_id", "dirty_since")
            ),
        ]
    ).apply_async()
    return len(ids)


# Markers re-sent per run at most: a long outage is caught up over a few runs (and
# by the nightly job), never in one burst that floods the queue.
SWEEP_LIMIT = 1000


@shared_task(
    name="snapshots.sweep_stale_markers",
    base=RetryingTask,
    bind=True,
    soft_time_limit=60,
    time_limit=90,
)
def sweep_stale_markers(self, limit: int = SWEEP_LIMIT) -> int:
    """Every five minutes: re-send the recompute of markers whose task was lost.

    A task is lost when the broker was down as the change was saved (publishing
    gives up fast, see ``snapshots.enqueue``). A marker older than
    ``snapshots.STALE_AFTER`` gets ``recompute_user`` with its current version, at
    once; a task that was only late is harmless to repeat: the first to run clears
    the marker and the other finds nothing to do.
    """
    sent = 0
    for user_id, version in snapshots.stale_markers().values_list("user_id", "version")[:limit]:
        if snapshots.enqueue(user_id, version, countdown=0):
            sent += 1
    if sent:
        logger.info("Re-sent the snapshot recompute of %s users with stale markers", sent)
    return sent


@shared_task(
    name="rates.refresh",
    base=RetryingTask,
    bind=True,
    soft_time_limit=120,
    time_limit=180,
    # The ECB's server unreachable (offline, a timeout): tried again with backoff;
    # once the retries are spent, tomorrow's run fetches the days missed.
    transient=(*TRANSIENT, URLError, TimeoutError),
)
def refresh_rates(self) -> int:
    """Daily: the ECB's new reference rates, and the recompute of the owners they concern."""
    if not settings.FX_RATES_URL:
        logger.info("FX_RATES_URL is empty: exchange rates are not refreshed")
        return 0
    result = rates.rates_refresh(settings.FX_RATES_URL)
    if result.first_new:
        logger.info(
            "New exchange rates of %s currencies from %s; snapshots of %s owners marked",
            len(result.first_new),
            min(result.first_new.values()),
            result.owners_marked,
        )
    return len(result.first_new)
