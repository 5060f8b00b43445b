"""The browser of the e2e tests: Debian's Chromium (never a downloaded build) driven
by Playwright.

Without Chromium the tests are skipped, unless ``REQUIRE_BROWSER`` is set (as in CI),
where a missing browser must fail rather than pass unnoticed. Screenshots go to
``artifacts_dir()``: ``ARTIFACTS_DIR``, default ``artifacts/`` in the repository.

Set up the database in fixtures listed before ``browser`` (or ``page``): once
Playwright runs, the ORM opens new connections in Playwright's context, outside
the test's transaction and unknown to its teardown. ``browser`` closes them at the
end, or PostgreSQL would refuse to drop the test database, but keep the test body
to reading back what the browser did.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
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
BASE_DIR = Path(__file__).resolve().parents[2]
# ``page.evaluate(PAINTED, id)``: the non-transparent pixels of a canvas. A drawn
# chart paints thousands; axes and labels alone paint far fewer.
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


def artifacts_dir() -> Path:
    """The folder for screenshots (created): ``ARTIFACTS_DIR``, relative to the repository."""
    folder = Path(os.environ.get("ARTIFACTS_DIR") or "artifacts")
    if not folder.is_absolute():
        folder = BASE_DIR / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # made by the test itself are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # Whatever ORM call a test made inside Playwright's context opened its
            # own connection; close it, or the test database cannot be dropped.
            connections.close_all()
            browser.close()


@pytest.fixture
def page(browser):
    """A page in a fresh 1280 by 900 context; a step may wait 15 s at the most."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, client) -> None:
    """Give ``page`` the session of Django's test ``client`` (logged in before ``browser``)."""
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def page_errors(page) -> list[str]:
    """A list that fills with the page's uncaught exceptions and console errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors
