"""The monthly progress e-mail, read back from a real SMTP server: both parts, chart, headers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.emails import build_email
from notifications.jobs import emails_send_month_start, month_start_outgoings
from notifications.models import SentEmail
from tests.factories import (
    GoalFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)
from tests.notifications.helpers import FEB_1_0830, at, investor, member, recompute

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def user():
    user = investor(email="ann@example.com")
    # Ratio 5% on 1 January, 10% by 31 December: at 6.7% at the end of January, on track.
    GoalFactory(owner=user, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))
    recompute(user)
    return user


def send(*users, month=JANUARY, moment=FEB_1_0830):
    with at(moment):
        return emails_send_month_start(user_ids=[u.pk for u in users], month=month)


def test_monthly_email_has_the_figures_goals_and_chart_in_both_parts(mail, user):
    report = send(user)

    assert report.sent == 1
    message = mail.wait_for("ann@example.com")
    assert message["Subject"] == "Your wealth ratio in January 2026: 6.7%"
    assert message["To"] == "ann@example.com"
    text = mail.text(message)
    assert "Wealth ratio: 6.7%" in text
    assert "+0.8 points since December 2025" in text
    assert "Runway: 10.0 months" in text
    # Passive income 4,000 a year; at 10% of 60,000 earned it needs 2,000 more.
    assert "passive income $333.33" in text
    assert "Wealth ratio: 6.7% of 10.0%, 33% of the way. On track." in text
    assert "Passive income still needed: $166.67 a month, about $50,000 of capital" in text
    assert "Jan: 6.7%" in text and "Dec: 5.8%" in text and "Feb: 5.0%" in text
    assert "http://localhost:8000/dashboard/" in text

    html = message.get_body(preferencelist=("html",)).get_content()
    assert "6.7%" in html and "On track" in html
    # The progress bar is HTML: a third filled.
    assert re.search(r'<td[^>]+width="33%"', html)
    # CSS is inlined for clients that drop <style>; no external resource.
    assert 'style="' in html and "background-color: #0b6b5c" in html
    assert not re.search(r"<link|@import|url\(|src=\"https?:", html)
    # The chart: a PNG in the same multipart/related part, referenced by Content-ID.
    cid = re.search(r'src="cid:([^"]+)"', html).group(1)
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<{cid}>"
    assert images[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "text/plain",
        "multipart/related",
    ]


def test_a_batch_is_built_in_as_many_queries_for_three_users_as_for_one(user):
    others = [investor(email=f"bo{number}@example.com") for number in range(2)]
    for other in others:
        GoalFactory(owner=other, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))
    recompute(*others)

    def queries_to_build(*users) -> int:
        with at(FEB_1_0830), CaptureQueriesContext(connection) as queries:
            built = [
                build_email(outgoing)
                for outgoing in month_start_outgoings(user_ids=[u.pk for u in users], month=JANUARY)
            ]
        assert len(built) == len(users)
        return len(queries)

    # Nothing read per user or per snapshot row (a column left unread included).
    assert queries_to_build(user) == queries_to_build(user, *others)


def test_headers_message_id_date_and_one_click_unsubscribe(mail, user):
    send(user)

    message = mail.wait_for("ann@example.com")
    row = SentEmail.objects.get(user=user)
    assert message["Message-ID"] == row.message_id
    assert re.fullmatch(r"<[^@>]+@localhost>", message["Message-ID"])
    assert message["Date"].datetime == message["Date"].datetime.astimezone(dt.UTC)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The header is folded on the wire (the link is long), hence the strip.
    link = re.fullmatch(
        r"<(http://localhost:8000/unsubscribe/[^>]+/)>", message["List-Unsubscribe"].strip()
    )
    assert link and link.group(1) in mail.text(message)
    assert (row.kind, row.period, row.status, row.to_email) == (
        "monthly",
        "2026-01",
        "sent",
        "ann@example.com",
    )
    assert row.sent_at is not None and row.subject == message["Subject"]


def test_amounts_in_the_users_currency_and_the_sites_locale(mail, settings):
    settings.NUMBER_LOCALE = "de_DE"
    user = investor(email="bea@example.com", currency="EUR")
    GoalFactory(owner=user, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))
    recompute(user)

    send(user)

    text = mail.text(mail.wait_for("bea@example.com"))
    assert "Wealth ratio: 6,7%" in text
    assert "passive income 333,33\xa0€" in text
    # money_whole writes the sign where the pattern puts it: "€50.000" (or "50.000 €").
    assert re.search("about (€50\\.000|50\\.000\xa0€) of capital", text)


def test_a_portfolio_goal_reads_its_portfolio_and_no_goal_invites_to_set_one(mail):
    with_goal = investor(email="carl@example.com")
    side = PortfolioFactory(owner=with_goal, name="Rentals")
    StreamFactory(portfolio=side, category="rent", amount=Decimal("200"))
    GoalFactory(
        owner=with_goal,
        portfolio=side,
        year=2026,
        metric="monthly_passive",
        baseline=Decimal("0"),
        target=Decimal("500"),
    )
    without_goal = investor(email="dina@example.com")
    recompute(with_goal, without_goal)

    send(with_goal, without_goal)

    text = mail.text(mail.wait_for("carl@example.com"))
    assert "Monthly passive income (Rentals): $200.00 of $500.00, 40% of the way." in text
    assert "Passive income still needed: $300.00 a month" in text
    assert "You have no goal for 2026 yet." in mail.text(mail.wait_for("dina@example.com"))


def test_no_monthly_email_without_figures_for_the_month(mail):
    newcomer = member(email="eve@example.com")  # no data: no snapshot of January

    report = send(newcomer)

    # Only the reminder to record January goes; there is no progress to report.
    assert report.sent == 1
    assert mail.wait_for("eve@example.com")["Subject"] == (
        "Record what came in and went out in January 2026"
    )
    assert list(SentEmail.objects.values_list("kind", flat=True)) == ["reminder"]


def test_with_no_spending_recorded_the_runway_says_so(mail):
    # Salary, dividends and cash, but no spending entered: not "Runway: free".
    newcomer = member(email="fay@example.com")
    portfolio = newcomer.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("5000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("250"))
    ValuationFactory(
        holding=HoldingFactory(portfolio=portfolio, kind="cash"),
        date=dt.date(2020, 1, 1),
        value=Decimal("30000"),
    )
    recompute(newcomer)

    send(newcomer)

    mail.wait_for("fay@example.com", count=2)  # and the reminder: January has no entry
    (message,) = [m for m in mail.to("fay@example.com") if "wealth ratio" in m["Subject"]]
    text = mail.text(message)
    assert "Runway: unknown (no spending recorded yet)" in text
    assert "your runway is unknown (no spending recorded yet)" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "no spending recorded yet" in html
    assert "free" not in text and ">free<" not in html
