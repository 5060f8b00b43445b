"""The demo account's dashboard in Chromium: every history chart draws, the range buttons work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = ("ratio", "passive", "runway", "balance")
# Non-transparent pixels of a canvas: more than axes and labels alone would paint.
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("ARTIFACTS_DIR") or settings.BASE_DIR / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_session(client) -> str:
    """The demo account, logged in: its session cookie.

    Set up before ``browser``: once Playwright runs, Django would open its
    connections in Playwright's context, which the test teardown never closes.
    """
    call_command("load_demo")
    client.force_login(User.objects.get(email="demo@example.com"))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_demo_dashboard_draws_every_chart(live_server, demo_session, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": demo_session, "url": live_server.url}]
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )

    page.goto(live_server.url + reverse("portfolio:dashboard"))

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
    context.close()
