"""The monthly e-mail from a newcomer's first day: never about a month before the
account existed, and an unknown balance is written as unknown, never as 0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from notifications.jobs import emails_send_month_start
from notifications.models import SentEmail
from tests.factories import StreamFactory, UserFactory
from tests.notifications.helpers import FEB_1_0830, at, member, recompute

pytestmark = pytest.mark.django_db
D = Decimal


def monthly(mail, address):
    mail.wait_for(address, count=2)
    (message,) = [m for m in mail.to(address) if m["Subject"].startswith("Your wealth ratio")]
    return message


def test_no_report_on_a_month_that_ended_before_the_account_existed(mail):
    # Signed up on 1 December with a salary whose first payment was in June: the
    # November snapshot exists, but November ended before the account did.
    with at(dt.datetime(2026, 12, 1, 7, tzinfo=dt.UTC)):
        user = UserFactory(email="new@example.com")
    StreamFactory(
        portfolio=user.portfolios.get(),
        category="salary",
        amount=D("5000"),
        first_date=dt.date(2026, 6, 1),
    )
    recompute(user, moment=dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC))
    assert user.snapshots.filter(month=dt.date(2026, 11, 1), portfolio=None).exists()

    with at(dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)):
        report = emails_send_month_start(user_ids=[user.pk], month=dt.date(2026, 11, 1))

    assert report.sent == 0
    assert not SentEmail.objects.filter(user=user, kind="monthly").exists()


def test_a_month_the_account_lived_through_is_reported(mail):
    with at(dt.datetime(2026, 11, 20, tzinfo=dt.UTC)):
        user = UserFactory(email="lived@example.com")
    StreamFactory(
        portfolio=user.portfolios.get(),
        category="salary",
        amount=D("5000"),
        first_date=dt.date(2026, 11, 20),
    )
    recompute(user, moment=dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC))
    with at(dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)):
        report = emails_send_month_start(user_ids=[user.pk], month=dt.date(2026, 11, 1))
    assert report.sent == 2  # the monthly e-mail and the log reminder
    text = mail.text(monthly(mail, "lived@example.com"))
    assert "over 1 month, since November 2026" in text


def test_an_unknown_balance_is_written_as_unknown(mail):
    user = member(email="nobalance@example.com")
    portfolio = user.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=D("5000"))
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=D("4000"))
    recompute(user)
    january = user.snapshots.get(month=dt.date(2026, 1, 1), portfolio=None)
    assert january.liquid_assets is None and january.figure("runway_months") is None

    with at(FEB_1_0830):
        report = emails_send_month_start(user_ids=[user.pk], month=dt.date(2026, 1, 1))

    assert report.sent == 2
    message = monthly(mail, "nobalance@example.com")
    text = mail.text(message)
    assert "Runway: unknown (no balance recorded yet)" in text
    assert "0.0 months" not in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "unknown (no balance recorded yet)" in html
