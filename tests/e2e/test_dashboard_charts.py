"""The demo account's dashboard in Chromium: every history chart draws, the range buttons work."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from tests.e2e.helpers import PAINTED, artifacts_dir, log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("ratio", "passive", "runway", "balance")


@pytest.fixture
def client_demo(client):
    """The demo account, logged in (before ``browser``, as tests/e2e/conftest.py explains)."""
    call_command("load_demo")
    client.force_login(User.objects.get(email="demo@example.com"))
    return client


def test_demo_dashboard_draws_every_chart(live_server, client_demo, page):
    log_in(page, live_server, client_demo)
    problems = page_errors(page)

    page.goto(live_server.url + reverse("dashboard:dashboard"))

    for name in CHARTS:
        canvas = page.locator(f"#chart-{name}")
        canvas.scroll_into_view_if_needed()
        page.wait_for_selector(f'#chart-{name}[data-drawn="true"]', timeout=10_000)
        assert page.evaluate(PAINTED, f"chart-{name}") > 2_000, name
    months = page.evaluate("() => Chart.getChart('chart-ratio').data.labels.length")
    assert months >= 36
    # The ratio, and each goal's (this year's and last year's) path and target.
    assert page.evaluate("() => Chart.getChart('chart-ratio').data.datasets.length") == 5

    page.get_by_role("button", name="1 year").click()
    assert page.evaluate("() => Chart.getChart('chart-balance').data.labels.length") == 12
    assert page.get_by_role("button", name="1 year").get_attribute("aria-pressed") == "true"
    page.locator("details.chart-table summary").first.click()
    assert page.locator("details.chart-table").first.locator("tbody tr:visible").count() == 12

    page.screenshot(path=str(artifacts_dir() / "dashboard-charts.png"), full_page=True)
    page.get_by_role("button", name="All").click()
    assert page.evaluate("() => Chart.getChart('chart-balance').data.labels.length") == months
    assert problems == []
