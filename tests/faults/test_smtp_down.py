"""SMTP down: the progress e-mails wait, and go out exactly once when it is back.

A real SMTP server (aiosmtpd) that the test stops and starts again on the same
port: first the sending job called directly, then the task's retries with
backoff, then the same through a real worker. SMTP replies (4xx, 5xx) and a
worker dying mid-send are in tests/notifications/test_exactly_once.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.emails import TransientSendError
from notifications.jobs import emails_send_month_start
from notifications.models import SentEmail
from notifications.tasks import send_month_start_emails
from tests.notifications.helpers import add_snapshots, at, member
from tests.support.workers import drained

JANUARY = dt.date(2026, 1, 1)
FEB_1 = dt.datetime(2026, 2, 1, 8, 1, tzinfo=dt.UTC)


def subscriber(email: str):
    """A user due the monthly e-mail about January on 1 February."""
    user = member(email=email, email_log_reminder=False)
    add_snapshots(user, [JANUARY])
    return user


def send(*users):
    with at(FEB_1):
        return emails_send_month_start(user_ids=[u.pk for u in users], month=JANUARY)


def row(user) -> SentEmail:
    return SentEmail.objects.get(user=user, kind="monthly", period="2026-01")


@pytest.mark.django_db
def test_smtp_server_down_then_back_delivers_exactly_once(smtp_server):
    first, second = subscriber("first@example.com"), subscriber("second@example.com")
    smtp_server.stop()

    with pytest.raises(TransientSendError, match="ConnectionRefusedError"):
        send(first, second)

    # The first e-mail waits for a retry, the second was never claimed.
    assert row(first).status == "deferred"
    assert "ConnectionRefusedError" in row(first).error
    assert not SentEmail.objects.filter(user=second).exists()

    smtp_server.start()
    assert send(first, second).sent == 2
    assert send(first, second).sent == 0

    assert [m["X-Envelope-To"] for m in smtp_server.messages] == [
        "first@example.com",
        "second@example.com",
    ]
    assert (row(first).status, row(first).attempts, row(first).error) == ("sent", 2, "")


@pytest.mark.django_db
def test_the_task_retries_with_backoff_until_the_server_is_back(smtp_server, monkeypatch):
    user = subscriber("retry@example.com")
    smtp_server.stop()
    waits = []

    def backoff(retries: int) -> int:
        # The server comes back while the task waits for its retry.
        waits.append(retries)
        smtp_server.start()
        return 0

    monkeypatch.setattr("notifications.tasks.email_backoff", backoff)
    with at(FEB_1):
        result = send_month_start_emails.apply(args=[[user.pk], "2026-01"])

    assert result.successful(), result.traceback
    assert waits == [0]
    assert len(smtp_server.to("retry@example.com")) == 1
    assert row(user).status == "sent"


def test_through_a_worker_the_email_goes_out_once_the_server_is_back(smtp_server, start_worker):
    user = subscriber("worker@example.com")
    smtp_server.stop()
    worker = start_worker(EMAIL_URL=smtp_server.url, EMAIL_RETRY_SECONDS="1")

    send_month_start_emails.delay([user.pk], "2026-01")
    worker.wait_until(
        lambda: SentEmail.objects.filter(user=user, status="deferred").exists(),
        what="e-mail deferred",
    )
    smtp_server.start()
    smtp_server.wait_for("worker@example.com", timeout=20)
    worker.wait_until(
        lambda: SentEmail.objects.filter(user=user, status="sent").exists(),
        what="e-mail marked sent",
    )
    drained(worker)

    assert len(smtp_server.messages) == 1
    sent = SentEmail.objects.get(user=user)
    assert sent.attempts >= 2 and sent.error == ""
