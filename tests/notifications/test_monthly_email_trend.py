"""The monthly e-mail says where the user's own trend leads, with the projection link."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.jobs import emails_send_month_start
from tests.factories import StreamFactory
from tests.notifications.helpers import FEB_1_0830, at, member
from tests.trend_history import growing_snapshots

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)


def send(user):
    with at(FEB_1_0830):
        return emails_send_month_start(user_ids=[user.pk], month=JANUARY)


def test_the_monthly_email_has_the_trend_sentence_and_link_in_both_parts(mail):
    user = member(email="ann@example.com", email_log_reminder=False)
    StreamFactory(portfolio=user.portfolios.get(), name="Salary")
    # 25% in January 2026, passive 10% and earned 5% a year: 100% in the year 2055
    # (357.6 months on), over 36 months of history with an older one left out.
    growing_snapshots(user, JANUARY, months=40)

    assert send(user).sent == 1
    message = mail.wait_for("ann@example.com")
    text = mail.text(message)
    assert "At the pace of the last 36 months, your ratio reaches 100% in 2055." in text
    assert "http://localhost:8000/projection/?wage_growth=0.0500&passive_growth=0.1000" in text
    body = message.get_body(preferencelist=("html",)).get_content()
    assert "your ratio reaches 100% in 2055." in body
    # As on the dashboard: the trend is the user's own, the projection has its own years.
    note = "That is your own trend; the projection works from its own assumptions."
    assert note in " ".join(text.split()) and note in " ".join(body.split())
    assert "wage_growth=0.0500&amp;passive_growth=0.1000" in body


def test_without_six_months_of_history_the_email_says_nothing_of_a_trend(mail):
    user = member(email="bob@example.com", email_log_reminder=False)
    StreamFactory(portfolio=user.portfolios.get(), name="Salary")
    growing_snapshots(user, JANUARY, months=5)

    assert send(user).sent == 1
    assert "At the pace of" not in mail.text(mail.wait_for("bob@example.com"))
