"""The monthly e-mail's HTML as a mail client shows it: Chromium renders it, offline.

The message is read back from a real SMTP server; its chart (attached by
Content-ID) is swapped for a data: URI, as a mail client resolves cid: links.
Every network request is refused and recorded: an e-mail must load nothing from
outside. The screenshot goes to ``ARTIFACTS_DIR`` (default ``artifacts/``).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from notifications.jobs import emails_send_month_start
from portfolio.snapshots import snapshots_recompute
from tests.e2e.helpers import artifacts_dir
from tests.factories import (
    GoalFactory,
    HoldingFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

EMAIL = "reader@example.com"


@pytest.fixture
def monthly_html(smtp_server) -> str:
    """The HTML part of a real monthly e-mail, its cid: images inlined as data: URIs."""
    # An account older than January 2026, the month the e-mail reports on.
    user = UserFactory(email=EMAIL, date_joined=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    portfolio = user.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("5000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("250"))
    StreamFactory(
        portfolio=portfolio, category="rent", amount=Decimal("500"), first_date=dt.date(2025, 9, 1)
    )
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("3000"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash")
    ValuationFactory(holding=cash, date=dt.date(2020, 1, 1), value=Decimal("30000"))
    GoalFactory(owner=user, year=2026, baseline=Decimal("0.05"), target=Decimal("0.12"))
    GoalFactory(
        owner=user,
        year=2026,
        metric="monthly_passive",
        baseline=Decimal("250"),
        target=Decimal("1500"),
    )
    with time_machine.travel(dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC), tick=False):
        snapshots_recompute(user_ids=[user.pk])
        emails_send_month_start(user_ids=[user.pk], month=dt.date(2026, 1, 1))
    smtp_server.wait_for(EMAIL, count=2)  # the monthly e-mail and the log reminder
    (message,) = [m for m in smtp_server.to(EMAIL) if "wealth ratio" in m["Subject"]]
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in message.walk():
        if part.get_content_maintype() == "image":
            cid = part["Content-ID"].strip("<>")
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    return html


def test_the_monthly_email_renders_offline_in_chromium(monthly_html, browser):
    requested: list[str] = []
    # A phone-sized window first: the layout must hold at 375 px too.
    for name, width in (("email-monthly", 680), ("email-monthly-narrow", 375)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.route(
            re.compile(r"^(?!data:).*"),
            lambda route: (requested.append(route.request.url), route.abort()),
        )
        page.set_content(monthly_html, wait_until="load")

        assert page.title() == "Your wealth ratio in January 2026"
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Your wealth ratio in January 2026"
        )
        chart = page.locator("img[alt^='Wealth ratio by month']")
        assert chart.evaluate("img => img.complete && img.naturalWidth") == 1040
        # The progress bar is HTML: its filled cell is the share done of its row.
        fill = page.locator("td.bar-fill").first
        fill_box = fill.bounding_box()
        row_box = fill.locator("xpath=..").bounding_box()
        share = fill_box["width"] / row_box["width"]
        text = page.locator("body").inner_text()
        percent = int(re.search(r"(\d+)% of the way", text).group(1))
        assert abs(share * 100 - percent) < 2
        # Nothing sticks out of a narrow screen.
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width
        page.screenshot(path=str(artifacts_dir() / f"{name}.png"), full_page=True)
        context.close()
    assert requested == []
