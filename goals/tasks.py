"""Thin Celery tasks of the goals app."""

from __future__ import annotations

import logging
from datetime import date

from celery import group, shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from goals import email_jobs
from goals.emails import TransientSendError
from goals.services import goals_close_finished_years
from portfolio.snapshots import batches

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def close_finished_years() -> int:
    """Hourly: close the goals whose year has ended in their owner's time zone.

    Each time zone reaches 1 January in a different hour, hence the hourly sweep;
    closing is conditional on the goal being open, so repeats change nothing.
    """
    return goals_close_finished_years(now=timezone.now())


# --- Progress e-mails (SPEC §8): see goals.email_jobs and goals.emails -------------------

# The SMTP server away or saying 4xx, the database or the broker briefly away.
EMAIL_TRANSIENT = (TransientSendError, OperationalError, InterfaceError, BrokerError)
# 1, 2, 4 ... 128 minutes with the default EMAIL_RETRY_SECONDS=60: over four hours in
# all; after that the hourly job picks up what is still deferred.
EMAIL_MAX_RETRIES = 8
EMAIL_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": EMAIL_MAX_RETRIES,
    # Shorter than goals.emails.STALE_AFTER: a claim older than that is a dead worker's.
    "soft_time_limit": 8 * 60,
    "time_limit": 10 * 60,
}


def email_backoff(retries: int) -> int:
    return min(settings.EMAIL_RETRY_SECONDS * 2**retries, 4 * 60 * 60)


@shared_task(name="emails.dispatch_due", **EMAIL_TASK)
def dispatch_due_emails(self) -> int:
    """Hourly: fan out the month-start e-mails due now, and milestones whose task was lost.

    Sending twice is impossible whatever runs twice (a second beat, a redelivery):
    every e-mail is claimed in the database before it goes.
    """
    now = timezone.now()
    try:
        due = email_jobs.due_month_start(now)
        signatures = [
            send_month_start_emails.si(batch, email_jobs.month_period(month))
            for month, ids in due.items()
            for batch in batches(ids, email_jobs.BATCH_SIZE)
        ]
        milestone_ids = email_jobs.due_milestone_users(now)
        signatures += [
            send_milestone_emails_batch.si(batch)
            for batch in batches(milestone_ids, email_jobs.BATCH_SIZE)
        ]
        if signatures:
            group(signatures).apply_async()
    except EMAIL_TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=email_backoff(self.request.retries)) from exc
    users = sum(len(ids) for ids in due.values())
    logger.info(
        "E-mails due: %s users at month start, %s with milestones", users, len(milestone_ids)
    )
    return users + len(milestone_ids)


@shared_task(name="emails.send_month_start", **EMAIL_TASK)
def send_month_start_emails(self, user_ids: list[int], period: str) -> int:
    """Monthly progress, log reminder and new-year invitation about ``period`` ("2026-01")."""
    try:
        report = email_jobs.emails_send_month_start(
            user_ids=user_ids, month=date.fromisoformat(f"{period}-01")
        )
    except EMAIL_TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=email_backoff(self.request.retries)) from exc
    return report.sent


@shared_task(name="emails.send_milestones_batch", **EMAIL_TASK)
def send_milestone_emails_batch(self, user_ids: list[int]) -> int:
    """E-mail the milestones of these users not e-mailed yet, each exactly once."""
    try:
        report = email_jobs.emails_send_milestones(user_ids=user_ids, now=timezone.now())
    except EMAIL_TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=email_backoff(self.request.retries)) from exc
    return report.sent


@shared_task(name="emails.send_milestones", **EMAIL_TASK)
def send_milestone_emails(self, user_id: int) -> int:
    """E-mail one user's new milestones; queue it with ``transaction.on_commit`` after recording.

    ``transaction.on_commit(lambda: send_milestone_emails.delay(user.pk))``
    """
    try:
        report = email_jobs.emails_send_milestones(user_ids=[user_id], now=timezone.now())
    except EMAIL_TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=email_backoff(self.request.retries)) from exc
    return report.sent
