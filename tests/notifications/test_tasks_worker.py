"""The e-mail tasks end to end: real worker processes, the real broker, a real SMTP server.

A worker gets ``EMAIL_URL`` pointing at this test's SMTP server; ``drained`` says
when it has done all queued work. The SMTP server down while a worker sends is
in the fault suite (tests/faults/test_smtp_down.py).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest

from goals.models import Milestone
from notifications.models import SentEmail
from notifications.tasks import (
    dispatch_due_emails,
    send_milestone_emails_batch,
    send_month_start_emails,
)
from tests.notifications.helpers import add_snapshots, at, member
from tests.support.workers import drained

pytestmark = pytest.mark.celery_worker

JANUARY = dt.date(2026, 1, 1)
FEB_1_0801 = dt.datetime(2026, 2, 1, 8, 1, tzinfo=dt.UTC)


def wait_until(condition, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.1)


def subscribers(count: int):
    users = []
    for index in range(count):
        user = member(email=f"w{index}@example.com", email_log_reminder=False)
        add_snapshots(user, [JANUARY])
        users.append(user)
    return users


def test_the_hourly_job_twice_and_a_milestone_twice_send_one_email_each(mail, start_worker):
    users = subscribers(3)
    worker = start_worker(EMAIL_URL=mail.url)

    # Two beat schedulers by mistake: the hourly job runs twice in the same hour.
    with at(FEB_1_0801):
        dispatch_due_emails()
        dispatch_due_emails()
    Milestone.objects.create(user=users[0], kind="ratio_100", occurred_on=dt.date.today())
    send_milestone_emails_batch.delay([users[0].pk])
    send_milestone_emails_batch.delay([users[0].pk])  # a redelivered task
    drained(worker)

    subjects = sorted((m["X-Envelope-To"], m["Subject"]) for m in mail.messages)
    assert subjects == [
        ("w0@example.com", "Your wealth ratio in January 2026: 5.0%"),
        ("w0@example.com", "Your wealth ratio reached 100%: work is now a choice"),
        ("w1@example.com", "Your wealth ratio in January 2026: 5.0%"),
        ("w2@example.com", "Your wealth ratio in January 2026: 5.0%"),
    ]
    assert set(SentEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_killed_after_sending_but_before_marking_sends_at_most_once(mail, start_worker):
    """At most once: the claim stays ``pending``, and nothing sends it again by itself.

    SIGKILL arrives while the worker waits for the server's reply to the message it
    just transmitted: the server has it, the row is never marked. A redelivery of
    the task (Redis brings an unacknowledged task back after its visibility
    timeout; here it is queued again) and the hourly job both leave it alone.
    """
    [user] = subscribers(1)
    first = start_worker(EMAIL_URL=mail.url)

    def kill_the_sender(_message):
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)

    mail.on_data = kill_the_sender
    send_month_start_emails.delay([user.pk], "2026-01")
    wait_until(lambda: first.process.poll() is not None, what="the worker to die")
    mail.on_data = None
    assert len(mail.messages) == 1
    assert SentEmail.objects.get(user=user).status == "pending"

    second = start_worker(EMAIL_URL=mail.url)
    send_month_start_emails.delay([user.pk], "2026-01")  # the redelivered task
    with at(FEB_1_0801):
        dispatch_due_emails()
    drained(second)

    assert len(mail.messages) == 1
    assert SentEmail.objects.get(user=user).status == "pending"
