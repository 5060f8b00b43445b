"""A CSV import in Chromium with a real worker: the progress page follows the job by itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.helpers import log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client_owner_portfolio(client, owner):
    """The owner logged in, and their portfolio (before ``browser``, see conftest.py)."""
    client.force_login(owner)
    return client, owner.portfolios.get()


def test_the_progress_page_turns_into_the_preview_then_into_the_outcome(
    live_server, client_owner_portfolio, start_worker, page, tmp_path
):
    client, portfolio = client_owner_portfolio
    start_worker()
    rows = "".join(f"2025-03-{day:02d},{day},rent\r\n" for day in range(1, 29))
    csv_file = tmp_path / "march.csv"
    csv_file.write_text("date,amount,category\r\n" + rows)
    log_in(page, live_server, client)
    problems = page_errors(page)

    page.goto(live_server.url + reverse("dataport:entry_import", args=[portfolio.pk]))
    page.set_input_files('input[type="file"]', str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()

    # Without a click: the script polls the status and reloads once the rows are read.
    page.get_by_role("heading", name="28 rows from 1 Mar 2025 to 28 Mar 2025").wait_for()
    page.get_by_role("button", name="Import 28 entries").click()
    page.get_by_text("Imported 28 entries.").wait_for()
    page.get_by_role("link", name="See the entries").click()
    assert page.url.endswith(reverse("portfolio:entry_list", args=[portfolio.pk]))
    assert problems == []  # no script error, no refusal by the Content-Security-Policy
