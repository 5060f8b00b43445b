"""Kept pages in Chromium with a real worker: a change shows on the next page, never an old one.

The dashboard is kept after the first visit; an entry added through its form shows
on the dashboard at once, the charts say they are updating until the worker's
recompute lands, and then the page (kept again) has the new figures at 1280 and at
390 px.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.formatting import money
from tests.e2e.helpers import artifacts_dir, log_in, page_errors
from tests.factories import StreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "[data-charts-pending]"


def test_an_entry_shows_on_the_kept_dashboard_and_its_charts_follow(
    live_server, client, owner, start_worker, page
):
    portfolio = owner.portfolios.get()
    month = dt.date.today().replace(day=1)
    StreamFactory(portfolio=portfolio, amount=Decimal("4000"), first_date=month)
    start_worker()
    client.force_login(owner)
    log_in(page, live_server, client)
    problems = page_errors(page)
    dashboard = live_server.url + reverse("dashboard:dashboard")

    def spending() -> str:
        return page.locator('[data-figure="spending"]').first.inner_text()

    page.goto(dashboard)
    page.locator(NOTE).wait_for(state="detached", timeout=30_000)  # the stream's recompute
    page.goto(dashboard)  # kept from here on
    assert spending() == money(Decimal("0"), owner.currency)

    page.goto(live_server.url + reverse("portfolio:entry_create", args=[portfolio.pk]))
    page.fill("main [name=date]", month.isoformat())
    page.fill("main [name=amount]", "250.00")
    page.select_option("main [name=category]", "living_expenses")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(dashboard)
    assert spending() == money(Decimal("250.00"), owner.currency)
    page.locator(NOTE).wait_for(state="detached", timeout=30_000)  # the worker's recompute
    page.goto(dashboard)
    assert spending() == money(Decimal("250.00"), owner.currency)
    assert page.locator(NOTE).count() == 0
    page.screenshot(path=str(artifacts_dir() / "kept-dashboard-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(dashboard)
    assert spending() == money(Decimal("250.00"), owner.currency)
    page.screenshot(path=str(artifacts_dir() / "kept-dashboard-390.png"), full_page=True)
    assert problems == []
