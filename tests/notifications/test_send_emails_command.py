"""``manage.py send_emails``: resend what did not go, or preview it with --dry-run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from notifications.models import SentEmail
from tests.notifications.helpers import add_snapshots, at, member

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)
LATER = dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC)


@pytest.fixture
def users():
    ann = member(email="ann@example.com", email_log_reminder=False)
    bob = member(email="bob@example.com", email_log_reminder=False)
    add_snapshots(ann, [JANUARY])
    add_snapshots(bob, [JANUARY])
    return ann, bob


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    with at(LATER):
        call_command("send_emails", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(mail, users):
    output = run("--kind", "monthly", "--period", "2026-01", "--dry-run")

    assert (
        "would send monthly 2026-01 to ann@example.com: Your wealth ratio in January 2026: 5.0%"
        in output
    )
    assert "would send monthly 2026-01 to bob@example.com" in output
    assert "2 e-mail(s) would be sent (dry run: nothing was sent)." in output
    assert mail.messages == []
    assert not SentEmail.objects.exists()


def test_send_for_one_user_then_for_all_never_twice(mail, users):
    output = run("--kind", "monthly", "--period", "2026-01", "--user", "ANN@example.com")
    assert "sent ann@example.com: Your wealth ratio in January 2026: 5.0%" in output
    assert "1 sent, 0 already taken, 0 failed." in output

    output = run("--kind", "monthly", "--period", "2026-01")
    assert "1 sent, 0 already taken, 0 failed." in output
    assert sorted(m["X-Envelope-To"] for m in mail.messages) == [
        "ann@example.com",
        "bob@example.com",
    ]
    # Asking for an e-mail already sent says why nothing goes.
    output = run("--kind", "monthly", "--period", "2026-01", "--user", "ann@example.com")
    assert "not due: monthly to ann@example.com" in output
    assert "0 sent" in output


def test_a_failed_email_is_sent_again_by_the_operator(mail, users):
    ann, _ = users
    SentEmail.objects.create(
        user=ann,
        kind="monthly",
        period="2026-01",
        status="failed",
        to_email="ann@example.com",
        error="550 mailbox full",
        claimed_at=LATER,
    )
    run("--kind", "monthly", "--period", "2026-01", "--user", "ann@example.com")
    row = SentEmail.objects.get(user=ann)
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")
    assert len(mail.to("ann@example.com")) == 1


def test_other_kinds_and_their_periods(mail, users):
    ann, _ = users
    ann.email_log_reminder = True
    ann.save()
    add_snapshots(ann, [dt.date(2026, 12, 1)])
    assert "1 sent" in run("--kind", "reminder", "--period", "2026-01", "--user", ann.email)
    assert "1 sent" in run("--kind", "new_year", "--period", "2027", "--user", ann.email)
    assert [m["Subject"] for m in mail.messages] == [
        "Record what came in and went out in January 2026",
        "Set your goal for 2027",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "monthly", "--period", "2026-13"], "is not a month such as 2026-01"),
        (["--kind", "new_year", "--period", "2026-01"], "a year such as 2027"),
        (["--kind", "milestone", "--period", "party:"], "KIND:KEY"),
        (["--kind", "monthly", "--period", "2026-01", "--user", "x@example.com"], "No active user"),
    ],
)
def test_bad_arguments(users, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
