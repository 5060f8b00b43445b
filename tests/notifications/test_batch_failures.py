"""One user's e-mail that cannot be made does not stop the batch: read back from real SMTP."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from goals.models import Milestone
from notifications import emails
from notifications.jobs import due_month_start, emails_send_milestones, emails_send_month_start
from notifications.models import SentEmail
from portfolio.models import Stream
from tests.factories import GoalFactory
from tests.helpers import break_with_raw_sql
from tests.notifications.helpers import FEB_1_0830, at, investor, member, recompute

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def three_investors():
    """Three users due the monthly e-mail about January, each with a goal for 2026 (so
    the e-mail computes the year-end projection from their streams)."""
    users = [investor(email=f"{name}@example.com") for name in ("ann", "bob", "cy")]
    for user in users:
        GoalFactory(owner=user, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))
    recompute(*users)
    return users


def send(users):
    with at(FEB_1_0830):
        return emails_send_month_start(user_ids=[u.pk for u in users], month=JANUARY)


def test_a_user_whose_figures_cannot_be_computed_does_not_stop_the_monthly_batch(
    mail, three_investors, caplog
):
    middle = three_investors[1]
    break_with_raw_sql(middle, "frequency")

    with caplog.at_level(logging.ERROR, logger="notifications.jobs"):
        report = send(three_investors)

    assert (report.sent, report.errors) == (2, 1)
    assert {m["X-Envelope-To"] for m in mail.messages} == {"ann@example.com", "cy@example.com"}
    for address in ("ann@example.com", "cy@example.com"):
        assert "Wealth ratio: 6.7%" in mail.text(mail.wait_for(address))
    assert not SentEmail.objects.filter(user=middle).exists()  # nothing claimed: tried again
    (record,) = caplog.records
    assert record.getMessage() == (
        f"The monthly e-mail of user {middle.pk} could not be built; the next run tries again"
    )
    assert "fortnightly" in str(record.exc_info[1])


def test_the_user_who_failed_gets_the_e_mail_on_the_next_run(mail, three_investors):
    middle = three_investors[1]
    break_with_raw_sql(middle, "frequency")
    send(three_investors)
    Stream.objects.filter(portfolio__owner=middle).update(frequency="monthly")

    report = send(three_investors)

    assert (report.sent, report.errors) == (1, 0)  # the other two are no longer due
    assert "Wealth ratio: 6.7%" in mail.text(mail.wait_for("bob@example.com"))
    assert len(mail.messages) == 3  # one each, none twice


def test_a_time_zone_that_does_not_exist_leaves_out_its_users_only(three_investors, caplog):
    middle = three_investors[1]
    break_with_raw_sql(middle, "time_zone")

    with caplog.at_level(logging.ERROR, logger="notifications.jobs"):
        due = due_month_start(FEB_1_0830)

    assert due == {JANUARY: sorted(u.pk for u in three_investors if u != middle)}
    (record,) = caplog.records
    assert "unknown time zone 'Mars/Olympus'" in record.getMessage()


def test_a_milestone_e_mail_that_cannot_be_rendered_does_not_stop_the_others(
    mail, monkeypatch, caplog
):
    """No data the database can hold breaks the milestone templates today, so the
    failure is injected at the smallest seam, the rendering of one user's e-mail:
    the guard is there for the next template bug that a user's data reveals."""
    users = [member(email=f"{name}@example.com") for name in ("dee", "eli", "fox")]
    now = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)
    with at(now - dt.timedelta(hours=1)):
        for user in users:
            Milestone.objects.create(user=user, kind="ratio_100", occurred_on=now.date())
    render = emails.render_email

    def render_but_not_for_eli(template, context):
        if context["user"].email == "eli@example.com":
            raise ValueError("a template bug")
        return render(template, context)

    monkeypatch.setattr(emails, "render_email", render_but_not_for_eli)

    with at(now), caplog.at_level(logging.ERROR, logger="notifications.emails"):
        report = emails_send_milestones(user_ids=[u.pk for u in users], now=now)

    assert (report.sent, report.errors) == (2, 1)
    assert {m["X-Envelope-To"] for m in mail.messages} == {"dee@example.com", "fox@example.com"}
    assert not SentEmail.objects.filter(user=users[1]).exists()
    (record,) = caplog.records
    assert f"milestone e-mail ratio_100: of user {users[1].pk} could not be built" in (
        record.getMessage()
    )
