"""The one base of every Celery task: acknowledged late, retried on transient errors.

A task that subclasses ``RetryingTask`` (``@shared_task(base=RetryingTask, bind=True)``)
is acknowledged only once it has finished, so a worker that dies mid-task leaves it
on the queue for another worker (``reject_on_worker_lost``); its work is one
transaction, so the killed run committed nothing. Errors in ``transient`` (a lost
database connection, a deadlock, a broker briefly away) are retried a bounded
number of times with the exponential backoff of ``backoff``; anything else is a
bug to see, and fails at once.
"""

from __future__ import annotations

from celery import Task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

# Lost connections, "database is locked", deadlocks, serialisation failures, a
# broker that is briefly away: worth another try.
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, BrokerError)


class RetryingTask(Task):
    abstract = True
    acks_late = True
    # Once the retries are spent, a lost worker still requeues rather than drops it.
    reject_on_worker_lost = True
    max_retries = 5
    transient: tuple[type[BaseException], ...] = TRANSIENT

    def backoff(self, retries: int) -> int:
        """Seconds before retry number ``retries + 1``: 5 s, 10 s, 20 s, 40 s, 80 s."""
        return min(5 * 2**retries, 300)

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except self.transient as exc:
            raise self.retry(exc=exc, countdown=self.backoff(self.request.retries)) from exc
