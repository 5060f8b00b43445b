"""The projection page in Chromium: both charts draw under the strict CSP, the form updates them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM}")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_projection_draws_and_updates(live_server, browser, client_owner):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client_owner.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

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
    assert len(labels) == 12
    assert page.locator("#projection-table tbody tr").count() == 12
    assert problems == []
    context.close()
