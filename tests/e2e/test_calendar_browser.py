"""The passive-income calendar in the browser at 1280 and 390 px wide.

Screenshots go to ``artifacts_dir()`` as ``calendar-<width>.png``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.e2e.helpers import artifacts_dir, log_in, page_errors
from tests.factories import HoldingFactory, StreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account(owner, portfolio):
    """Rent, a quarterly dividend and a yearly royalty, with long names."""
    flat = HoldingFactory(
        portfolio=portfolio, name="Two-bedroom flat on Harbour Street", kind="property"
    )
    fund = HoldingFactory(
        portfolio=portfolio, name="Global all-cap index fund (accumulating)", kind="listed"
    )
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("5000"))
    StreamFactory(
        portfolio=portfolio,
        name="Rent from the Harbour Street tenants",
        category="rent",
        amount=Decimal("1020"),
        holding=flat,
    )
    StreamFactory(
        portfolio=portfolio,
        name="Index fund dividend",
        category="dividends",
        amount=Decimal("300"),
        frequency="quarterly",
        first_date=date(2020, 2, 29),
        holding=fund,
    )
    StreamFactory(
        portfolio=portfolio,
        name="Royalty for the cookbook",
        category="royalties",
        amount=Decimal("4000"),
        frequency="yearly",
        first_date=date(2020, 12, 31),
    )
    StreamFactory(
        portfolio=portfolio, name="Living", category="living_expenses", amount=Decimal("3000")
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_calendar_reads_at_desktop_and_phone_widths(
    live_server, account, client_owner, browser, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, client_owner)
        problems = page_errors(page)
        page.goto(live_server.url + reverse("dashboard:dashboard"))
        page.get_by_role("link", name="Passive-income calendar").click()
        page.get_by_role("heading", name="Passive-income calendar").wait_for()
        page.screenshot(path=str(artifacts_dir() / f"calendar-{width}.png"), full_page=True)

        assert page.locator("section[data-month]").count() == 12
        # Rent alone, 1,020 of 3,000: a month without the dividend or the royalty.
        coverage = page.locator("[data-coverage]").all_inner_texts()
        assert any("passive income pays 34% of" in text for text in coverage), coverage
        rent = page.get_by_role("cell", name="Rent from the Harbour Street tenants")
        assert rent.count() == 12 and rent.first.is_visible()
        assert (
            page.locator("[data-milestone=covered] .figure-value")
            .inner_text()
            .endswith(("December 2026", "December 2027"))
        )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert problems == []
    finally:
        context.close()
