"""The projection page in Chromium: both charts draw under the strict CSP, the form updates them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.helpers import PAINTED, log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_projection_draws_and_updates(live_server, client_owner, page):
    log_in(page, live_server, client_owner)
    problems = page_errors(page)

    page.goto(live_server.url + reverse("portfolio:projection"))
    page.get_by_label("Invested capital today").fill("250000")
    page.get_by_label("Years", exact=True).fill("12")
    page.get_by_role("button", name="Update the projection").click()
    page.wait_for_url("**capital=250000**")

    for canvas in ("projection-income-chart", "projection-capital-chart"):
        page.locator(f"#{canvas}").scroll_into_view_if_needed()
        page.wait_for_function(f"() => Chart.getChart('{canvas}') !== undefined")
        assert page.evaluate(PAINTED, canvas) > 2_000, canvas
    labels = page.evaluate("() => Chart.getChart('projection-income-chart').data.labels")
    assert len(labels) == 13 and labels[0] == "Today"  # today, then twelve years
    assert page.locator("#projection-table tbody tr").count() == 13
    assert problems == []
