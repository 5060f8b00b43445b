"""SMTP down: progress e-mails wait and go out exactly once; account e-mails say so.

A real SMTP server (aiosmtpd) that the test stops and starts again on the same
port. The progress e-mails: the sending job called directly, the task's retries
with backoff, then the same through a real worker. SMTP replies (4xx, 5xx) and a
worker dying mid-send are in tests/notifications/test_exactly_once.py. The
e-mails allauth sends during a request (sign-up, password reset): the person is
told to try again, never shown a 500.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import adapter
from accounts.adapter import MAIL_NOT_SENT
from notifications.emails import TransientSendError
from notifications.jobs import emails_send_month_start
from notifications.models import SentEmail
from notifications.tasks import send_month_start_emails
from tests.factories import UserFactory
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


# --- The e-mails of a request (allauth) ---------------------------------------------


@pytest.fixture
def _fresh_outage(monkeypatch):
    monkeypatch.setattr(adapter.mail_outage_log, "last_traceback_at", None)


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_outage")
def test_a_password_reset_while_smtp_is_down_says_to_try_again(client, smtp_server, caplog):
    user = UserFactory(email="forgot@example.com")
    smtp_server.stop()

    with caplog.at_level(logging.WARNING, logger="accounts.adapter"):
        response = client.post(
            reverse("account_reset_password"), {"email": user.email}, follow=True
        )

    assert response.status_code == 200
    assert MAIL_NOT_SENT in response.text
    assert [r.exc_info is not None for r in caplog.records if r.name == "accounts.adapter"] == [
        True
    ]

    smtp_server.start()
    response = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)
    assert MAIL_NOT_SENT not in response.text
    link = smtp_server.path(smtp_server.wait_for(user.email), "/accounts/password/reset/")
    assert client.get(link, follow=True).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_outage")
def test_signing_up_while_smtp_is_down_keeps_the_account_and_says_so(
    client, smtp_server, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=True)
    smtp_server.stop()

    response = client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@example.com",
            "password1": "a long enough passphrase 7",
            "password2": "a long enough passphrase 7",
            "currency": "EUR",
            "time_zone": "Europe/Paris",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert MAIL_NOT_SENT in response.text
    # A whole account, unverified: logging in later sends the verification again.
    user = get_user_model().objects.get(email="newcomer@example.com")
    assert (user.currency, user.portfolios.count()) == ("EUR", 1)
    assert not user.emailaddress_set.get().verified
    assert smtp_server.messages == []

    # The server is back: logging in, a few minutes later, sends the verification.
    smtp_server.start()
    time_machine.shift(dt.timedelta(minutes=4))
    client.post(
        reverse("account_login"),
        {"login": "newcomer@example.com", "password": "a long enough passphrase 7"},
    )
    message = smtp_server.wait_for("newcomer@example.com")
    assert "/accounts/confirm-email/" in smtp_server.text(message)
