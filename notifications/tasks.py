"""Thin Celery tasks of the e-mails: see ``notifications.jobs`` and ``notifications.emails``."""

from __future__ import annotations

import logging

from celery import group, shared_task
from django.conf import settings
from django.utils import timezone

from config.tasks import TRANSIENT, RetryingTask
from notifications import household_emails, jobs
from notifications.emails import TransientSendError
from portfolio.batches import batches
from portfolio.months import parse_month

logger = logging.getLogger(__name__)


def email_backoff(retries: int) -> int:
    """1, 2, 4 ... 128 minutes with the default EMAIL_RETRY_SECONDS=60: over four hours in
    all; after that the hourly job picks up what is still deferred."""
    return min(settings.EMAIL_RETRY_SECONDS * 2**retries, 4 * 60 * 60)


class EmailTask(RetryingTask):
    abstract = True
    # The SMTP server away or saying 4xx, the database or the broker briefly away.
    transient = (TransientSendError, *TRANSIENT)
    max_retries = 8
    # Shorter than notifications.emails.STALE_AFTER: a claim older than that is a dead worker's.
    soft_time_limit = 8 * 60
    time_limit = 10 * 60

    def backoff(self, retries: int) -> int:
        return email_backoff(retries)


@shared_task(name="emails.dispatch_due", base=EmailTask, bind=True)
def dispatch_due_emails(self) -> int:
    """Hourly: fan out the month-start e-mails due now, and milestones whose task was lost.

    Sending twice is impossible whatever runs twice (a second beat, a redelivery):
    every e-mail is claimed in the database before it goes.
    """
    now = timezone.now()
    due = jobs.due_month_start(now)
    signatures = [
        send_month_start_emails.si(batch, jobs.month_period(month))
        for month, ids in due.items()
        for batch in batches(ids, jobs.BATCH_SIZE)
    ]
    milestone_ids = jobs.due_milestone_users(now)
    signatures += [
        send_milestone_emails_batch.si(batch) for batch in batches(milestone_ids, jobs.BATCH_SIZE)
    ]
    if signatures:
        group(signatures).apply_async()
    users = sum(len(ids) for ids in due.values())
    logger.info(
        "E-mails due: %s users at month start, %s with milestones", users, len(milestone_ids)
    )
    return users + len(milestone_ids)


@shared_task(name="emails.send_month_start", base=EmailTask, bind=True)
def send_month_start_emails(self, user_ids: list[int], period: str) -> int:
    """Monthly progress, log reminder and new-year invitation about ``period`` ("2026-01")."""
    month = parse_month(period)
    if month is None:
        raise ValueError(f"period must be YYYY-MM, not {period!r}")
    report = jobs.emails_send_month_start(user_ids=user_ids, month=month)
    if report.errors:
        logger.warning("Month-start e-mails: %s sent, %s not built", report.sent, report.errors)
    return report.sent


@shared_task(name="emails.send_milestones_batch", base=EmailTask, bind=True)
def send_milestone_emails_batch(self, user_ids: list[int]) -> int:
    """E-mail the milestones of these users not e-mailed yet, each exactly once."""
    report = jobs.emails_send_milestones(user_ids=user_ids, now=timezone.now())
    if report.errors:
        logger.warning("Milestone e-mails: %s sent, %s not built", report.sent, report.errors)
    return report.sent


@shared_task(name="emails.send_household", base=EmailTask, bind=True)
def send_household_emails(self, kind: str, args: list[int]) -> int:
    """An invitation, a "joined" or a "removed" e-mail (``household_emails.BUILDERS``)."""
    return household_emails.household_emails_send(kind=kind, args=args)
