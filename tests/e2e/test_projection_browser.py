"""The projection page in Chromium: both charts draw under the strict CSP, the form
updates them, and the note about unpaid liquid assets reads as one paragraph.

Screenshots of the note go to ``artifacts_dir()`` as ``projection-unpaid-<width>.png``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.e2e.helpers import PAINTED, artifacts_dir, log_in, page_errors
from tests.factories import HoldingFactory, StreamFactory, ValuationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The width of the longest line of text in an element: a range over its contents
# has one box per line of each piece of text.
WIDEST_LINE = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return Math.max(...[...range.getClientRects()].map((box) => box.width));
}"""


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


@pytest.fixture
def unpaid_cash(portfolio):
    """A salary, and 10,000 of cash that pays nothing recorded."""
    StreamFactory(portfolio=portfolio, amount=Decimal("4000.00"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash", name="Current account")
    ValuationFactory(holding=cash, value=Decimal("10000.00"))


@pytest.mark.usefixtures("unpaid_cash")
@pytest.mark.parametrize("width", [1280, 390])
def test_the_note_on_unpaid_liquid_assets_is_one_paragraph(
    live_server, client_owner, browser, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, client_owner)
    page.goto(live_server.url + reverse("portfolio:projection"))
    note = page.locator('[data-figure="unpaid_capital"]')
    card = page.locator("section[aria-labelledby=assumptions-heading]")
    page.screenshot(path=str(artifacts_dir() / f"projection-unpaid-{width}.png"), full_page=True)
    assert "pays no income you have recorded" in note.inner_text()
    # The words run across the note, not down columns a word or two wide: its
    # longest line is most of the card's width.
    longest = note.evaluate(WIDEST_LINE)
    assert longest >= 0.7 * card.bounding_box()["width"]
    # And the note keeps its distance from the Assumptions card below it.
    below = note.bounding_box()
    assert card.bounding_box()["y"] - (below["y"] + below["height"]) >= 8
    context.close()
