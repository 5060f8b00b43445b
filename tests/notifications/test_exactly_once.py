"""Exactly once: the claim, SMTP replies (4xx, 5xx), a worker dying mid-send.

Called directly, against a real SMTP server that a test makes refuse a recipient.
The same paths through a real worker are in test_tasks_worker.py; the SMTP server
being away is in the fault suite (tests/faults/test_smtp_down.py).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.urls import reverse

from notifications import emails
from notifications.emails import TransientSendError
from notifications.jobs import emails_send_month_start, month_start_outgoings
from notifications.models import SentEmail
from tests.factories import UserFactory
from tests.notifications.helpers import WorkerKilled, add_snapshots, at, member

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)
FEB_1 = dt.datetime(2026, 2, 1, 8, 1, tzinfo=dt.UTC)


def subscriber(email: str, **kwargs):
    user = member(email=email, email_log_reminder=False, **kwargs)
    add_snapshots(user, [JANUARY])
    return user


def send(*users):
    with at(FEB_1):
        return emails_send_month_start(user_ids=[u.pk for u in users], month=JANUARY)


def row(user) -> SentEmail:
    return SentEmail.objects.get(user=user, kind="monthly", period="2026-01")


def test_sending_again_sends_nothing(mail):
    user = subscriber("once@example.com")

    assert send(user).sent == 1
    again = send(user)

    assert (again.sent, again.skipped) == (0, 0)  # already sent: not even rendered again
    assert len(mail.to("once@example.com")) == 1
    assert row(user).attempts == 1


def test_backoff_doubles_and_is_bounded(settings):
    from notifications.tasks import email_backoff

    settings.EMAIL_RETRY_SECONDS = 60
    assert [email_backoff(n) for n in range(9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3840,
        7680,
        14400,
    ]


def test_a_4xx_reply_is_retried_later(mail):
    user = subscriber("grey@example.com")
    mail.refuse_rcpt = ["451 4.7.1 Greylisted, please try again later"]

    with pytest.raises(TransientSendError, match="451"):
        send(user)
    assert row(user).status == "deferred"
    assert "451 4.7.1 Greylisted" in row(user).error

    send(user)
    assert len(mail.to("grey@example.com")) == 1
    assert row(user).status == "sent"


def test_a_5xx_for_a_recipient_marks_it_failed_with_the_reason(mail, admin_client):
    gone = subscriber("gone@example.com")
    fine = subscriber("fine@example.com")
    mail.refuse_rcpt = ["550 5.1.1 No such user here"]

    report = send(gone, fine)

    assert (report.sent, report.failed) == (1, 1)
    assert row(gone).status == "failed"
    assert row(gone).error == "gone@example.com: 550 5.1.1 No such user here"
    assert [m["X-Envelope-To"] for m in mail.messages] == ["fine@example.com"]
    # Not tried again by the workers...
    assert send(gone, fine).sent == 0
    # ...and visible in the admin, with its reason.
    page = admin_client.get(reverse("admin:notifications_sentemail_changelist") + "?status=failed")
    assert "550 5.1.1 No such user here" in page.text
    assert "gone@example.com" in page.text


def test_a_worker_dying_after_sending_but_before_marking_sends_at_most_once(mail, settings):
    user = subscriber("crash@example.com")
    settings.EMAIL_BACKEND = "tests.notifications.helpers.DiesAfterSendingBackend"
    with pytest.raises(WorkerKilled):
        send(user)
    settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"

    assert len(mail.to("crash@example.com")) == 1
    assert row(user).status == "pending"
    # The redelivered task, and the hourly job, leave a pending claim alone.
    assert send(user).sent == 0
    assert len(mail.to("crash@example.com")) == 1


def test_the_operator_can_send_a_stuck_email_again(mail, capsys):
    """At most once has a price: a claim whose worker died stays unsent until asked."""
    user = subscriber("stuck@example.com")
    SentEmail.objects.create(
        user=user,
        kind="monthly",
        period="2026-01",
        to_email="stuck@example.com",
        claimed_at=FEB_1,
    )

    with at(FEB_1 + dt.timedelta(minutes=5)):
        call_command("send_emails", kind="monthly", period="2026-01")
    assert mail.messages == []  # a recent claim may still be sending

    with at(FEB_1 + emails.STALE_AFTER + dt.timedelta(minutes=1)):
        call_command("send_emails", kind="monthly", period="2026-01")
    assert len(mail.to("stuck@example.com")) == 1
    assert (row(user).status, row(user).attempts) == ("sent", 2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"verified": False},
        {"email_monthly_progress": False},
        {"is_active": False},
    ],
    ids=["unverified", "unsubscribed", "inactive"],
)
def test_never_sent_to_an_unverified_unsubscribed_or_inactive_user(mail, kwargs):
    user = subscriber("no@example.com", **kwargs)
    assert send(user).sent == 0
    assert mail.messages == []
    assert not SentEmail.objects.exists()


def test_sent_to_the_verified_primary_address_only(mail):
    from allauth.account.models import EmailAddress

    user = subscriber("old@example.com")
    # A new address added but not verified yet: still the old one, verified, gets it.
    EmailAddress.objects.create(user=user, email="new@example.com", verified=False, primary=False)
    send(user)
    assert [m["X-Envelope-To"] for m in mail.messages] == ["old@example.com"]


def test_sent_email_rows_are_unique_per_user_kind_and_period():
    from django.db import IntegrityError, transaction

    user = UserFactory()
    fields = {"user": user, "kind": "monthly", "period": "2026-01", "claimed_at": FEB_1}
    SentEmail.objects.create(**fields, to_email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        SentEmail.objects.create(**fields, to_email="a@example.com")


def test_a_4xx_frees_the_e_mails_claimed_with_it_and_the_retry_sends_each_once(mail):
    """After the first e-mail (alone), e-mails are claimed a chunk at a time: the ones
    claimed with a deferred e-mail but not tried are deferred too, so the retry sends
    every one, and none twice."""
    users = [subscriber(f"chunk{n}@example.com") for n in range(4)]
    # The server takes the first e-mail, then asks to try the next one later.
    mail.on_data = lambda _message: mail.refuse_rcpt.append("451 4.3.0 Try again later")

    with pytest.raises(TransientSendError, match="451"):
        send(*users)
    mail.on_data = None
    assert [row(u).status for u in users] == ["sent", "deferred", "deferred", "deferred"]
    assert "451 4.3.0" in row(users[1]).error
    assert row(users[2]).error == row(users[3]).error
    assert row(users[2]).error.startswith("not tried: ") and "451" in row(users[2]).error
    assert [m["X-Envelope-To"] for m in mail.messages] == ["chunk0@example.com"]

    assert send(*users).sent == 3
    for user in users:
        assert len(mail.to(user.email)) == 1
    assert [row(u).attempts for u in users] == [1, 2, 2, 2]


def test_the_smtp_connection_is_kept_for_the_next_batch_and_checked_first(mail):
    first, second = subscriber("keep1@example.com"), subscriber("keep2@example.com")
    assert send(first).sent == 1
    kept = emails._kept.connection.backend.connection

    assert send(second).sent == 1
    assert emails._kept.connection.backend.connection is kept  # the same session

    kept.close()  # as a server closes an idle connection
    third = subscriber("keep3@example.com")
    assert send(third).sent == 1  # the NOOP found it closed: a new one
    assert [len(mail.to(u.email)) for u in (first, second, third)] == [1, 1, 1]


# --- Chunks sent on their own thread while the next one is built ------------------------------
# A batch's first e-mail goes alone, then ten at a time: with thirteen users the chunks
# are [1], [2..11] and [12, 13]; chunk 3 is claimed only once chunk 2 is settled.


def after_messages(mail, count: int, then) -> None:
    """Run ``then()`` once the server has accepted ``count`` messages."""

    def on_data(_message):
        if len(mail.messages) == count:
            then()

    mail.on_data = on_data


def test_a_refused_recipient_in_a_chunk_is_failed_and_the_rest_of_the_chunk_goes(mail):
    users = [subscriber(f"refused{n}@example.com") for n in range(13)]
    # The third e-mail (the second of the second chunk) is refused for good.
    after_messages(mail, 2, lambda: mail.refuse_rcpt.append("550 5.1.1 No such user here"))

    report = send(*users)

    assert (report.sent, report.failed, report.skipped) == (12, 1, 0)
    assert [row(u).status for u in users] == ["sent"] * 2 + ["failed"] + ["sent"] * 10
    assert row(users[2]).error == "refused2@example.com: 550 5.1.1 No such user here"
    assert all(row(u).sent_at is not None for u in users if u != users[2])
    assert [m["X-Envelope-To"] for m in mail.messages] == [u.email for u in users if u != users[2]]
    assert send(*users).sent == 0  # nothing left to send, nothing twice


def test_a_connection_dropped_mid_chunk_defers_the_rest_of_it_and_claims_no_more(mail):
    users = [subscriber(f"dropped{n}@example.com") for n in range(13)]
    # After the third e-mail the server hangs up at the next RCPT (the fifth user).
    after_messages(mail, 3, lambda: setattr(mail, "hang_up_at_rcpt", 1))

    with pytest.raises(TransientSendError, match="SMTPServerDisconnected"):
        send(*users)

    mail.on_data = None
    statuses = [row(u).status for u in users[:11]]
    assert statuses == ["sent"] * 3 + ["deferred"] * 8
    assert "SMTPServerDisconnected" in row(users[3]).error
    assert all(row(u).error.startswith("not tried: ") for u in users[4:11])
    # The chunk after was built while this one went out, but never claimed.
    assert not SentEmail.objects.filter(user__in=users[11:]).exists()
    assert [m["X-Envelope-To"] for m in mail.messages] == [u.email for u in users[:3]]

    retry = send(*users)  # on a new connection

    assert retry.sent == 10
    assert [len(mail.to(u.email)) for u in users] == [1] * 13
    assert {row(u).status for u in users} == {"sent"}


def test_stopping_while_a_chunk_is_on_its_way_records_what_went_out(mail):
    """A time limit or the database away while a chunk is on its way: what the server
    took is marked sent, what was not tried is deferred, nothing is left pending."""
    users = [subscriber(f"stopped{n}@example.com") for n in range(13)]
    building_stopped = threading.Event()
    # The server answers the second chunk's first e-mail once building has failed.
    after_messages(mail, 2, lambda: building_stopped.wait(10))

    def outgoings():
        for number, outgoing in enumerate(
            month_start_outgoings(user_ids=[u.pk for u in users], month=JANUARY)
        ):
            if number == 11:
                building_stopped.set()
                raise RuntimeError("time limit while building the third chunk")
            yield outgoing

    with at(FEB_1), pytest.raises(RuntimeError, match="time limit"):
        emails.deliver(outgoings())

    mail.on_data = None
    chunk = users[1:11]
    statuses = {u.email: row(u).status for u in chunk}
    assert statuses[users[1].email] == "sent"
    assert set(statuses.values()) <= {"sent", "deferred"}  # nothing left pending
    received = [m["X-Envelope-To"] for m in mail.messages]
    assert received == [users[0].email] + [u.email for u in chunk if statuses[u.email] == "sent"]
    assert all(row(u).error == "not tried" for u in chunk if statuses[u.email] == "deferred")
    assert not SentEmail.objects.filter(user__in=users[11:]).exists()

    send(*users)
    assert [len(mail.to(u.email)) for u in users] == [1] * 13
