"""The log reminder, the new-year invitation and the milestones, read back from real SMTP."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from goals.milestones import milestones_record
from goals.models import Milestone
from notifications.jobs import emails_send_month_start
from notifications.models import SentEmail
from notifications.tasks import send_milestone_emails_batch
from tests.factories import EntryFactory, GoalFactory, UserFactory
from tests.notifications.helpers import add_snapshots, at, member

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)
DECEMBER = dt.date(2026, 12, 1)
NEW_YEAR_0830 = dt.datetime(2027, 1, 1, 8, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


# --- Log reminder ---------------------------------------------------------------------


def test_reminder_when_last_month_has_no_entries(mail):
    forgetful = member(email="fay@example.com")
    diligent = member(email="gus@example.com")
    EntryFactory(portfolio=diligent.portfolios.get(), date=dt.date(2026, 1, 31))
    with at(dt.datetime(2026, 1, 20, tzinfo=dt.UTC)):
        newcomer = UserFactory(email="hal@example.com")  # joined in January: reminded too
    with at(dt.datetime(2026, 2, 1, 0, 30, tzinfo=dt.UTC)):
        after = UserFactory(email="ida@example.com")  # joined after January: nothing to record

    with at(dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)):
        report = emails_send_month_start(
            user_ids=[u.pk for u in (forgetful, diligent, newcomer, after)], month=JANUARY
        )

    assert report.sent == 2
    assert {m["X-Envelope-To"] for m in mail.messages} == {"fay@example.com", "hal@example.com"}
    message = mail.wait_for("fay@example.com")
    assert message["Subject"] == "Record what came in and went out in January 2026"
    text, html = parts(message)
    portfolio = forgetful.portfolios.get()
    assert "You have no entries for January 2026 yet." in text
    assert f"Record January: http://localhost:8000/portfolios/{portfolio.pk}/entries/" in text
    assert f"/portfolios/{portfolio.pk}/statements/import/" in text  # the bank statement import
    assert "How did January go?" in html and ">Record January</a>" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "reminders to record last month" in text  # the footer names what stops


# --- New year -------------------------------------------------------------------------


def test_new_year_invitation_with_the_suggested_ratio(mail):
    user = member(email="jo@example.com")
    add_snapshots(user, [DECEMBER])  # a ratio of 5%: double it
    with_goal = member(email="kim@example.com")
    add_snapshots(with_goal, [DECEMBER])
    GoalFactory(owner=with_goal, year=2027)
    no_figures = member(email="lea@example.com")

    with at(NEW_YEAR_0830):
        emails_send_month_start(user_ids=[user.pk, with_goal.pk, no_figures.pk], month=DECEMBER)

    invitations = SentEmail.objects.filter(kind="new_year").order_by("to_email")
    assert [(r.to_email, r.period) for r in invitations] == [
        ("jo@example.com", "2027"),
        ("lea@example.com", "2027"),
    ]
    message = next(m for m in mail.to("jo@example.com") if "goal" in m["Subject"])
    assert message["Subject"] == "Set your goal for 2027"
    text, html = parts(message)
    assert "Your wealth ratio ended the year at 5.0%." in text
    assert "raise it to 10% by 31 December 2027" in text
    link = "http://localhost:8000/goals/new/?metric=wealth_ratio&target=10%25&year=2027"
    assert f"Set this goal: {link}" in text
    assert link.replace("&", "&amp;") in html
    # Without figures: an invitation without a suggestion.
    plain = next(m for m in mail.to("lea@example.com") if "goal" in m["Subject"])
    assert "A goal for the year turns a figure into a path" in parts(plain)[0]
    assert "target=" not in parts(plain)[0]


def test_new_year_invitation_at_a_ratio_of_zero_is_a_first_income_in_money(mail):
    user = member(email="max@example.com")
    add_snapshots(user, [DECEMBER], passive=Decimal("0"))  # earned 5,000 a month
    with at(NEW_YEAR_0830):
        emails_send_month_start(user_ids=[user.pk], month=DECEMBER)
    message = next(m for m in mail.to("max@example.com") if "goal" in m["Subject"])
    text, html = parts(message)
    assert (
        "Your first goal for 2027 could be a wealth ratio of 1%: about $50 a month of passive"
        " income by 31 December 2027."  # 1% of 5,000
    ) in " ".join(text.split())
    assert "Your first goal for 2027 could be a wealth ratio of 1%: about <strong>$50" in html
    assert "target=1%25" in text


def test_no_invitation_outside_january(mail):
    user = member(email="jo@example.com")
    add_snapshots(user, [JANUARY])
    with at(dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)):
        emails_send_month_start(user_ids=[user.pk], month=JANUARY)
    assert not SentEmail.objects.filter(kind="new_year").exists()


# --- Milestones ------------------------------------------------------------------------


def milestones_of(user):
    goal = GoalFactory(owner=user, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))
    with at(NOW - dt.timedelta(hours=1)):
        return [
            Milestone.objects.create(
                user=user,
                kind="goal_achieved",
                key=str(goal.pk),
                goal=goal,
                value=Decimal("0.104"),
                occurred_on=dt.date(2026, 6, 10),
            ),
            Milestone.objects.create(
                user=user, kind="ratio_100", value=Decimal("1.02"), occurred_on=dt.date(2026, 6, 10)
            ),
            Milestone.objects.create(
                user=user,
                kind="passive_covers_spending",
                value=None,  # unbounded: no spending at all
                occurred_on=dt.date(2026, 6, 10),
            ),
        ]


def test_each_milestone_is_emailed_once_with_its_own_words(mail):
    user = member(email="max@example.com")
    goal_milestone, _, _ = milestones_of(user)

    with at(NOW):
        assert send_milestone_emails_batch([user.pk]) == 3
        assert send_milestone_emails_batch([user.pk]) == 0  # a redelivered task sends nothing

    subjects = sorted(m["Subject"] for m in mail.to("max@example.com"))
    assert subjects == [
        "Goal achieved: wealth ratio of 10.0% in 2026",
        "Your passive income now covers your spending",
        "Your wealth ratio reached 100%: work is now a choice",
    ]
    by_subject = {m["Subject"]: parts(m) for m in mail.to("max@example.com")}
    text, html = by_subject["Goal achieved: wealth ratio of 10.0% in 2026"]
    assert "Your wealth ratio is 10.4%: you set out to reach 10.0% in 2026." in text
    assert "Reached on 10 June 2026." in text and "10.4%" in html
    text, _ = by_subject["Your wealth ratio reached 100%: work is now a choice"]
    assert "Your passive income is now 102.0% of your earned income" in text
    text, _ = by_subject["Your passive income now covers your spending"]
    assert "your passive income paid for ∞ of what you spent" in text
    assert sorted(SentEmail.objects.values_list("period", flat=True)) == [
        f"goal_achieved:{goal_milestone.key}",
        "passive_covers_spending:",
        "ratio_100:",
    ]


def test_milestones_respect_the_switch_and_freshness(mail):
    switched_off = member(email="ned@example.com", email_milestones=False)
    milestones_of(switched_off)
    old = member(email="ola@example.com")
    with at(NOW - dt.timedelta(days=8)):
        Milestone.objects.create(user=old, kind="ratio_100", occurred_on=dt.date(2026, 6, 2))
    unverified = member(email="pia@example.com", verified=False)
    milestones_of(unverified)

    with at(NOW):
        sent = send_milestone_emails_batch([switched_off.pk, old.pk, unverified.pk])

    assert sent == 0
    assert mail.messages == []


def test_a_snapshot_revealing_a_milestone_leads_to_its_email(mail):
    """With the lead's recorder: the current month's snapshot shows a ratio of 120%."""
    user = member(email="quin@example.com")
    add_snapshots(
        user,
        [dt.date(2026, 6, 1)],
        earned=Decimal("10000"),
        passive=Decimal("12000"),
        spending=Decimal("6000"),
    )

    with at(NOW):
        milestones_record([user.pk], now=NOW)
        send_milestone_emails_batch([user.pk])

    message = mail.wait_for("quin@example.com", count=2)
    subjects = {m["Subject"] for m in mail.to("quin@example.com")}
    assert subjects == {
        "Your wealth ratio reached 100%: work is now a choice",
        "Your passive income now covers your spending",
    }
    assert re.search(r"120\.0%", parts(message)[0] + parts(mail.to("quin@example.com")[0])[0])
