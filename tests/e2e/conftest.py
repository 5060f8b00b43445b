"""The browser of the e2e tests: Debian's Chromium (never a downloaded build) driven
by Playwright.

Without Chromium the tests are skipped, unless ``REQUIRE_BROWSER`` is set (as in CI),
where a missing browser must fail rather than pass unnoticed. Screenshots go to
``artifacts_dir()`` (``tests.e2e.helpers``): ``ARTIFACTS_DIR``, default ``artifacts/``.

Set up the database in fixtures listed before ``browser`` (or ``page``): once
Playwright runs, the ORM opens new connections in Playwright's context, outside
the test's transaction and unknown to its teardown. ``browser`` closes them at the
end, or PostgreSQL would refuse to drop the test database, but keep the test body
to reading back what the browser did.
"""

from __future__ import annotations

import os

import pytest
from django.db import connections

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS


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
