"""The dashboard's history section in Chromium on the first days and around a recompute:
one month gets a sentence, a pending recompute a note that clears itself without a
reload, and without JavaScript the tables show with no empty chart boxes.

Screenshots (``ARTIFACTS_DIR``): the demo account's charts at 1280 and 390 px wide
(all years and the last one), a first year with small amounts at both widths, the
pending note, the one-month sentence and the page without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from households.page_versions import pages_changed
from portfolio.models import SnapshotQueue
from portfolio.snapshots import snapshots_recompute
from tests.e2e.helpers import PAINTED, artifacts_dir, log_in, page_errors
from tests.factories import (
    HoldingFactory,
    SnapshotFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("ratio", "passive", "runway", "balance")
NOTE = "[data-charts-pending]"
MINUS = "\N{MINUS SIGN}"  # as Intl.NumberFormat writes a negative number


def history_of(user, months: int, debt: int = 0) -> None:
    """A salary stream, and ``months`` snapshots up to this month (net worth lowered
    by ``debt``); no marker pending."""
    StreamFactory(portfolio=user.portfolios.get(), first_date=date(2020, 1, 1))
    today = date.today()
    last = today.year * 12 + today.month - 1
    for index in range(last - months + 1, last + 1):
        SnapshotFactory(
            owner=user,
            month=date(index // 12, index % 12 + 1, 1),
            liquid_assets=Decimal(10_000 + 500 * (index - last)),
            net_worth=Decimal(10_000 + 500 * (index - last) - debt),
        )
    SnapshotQueue.objects.filter(user=user).delete()


def mark(user) -> None:
    now = dt.datetime.now(dt.UTC)
    SnapshotQueue.objects.update_or_create(
        user=user,
        defaults={"dirty_since": date.today(), "first_requested_at": now, "requested_at": now},
    )


@pytest.fixture
def client_one_month(client):
    user = UserFactory(email="first-day@example.com")
    history_of(user, 1)
    client.force_login(user)
    return client


@pytest.fixture
def client_pending(client):
    user = UserFactory(email="pending@example.com")
    history_of(user, 6)
    mark(user)
    client.force_login(user)
    return client


@pytest.fixture
def client_in_debt(client):
    user = UserFactory(email="in-debt@example.com")
    history_of(user, 4, debt=20_000)
    client.force_login(user)
    return client


@pytest.fixture
def client_first_year(client):
    """A first year with small passive income: salary 3,000 and spending 2,000 a month,
    dividends of 5 a quarter, and cash of 10,000 valued only from the fourth month on
    (a gap in the runway and the balances before it)."""
    user = UserFactory(email="first-year@example.com")
    portfolio = user.portfolios.get()
    today = date.today()
    first = date(today.year - 1, today.month, 1)
    StreamFactory(portfolio=portfolio, category="salary", first_date=first)
    StreamFactory(
        portfolio=portfolio, category="living_expenses", amount=Decimal("2000"), first_date=first
    )
    StreamFactory(
        portfolio=portfolio,
        category="dividends",
        amount=Decimal("5"),
        frequency="quarterly",
        first_date=first,
    )
    valued = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio), date=valued, value=10_000)
    snapshots_recompute(user_ids=[user.pk])
    client.force_login(user)
    return client


@pytest.fixture
def client_demo(client):
    call_command("load_demo")
    client.force_login(User.objects.get(email="demo@example.com"))
    return client


def test_one_month_gets_a_sentence_and_no_canvas(live_server, client_one_month, page):
    log_in(page, live_server, client_one_month)
    problems = page_errors(page)

    page.goto(live_server.url + reverse("dashboard:dashboard"))

    sentence = page.locator("[data-charts-too-short]")
    assert sentence.is_visible()
    assert "the charts draw from the second month on" in sentence.inner_text()
    assert page.locator("canvas").count() == 0
    assert page.locator("[data-chart-range]").count() == 0
    page.locator("[data-charts]").screenshot(path=str(artifacts_dir() / "charts-one-month.png"))
    assert problems == []


def test_the_pending_note_clears_itself_without_a_reload(live_server, client_pending, page):
    log_in(page, live_server, client_pending)
    problems = page_errors(page)

    page.goto(live_server.url + reverse("dashboard:dashboard"))
    page.wait_for_selector('#chart-balance[data-drawn="true"]')
    assert page.locator(NOTE).is_visible()
    assert page.locator(NOTE).inner_text() == "Figures are being updated…"
    page.locator("[data-charts]").screenshot(path=str(artifacts_dir() / "charts-pending.png"))
    # A mark on the window: a full reload would forget it.
    page.evaluate("() => { window.sameDocument = true; }")

    # What the recompute does when it is done: its marker deleted, the pages raised.
    SnapshotQueue.objects.all().delete()
    pages_changed(User.objects.filter(email="pending@example.com").values_list("pk", flat=True))

    page.locator(NOTE).wait_for(state="detached", timeout=10_000)
    page.wait_for_selector('#chart-balance[data-drawn="true"]')
    assert page.evaluate("() => window.sameDocument") is True
    assert page.locator("[data-charts]").count() == 1
    assert page.evaluate("() => Chart.getChart('chart-balance').data.labels.length") == 6
    # The range buttons of the new section work.
    page.get_by_role("button", name="1 year").click()
    assert page.get_by_role("button", name="1 year").get_attribute("aria-pressed") == "true"
    assert problems == []


def test_without_javascript_the_tables_show_and_no_chart_box(live_server, client_demo, browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, live_server, client_demo)
        page.goto(live_server.url + reverse("dashboard:dashboard"))

        tables = page.locator("[data-chart-table]")
        assert tables.count() == 4
        for index in range(4):
            assert tables.nth(index).is_visible()
        for name in CHARTS:
            box = page.locator(f"#chart-{name}").locator("xpath=..")
            assert not box.is_visible(), name
            assert box.bounding_box() is None, name  # no space kept for it
        assert not page.locator("details.chart-table summary").first.is_visible()
        page.locator("[data-charts]").screenshot(path=str(artifacts_dir() / "charts-no-js.png"))
    finally:
        context.close()


def assert_axes_read_well(page) -> None:
    for name in CHARTS:
        labels = page.evaluate(
            "(id) => Chart.getChart(id).scales.y.ticks.map((tick) => tick.label)", f"chart-{name}"
        )
        shown = [label for label in labels if label]
        assert len(shown) == len(set(shown)), (name, labels)  # no duplicate labels
        assert not any(label.startswith(("-", MINUS)) for label in shown), (name, labels)
    # Money and runway axes start at 0; the ratio's fits data that never go below 0.
    for name in ("passive", "runway", "balance"):
        assert page.evaluate(f"() => Chart.getChart('chart-{name}').scales.y.min") == 0, name
    assert page.evaluate("() => Chart.getChart('chart-ratio').scales.y.min") >= 0
    # Not the -100% to 100% of an axis around nothing.
    assert page.evaluate("() => Chart.getChart('chart-ratio').scales.y.max") < 1


def open_charts(browser, live_server, client, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, client)
    problems = page_errors(page)
    page.goto(live_server.url + reverse("dashboard:dashboard"))
    for name in CHARTS:
        page.wait_for_selector(f'#chart-{name}[data-drawn="true"]')
        assert page.evaluate(PAINTED, f"chart-{name}") > 2_000, name
    # Tables folded, boxes shown: the script runs.
    assert not page.locator("[data-chart-table]").first.is_visible()
    return context, page, problems


@pytest.mark.parametrize("width", [1280, 390])
def test_demo_charts_read_at_a_glance(live_server, client_demo, browser, width):
    context, page, problems = open_charts(browser, live_server, client_demo, width)
    try:
        section = page.locator("[data-charts]")
        section.screenshot(path=str(artifacts_dir() / f"charts-demo-all-{width}.png"))
        assert_axes_read_well(page)
        page.get_by_role("button", name="1 year").click()
        page.mouse.move(0, 0)
        section.screenshot(path=str(artifacts_dir() / f"charts-demo-1y-{width}.png"))
        assert_axes_read_well(page)
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_first_year_with_small_amounts_reads_at_a_glance(
    live_server, client_first_year, browser, width
):
    context, page, problems = open_charts(browser, live_server, client_first_year, width)
    try:
        page.locator("[data-charts]").screenshot(
            path=str(artifacts_dir() / f"charts-first-year-{width}.png")
        )
        assert_axes_read_well(page)
        # No balance before the first valuation: a gap, not a line at 0.
        runway = page.evaluate("() => Chart.getChart('chart-runway').data.datasets[0].data")
        assert runway[:3] == [None, None, None]
        assert all(value > 0 for value in runway[3:])
        assert problems == []
    finally:
        context.close()


def test_a_negative_net_worth_shows_below_0(live_server, client_in_debt, page):
    log_in(page, live_server, client_in_debt)
    page.goto(live_server.url + reverse("dashboard:dashboard"))
    page.wait_for_selector('#chart-balance[data-drawn="true"]')
    # Net worth from -11,500 to -10,000; liquid assets from 8,500 to 10,000.
    low, high = page.evaluate(
        "() => { const y = Chart.getChart('chart-balance').scales.y; return [y.min, y.max]; }"
    )
    assert low <= -11_500
    assert high >= 10_000
    labels = page.evaluate(
        "() => Chart.getChart('chart-balance').scales.y.ticks.map((t) => t.label)"
    )
    assert "$0" in labels
