"""The dashboard's history charts: built from snapshots only, in a flat number of queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import charts
from households.page_versions import pages_changed
from portfolio import snapshots
from portfolio.metrics import INFINITY
from portfolio.models import SnapshotQueue
from tests.factories import (
    EntryFactory,
    GoalFactory,
    HoldingFactory,
    PortfolioFactory,
    SnapshotFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
DASHBOARD = "dashboard:dashboard"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def history(owner):
    """Salary 3,000, spending 2,000 a month from January 2025; dividends 300 a
    quarter from March 2025, rent 100 a month from 2026; cash of 10,000."""
    portfolio = owner.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", first_date=date(2025, 1, 1))
    StreamFactory(
        portfolio=portfolio,
        category="living_expenses",
        amount=D("2000"),
        first_date=date(2025, 1, 1),
    )
    StreamFactory(
        portfolio=portfolio,
        category="dividends",
        amount=D("300"),
        frequency="quarterly",
        first_date=date(2025, 3, 10),
    )
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("100"), first_date=date(2026, 1, 1)
    )
    ValuationFactory(
        holding=HoldingFactory(portfolio=portfolio), date=date(2025, 1, 1), value=D("10000")
    )
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    return portfolio


def make_snapshots(owner, months: int, portfolio=None) -> None:
    """``months`` rows up to March 2026, written directly (no data behind them)."""
    first = 2026 * 12 + 2 - months + 1
    for index in range(first, first + months):
        SnapshotFactory(
            owner=owner,
            portfolio=portfolio,
            month=date(index // 12, index % 12 + 1, 1),
            earned=D("36000"),
            passive=D("1200"),
            spending=D("24000"),
            by_category={"dividends": "1200.00"},
            liquid_assets=D("123.45"),
            net_worth=D("678.90"),
            # Figures no recompute would give from the flows above.
            wealth_ratio=D("0.033333"),
            runway_months=D("0.061725"),
            runway_with_passive_months=D("0.064974"),
            passive_coverage=D("0.05"),
            savings_rate=D("0.361"),
            passive_per_hour=INFINITY,
            computed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )


# --- The series ---------------------------------------------------------------------------


def test_series_come_from_the_snapshots_as_strings(owner, history):
    built = charts.dashboard_charts(user=owner)
    data = built.data

    assert data["months"][0] == "2025-01"
    assert data["months"][-1] == "2026-03"
    assert data["labels"][-1] == "Mar 2026"
    assert data["currency"] == "USD"
    assert data["ratio"][0] == "0"
    assert data["ratio"][-1] == "0.041667"  # (1,200 + 300) / 36,000, stored to 6 places
    assert data["net_worth"][-1] == "10000.00"
    assert data["liquid_assets"][-1] == "10000.00"
    assert data["runway"][0] == "5"  # 10,000 / 2,000: January 2025 is a window of one month
    assert [s["category"] for s in data["passive"]] == ["dividends", "rent"]
    assert data["passive"][0]["values"][-1] == "100.00"  # 1,200 a year / 12
    assert data["passive"][1]["values"][-1] == "25.00"  # 300 so far / 12
    assert data["passive"][1]["values"][0] == "0.00"
    assert data["goals"] == []
    # Every amount and figure is a string or null: JSON never carries a float.
    for key in ("ratio", "runway", "runway_with_passive", "net_worth", "liquid_assets"):
        assert all(v is None or isinstance(v, str) for v in data[key]), key


def test_unbounded_and_undefined_figures(owner):
    portfolio = owner.portfolios.get()
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("500"), first_date=date(2026, 2, 1)
    )
    EntryFactory(portfolio=portfolio, category="salary", amount=D("10"), date=date(2026, 1, 20))
    EntryFactory(portfolio=portfolio, category="salary", amount=D("-10"), date=date(2026, 1, 21))
    snapshots.snapshots_recompute(user_ids=[owner.pk])

    data = charts.dashboard_charts(user=owner).data

    assert data["months"] == ["2026-01", "2026-02", "2026-03"]
    assert data["ratio"] == [None, "Infinity", "Infinity"]  # nothing at all, then fully passive
    # No holding has a value: the runway is unknown (a gap), not free and not 0.
    assert data["runway"] == [None] * 3
    assert data["liquid_assets"] == [None] * 3


def test_the_goal_path_and_target_of_this_and_past_years(owner, history):
    GoalFactory(owner=owner, year=2025, baseline=D("0"), target=D("0.1"))
    GoalFactory(
        owner=owner, year=2026, baseline=D("0.04"), target=D("0.08"), baseline_date=date(2026, 2, 1)
    )
    GoalFactory(owner=owner, year=2027, baseline=D("0.1"), target=D("0.2"))  # not this year yet
    other = PortfolioFactory(owner=owner)
    GoalFactory(owner=owner, portfolio=other, year=2026, baseline=D("0.5"), target=D("0.6"))

    built = charts.dashboard_charts(user=owner)
    data = built.data

    assert [goal["year"] for goal in data["goals"]] == [2025, 2026]
    last_year, this_year = (
        {
            "path": dict(zip(data["months"], goal["path"], strict=True)),
            "target": dict(zip(data["months"], goal["target"], strict=True)),
        }
        for goal in data["goals"]
    )
    # The path reaches the target on 31 December; each line stays within its year.
    assert last_year["path"]["2025-12"] == last_year["target"]["2025-12"] == "0.1"
    assert last_year["path"]["2026-01"] is None
    assert D(last_year["path"]["2025-06"]) == D("0.1") * 180 / 364  # 30 June: day 180 of 364
    assert this_year["path"]["2026-01"] is None  # this year's path starts on 1 February
    assert this_year["path"]["2025-12"] is None
    assert D(this_year["path"]["2026-02"]) == D("0.04") + D("0.04") * 27 / 333
    assert this_year["target"]["2026-03"] == "0.08"
    # The tables show both goals in one column.
    assert [r.goal_target for r in built.rows[-4:]] == [D("0.1"), None, D("0.08"), D("0.08")]
    assert built.rows[-3].goal_path is None


def test_a_portfolio_has_its_own_series(owner, history):
    company = PortfolioFactory(owner=owner)
    make_snapshots(owner, 2, portfolio=company)
    data = charts.dashboard_charts(user=owner, portfolio=company).data
    assert data["months"] == ["2026-02", "2026-03"]
    assert data["net_worth"] == ["678.90", "678.90"]


def test_no_snapshots_no_charts(owner):
    assert not charts.dashboard_charts(user=owner)


@pytest.mark.parametrize(("months", "too_short"), [(0, False), (1, True), (2, False)])
def test_below_two_months_the_history_is_too_short_to_draw(owner, months, too_short):
    make_snapshots(owner, months)
    built = charts.dashboard_charts(user=owner)
    assert built.too_short is too_short
    assert built.first_month == (date(2026, 4 - months, 1) if months else None)


NO_BALANCE = {
    "liquid_assets": None,
    "net_worth": None,
    "runway_months": None,
    "runway_with_passive_months": None,
}


def test_before_the_first_valuation_there_is_no_balance_to_draw(owner):
    make_snapshots(owner, 3)
    assert charts.dashboard_charts(user=owner).has_balance
    owner.snapshots.filter(month__lt=date(2026, 3, 1)).update(**NO_BALANCE)
    assert charts.dashboard_charts(user=owner).has_balance  # the last month has one
    owner.snapshots.update(**NO_BALANCE)
    assert not charts.dashboard_charts(user=owner).has_balance


def test_pending_while_the_users_own_marker_exists(owner, stranger):
    make_snapshots(owner, 3)
    assert not charts.dashboard_charts(user=owner).pending
    mark(stranger)
    assert not charts.dashboard_charts(user=owner).pending
    mark(owner)
    assert charts.dashboard_charts(user=owner).pending
    assert charts.dashboard_charts(user=stranger).pending  # with no history yet, too
    assert charts.recompute_pending(owner)


def mark(user) -> None:
    """The marker of a pending recompute, written directly (no task queued)."""
    now = dt.datetime.now(dt.UTC)
    SnapshotQueue.objects.update_or_create(
        user=user,
        defaults={"dirty_since": date(2026, 3, 1), "first_requested_at": now, "requested_at": now},
    )


def with_data(user) -> None:
    """A stream, so the dashboard shows its figures and charts; no marker left pending."""
    StreamFactory(portfolio=user.portfolios.get(), first_date=date(2026, 1, 1))
    SnapshotQueue.objects.filter(user=user).delete()


# --- The page -------------------------------------------------------------------------------


def test_dashboard_draws_four_charts_each_with_its_table(client_owner, owner, history):
    response = client_owner.get(reverse(DASHBOARD))

    assert response.status_code == 200
    content = response.content.decode()
    for name in ("ratio", "passive", "runway", "balance"):
        assert f'id="chart-{name}"' in content
    assert content.count('<details class="chart-table" open>') == 4  # folded by charts.js
    assert 'id="chart-data" type="application/json"' in content
    data = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', content, re.S)[1])
    assert data["months"][-1] == "2026-03"
    # The tables hold the same numbers, newest month first.
    assert re.search(r"March 2026</th><td class=\"num\">4\.2%</td>", content)
    assert "5.0 months" in content  # January 2025's runway
    assert "$10,000.00" in content
    assert "data-chart-range hidden" in content  # the range buttons wait for the script
    # No inline script: every <script> is a file or JSON data (CSP script-src 'self').
    for tag in re.findall(r"<script\b[^>]*>", content):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/chart.umd-4.6.1.min.js" in content
    assert "js/charts.js" in content


def test_one_month_of_history_gets_a_sentence_instead_of_empty_axes(client_owner, owner):
    with_data(owner)
    make_snapshots(owner, 1)

    content = client_owner.get(reverse(DASHBOARD)).content.decode()

    assert "data-charts-too-short" in content
    assert (
        "Your history starts in March 2026; the charts draw from the second month on. "
        "The figures above are today's." in content
    )
    assert "<canvas" not in content
    assert "chart-data" not in content
    assert "data-chart-range" not in content
    assert "js/charts.js" not in content  # nothing to draw and nothing to wait for
    assert "data-charts-pending" not in content


def test_two_months_of_history_are_drawn(client_owner, owner):
    with_data(owner)
    make_snapshots(owner, 2)
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert "data-charts-too-short" not in content
    assert content.count("<canvas") == 4


def test_no_balance_yet_no_runway_or_balance_chart(client_owner, owner):
    with_data(owner)
    make_snapshots(owner, 3)
    owner.snapshots.update(**NO_BALANCE)

    content = client_owner.get(reverse(DASHBOARD)).content.decode()

    assert 'id="chart-ratio"' in content
    assert 'id="chart-runway"' not in content
    assert 'id="chart-balance"' not in content
    assert "data-charts-no-balance" in content


def test_no_passive_income_yet_no_empty_bars(client_owner, owner):
    with_data(owner)
    make_snapshots(owner, 3)
    owner.snapshots.update(by_category={})

    response = client_owner.get(reverse(DASHBOARD))

    assert not response.context["charts"].has_passive
    content = response.content.decode()
    assert 'id="chart-passive"' not in content
    assert "data-charts-no-passive" in content
    assert 'id="chart-ratio"' in content


@pytest.mark.parametrize("months", [0, 1, 3])
def test_a_pending_recompute_says_so_and_loads_the_script_that_waits(client_owner, owner, months):
    with_data(owner)
    make_snapshots(owner, months)
    mark(owner)

    content = client_owner.get(reverse(DASHBOARD)).content.decode()

    assert re.search(r'<p class="charts-pending"[^>]*>Figures are being updated…</p>', content)
    assert f'data-status-url="{reverse("dashboard:status")}"' in content
    assert "js/charts.js" in content
    # The scripts sit outside the section the script replaces.
    assert content.index("</section>", content.index("data-charts")) < content.index("js/charts.js")


def test_another_users_marker_is_not_a_pending_recompute(client_owner, owner, stranger):
    with_data(owner)
    make_snapshots(owner, 3)
    mark(stranger)
    assert "data-charts-pending" not in client_owner.get(reverse(DASHBOARD)).content.decode()


def test_charts_read_snapshots_and_never_recompute(client_owner, owner):
    StreamFactory(portfolio=owner.portfolios.get(), first_date=date(2026, 1, 1))
    make_snapshots(owner, 3)  # figures no recompute would give
    with (
        mock.patch.object(snapshots, "snapshots_recompute", side_effect=AssertionError),
        mock.patch.object(snapshots, "compute_figures", side_effect=AssertionError),
    ):
        response = client_owner.get(reverse(DASHBOARD))
    assert response.context["charts"].data["net_worth"] == ["678.90"] * 3
    assert "$678.90" in response.content.decode()


def test_charts_wait_for_the_first_snapshots(client_owner, owner):
    StreamFactory(portfolio=owner.portfolios.get(), first_date=date(2026, 1, 1))
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert "data-charts-empty" in content
    assert "chart-data" not in content


def test_the_portfolio_page_charts_that_portfolio(client_owner, owner, history):
    company = PortfolioFactory(owner=owner)
    StreamFactory(portfolio=company, first_date=date(2026, 2, 1))
    make_snapshots(owner, 2, portfolio=company)
    response = client_owner.get(reverse("dashboard:portfolio", args=[company.pk]))
    assert response.context["charts"].data["months"] == ["2026-02", "2026-03"]


def test_another_users_snapshots_never_show(client_owner, owner, stranger):
    StreamFactory(portfolio=owner.portfolios.get(), first_date=date(2026, 1, 1))
    make_snapshots(stranger, 5)
    assert not client_owner.get(reverse(DASHBOARD)).context["charts"]


@pytest.mark.parametrize("portfolio_page", [False, True])
def test_queries_stay_flat_with_1_or_120_months_of_history(client, owner, stranger, portfolio_page):
    def queries(user, months: int) -> int:
        portfolio = user.portfolios.get()
        StreamFactory(portfolio=portfolio, first_date=date(2026, 1, 1))
        make_snapshots(user, months, portfolio=portfolio if portfolio_page else None)
        GoalFactory(owner=user, portfolio=portfolio if portfolio_page else None, year=2026)
        client.force_login(user)
        url = (
            reverse("dashboard:portfolio", args=[portfolio.pk])
            if portfolio_page
            else reverse(DASHBOARD)
        )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["charts"].rows) == months
        return len(captured)

    assert queries(owner, 1) == queries(stranger, 120)


# --- The rendered section, kept until what it is made of changes ---------------------------


def _chart_data(client) -> dict:
    content = client.get(reverse(DASHBOARD)).content.decode()
    return json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', content, re.S)[1])


def test_the_section_follows_a_recompute_of_the_snapshots(client_owner, owner, history):
    before = _chart_data(client_owner)  # rendered, and kept in the cache
    assert _chart_data(client_owner) == before

    EntryFactory(portfolio=history, category="dividends", amount=D("1200"), date=date(2026, 3, 1))
    # The recompute a minute later (the clock stands still in these tests).
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 1, tzinfo=dt.UTC), tick=False):
        snapshots.snapshots_recompute(user_ids=[owner.pk])

    after = _chart_data(client_owner)
    assert D(after["ratio"][-1]) > D(before["ratio"][-1])
    assert after["ratio"][:-1] == before["ratio"][:-1]


def test_the_section_follows_a_changed_goal(client_owner, owner, history):
    goal = GoalFactory(owner=owner, year=2026, baseline=D("0.04"), target=D("0.08"))
    assert _chart_data(client_owner)["goals"][0]["target"][-1] == "0.08"

    goal.target = D("0.12")
    goal.save()

    assert _chart_data(client_owner)["goals"][0]["target"][-1] == "0.12"


def test_the_section_follows_the_months_with_rows_deleted(client_owner, owner):
    StreamFactory(portfolio=owner.portfolios.get(), first_date=date(2025, 10, 1))
    make_snapshots(owner, 6)
    assert len(_chart_data(client_owner)["months"]) == 6

    owner.snapshots.order_by("month").first().delete()
    # As the recompute that deletes rows does: the page is rendered again, and its
    # history section must not be the one kept for six months.
    pages_changed([owner.pk])

    assert len(_chart_data(client_owner)["months"]) == 5
