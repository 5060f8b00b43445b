"""The dashboard (all portfolios, or one) and the page explaining its figures."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Valuation
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "dashboard:dashboard"
HELP = "dashboard:metrics_help"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def figures(response) -> dict[str, str]:
    """The figures the page shows, by their data-figure name."""
    assert response.status_code == 200
    found = re.findall(r'data-figure="(\w+)"[^>]*>(.*?)</', response.content.decode(), re.S)
    return {name: html.unescape(text).strip() for name, text in found}


def holding(portfolio, name, kind, value, **kwargs):
    made = HoldingFactory(portfolio=portfolio, name=name, kind=kind, **kwargs)
    ValuationFactory(holding=made, date=dt.date(2026, 1, 1), value=Decimal(value))
    return made


def alex(portfolio):
    """The worked example of docs/metrics.md, in one portfolio."""
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("4000"))
    StreamFactory(
        portfolio=portfolio,
        name="Dividends",
        category="dividends",
        amount=Decimal("150"),
        hours_per_month=Decimal(2),
    )
    StreamFactory(portfolio=portfolio, name="Interest", category="interest", amount=Decimal("50"))
    StreamFactory(
        portfolio=portfolio, name="Living", category="living_expenses", amount=Decimal("3000")
    )
    holding(portfolio, "Cash", "cash", "6000")
    holding(portfolio, "Index fund", "listed", "24000")
    holding(portfolio, "Home", "property", "300000")
    holding(portfolio, "Mortgage", "loan", "-220000")


# --- The worked example -----------------------------------------------------------------------

WORKED_EXAMPLE = {
    "wealth_ratio": "5.0%",
    "runway_months": "10.0 months",
    "runway_with_passive_months": "10.7 months",
    "passive_coverage": "6.7%",
    "savings_rate": "28.6%",
    "passive_per_hour": "$100.00",
    "net_worth": "$110,000.00",
    "liquid_assets": "$30,000.00",
    "earned": "$48,000.00",
    "passive": "$2,400.00",
    "spending": "$36,000.00",
}


def test_the_worked_example_of_the_help_page_is_what_the_dashboard_shows(client_owner, portfolio):
    alex(portfolio)
    response = client_owner.get(reverse(DASHBOARD))
    assert figures(response) == WORKED_EXAMPLE
    content = response.content.decode()
    assert "0.8 years" in content  # the runway in years, as the help page says
    assert "$200.00" in content  # monthly passive
    # And the help page states the same results.
    doc = client_owner.get(reverse(HELP)).content.decode()
    for claim in (
        "<strong>5%</strong>",
        "<strong>10 months</strong>",
        "<strong>10.7 months</strong>",
    ):
        assert claim in doc
    for claim in (
        "<strong>6.7%</strong>",
        "<strong>28.6%</strong>",
        "<strong>100 an hour</strong>",
    ):
        assert claim in doc
    assert "<strong>110,000</strong>" in doc
    assert "<strong>30,000</strong>" in doc
    assert "earned 48,000, passive 2,400 (1,800 + 600), spending 36,000" in doc


def test_a_portfolios_own_dashboard_shows_the_same(client_owner, portfolio):
    alex(portfolio)
    response = client_owner.get(reverse("dashboard:portfolio", args=[portfolio.pk]))
    assert figures(response) == WORKED_EXAMPLE


# --- Edge cases -------------------------------------------------------------------------------


def test_no_earned_income_with_passive_income_is_fully_passive(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Rent", category="rent", amount=Decimal("900"))
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("600"))
    holding(portfolio, "Cash", "cash", "1200")

    shown = figures(client_owner.get(reverse(DASHBOARD)))

    assert shown["wealth_ratio"] == "fully passive"
    assert shown["runway_months"] == "2.0 months"
    assert shown["runway_with_passive_months"] == "free"  # passive pays for the spending
    assert shown["passive_coverage"] == "150.0%"
    assert shown["savings_rate"] == "33.3%"
    # The stream's hours were left at 0: that is what the figure says, not that none are needed.
    assert shown["passive_per_hour"] == "no hours recorded"


def test_no_spending_recorded_says_so_instead_of_a_free_runway(client_owner, portfolio):
    # A newcomer's salary, dividends and cash, and no spending entered yet: the
    # runways, coverage and savings rate would read "free", ∞ and 100% for want of
    # data. They are unknown ("—"), their cards say what is missing, and the
    # runway's card offers to add it.
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("1000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("50"))
    holding(portfolio, "Cash", "cash", "5000")

    response = client_owner.get(reverse(DASHBOARD))
    shown = figures(response)

    content = response.content.decode()
    for name in ("runway_months", "runway_with_passive_months", "passive_coverage", "savings_rate"):
        assert shown[name] == "—", name
        note = re.search(
            rf'data-figure="{name}">.*?<p class="figure-note">(.*?)</p>', content, re.S
        )
        assert note[1].startswith("No spending recorded yet"), name
    assert shown["wealth_ratio"] == "5.0%"  # needs no spending
    assert ">free<" not in content and "∞" not in content
    add = reverse("portfolio:stream_create", args=[portfolio.pk]) + "?category=living_expenses"
    assert f'href="{add}" data-add-spending>add what you spend</a>' in content


def test_once_spending_is_recorded_the_runway_is_a_figure_again(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("1000"))
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("500"))
    holding(portfolio, "Cash", "cash", "5000")

    response = client_owner.get(reverse(DASHBOARD))
    shown = figures(response)

    assert shown["runway_months"] == "10.0 months"
    assert shown["savings_rate"] == "50.0%"
    assert shown["passive_coverage"] == "0.0%"
    assert "data-add-spending" not in response.content.decode()
    assert "No spending recorded yet" not in response.content.decode()


def test_no_income_at_all_leaves_the_ratio_and_savings_rate_undefined(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("1000"))
    holding(portfolio, "Cash", "cash", "-500")  # overdrawn: a runway of zero, never negative

    shown = figures(client_owner.get(reverse(DASHBOARD)))

    assert shown["wealth_ratio"] == "—"
    assert shown["savings_rate"] == "—"
    assert shown["passive_coverage"] == "0.0%"
    assert shown["runway_months"] == "0.0 months"
    assert shown["earned"] == "$0.00"
    assert "fully passive" not in client_owner.get(reverse(DASHBOARD)).content.decode()


def test_an_empty_account_gets_the_guided_first_step_not_zeros(client_owner, portfolio):
    response = client_owner.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert figures(response) == {}
    content = response.content.decode()
    assert "Start with what you earn" in content
    assert reverse("portfolio:stream_create", args=[portfolio.pk]) in content
    assert reverse("portfolio:holding_create", args=[portfolio.pk]) in content
    assert "$0.00" not in content


def test_an_empty_portfolio_page_guides_into_that_portfolio(client_owner, owner, portfolio):
    alex(portfolio)
    company = PortfolioFactory(owner=owner, name="Company")

    response = client_owner.get(reverse("dashboard:portfolio", args=[company.pk]))

    assert figures(response) == {}
    assert reverse("portfolio:stream_create", args=[company.pk]) in response.content.decode()


def test_an_entry_alone_is_data(client_owner, portfolio):
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, 1), amount=Decimal("120"))
    shown = figures(client_owner.get(reverse(DASHBOARD)))
    assert shown["spending"] == "$120.00"


# --- All portfolios together ------------------------------------------------------------------


def test_the_dashboard_sums_every_portfolio(client_owner, owner, portfolio, stranger):
    alex(portfolio)
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(portfolio=company, name="Ads", category="advertising", amount=Decimal("200"))
    holding(company, "Site", "website", "15000")
    holding(company, "Bank", "deposit", "3000")
    alex(stranger.portfolios.get())  # never counted

    shown = figures(client_owner.get(reverse(DASHBOARD)))

    assert shown["passive"] == "$4,800.00"
    assert shown["earned"] == "$48,000.00"
    assert shown["wealth_ratio"] == "10.0%"
    assert shown["net_worth"] == "$128,000.00"
    assert shown["liquid_assets"] == "$33,000.00"
    assert shown["runway_months"] == "11.0 months"
    assert shown["passive_per_hour"] == "$200.00"  # 400 a month ÷ 2 h


def test_a_portfolio_page_shows_only_that_portfolio(client_owner, owner, portfolio):
    alex(portfolio)
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(portfolio=company, name="Ads", category="advertising", amount=Decimal("200"))
    StreamFactory(portfolio=company, name="Hosting", category="fees", amount=Decimal("50"))
    holding(company, "Site", "website", "15000")

    response = client_owner.get(reverse("dashboard:portfolio", args=[company.pk]))

    assert figures(response) == {
        "wealth_ratio": "fully passive",
        # The website is not liquid: no liquid balance, so both runways are unknown.
        "runway_months": "—",
        "runway_with_passive_months": "—",
        "passive_coverage": "400.0%",
        "savings_rate": "75.0%",
        "passive_per_hour": "no hours recorded",
        "net_worth": "$15,000.00",
        "liquid_assets": "—",
        "earned": "$0.00",
        "passive": "$2,400.00",
        "spending": "$600.00",
    }
    assert figures(client_owner.get(reverse(DASHBOARD)))["net_worth"] == "$125,000.00"


def test_the_dashboard_counts_to_the_users_own_today(client_owner, owner, portfolio):
    """Late on 31 October in UTC is already 1 November on Kiritimati (UTC+14)."""
    cash = holding(portfolio, "Cash", "cash", "1000")
    ValuationFactory(holding=cash, date=dt.date(2026, 11, 1), value=Decimal("2000"))
    StreamFactory(portfolio=portfolio, first_date=dt.date(2026, 11, 1), amount=Decimal("1200"))
    with time_machine.travel(dt.datetime(2026, 10, 31, 12, tzinfo=dt.UTC), tick=False):
        client_owner.force_login(owner)  # a fresh session on this day
        in_utc = figures(client_owner.get(reverse(DASHBOARD)))
        owner.time_zone = "Pacific/Kiritimati"
        owner.save(update_fields=["time_zone"])
        on_kiritimati = figures(client_owner.get(reverse(DASHBOARD)))

    assert (in_utc["net_worth"], in_utc["earned"]) == ("$1,000.00", "$0.00")
    assert (on_kiritimati["net_worth"], on_kiritimati["earned"]) == ("$2,000.00", "$1,200.00")


# --- Access -----------------------------------------------------------------------------------


def test_dashboard_anonymous_goes_to_login(client):
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_dashboard_only_answers_get(client_owner, method):
    assert getattr(client_owner, method)(reverse(DASHBOARD)).status_code == 405


# --- Queries ----------------------------------------------------------------------------------

NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


# Every request renders the history section afresh (a cached one takes two queries fewer).
@override_settings(CACHES=NO_CACHE)
def test_dashboard_queries_do_not_grow_with_data(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Salary")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, 1))
    holding(portfolio, "Cash", "cash", "100")
    with CaptureQueriesContext(connection) as few:
        assert client_owner.get(reverse(DASHBOARD)).status_code == 200

    categories = ["salary", "dividends", "rent", "living_expenses", "fees"]
    streams = [
        StreamFactory(portfolio=portfolio, category=categories[i % 5], hours_per_month=1)
        for i in range(39)
    ]
    for i in range(299):
        EntryFactory(
            portfolio=portfolio,
            date=dt.date(2025, 11, 1) + dt.timedelta(days=i),
            amount=Decimal(10 + i),
            category=categories[i % 5],
            stream=streams[i % 39] if i % 2 else None,
        )
    for i in range(19):
        made = HoldingFactory(portfolio=portfolio, kind=["cash", "property", "loan"][i % 3])
        for month in range(1, 6):
            ValuationFactory(holding=made, date=dt.date(2026, month, 1), value=Decimal(i * month))
    cash = portfolio.holdings.get(name="Cash")
    for month in range(2, 6):
        ValuationFactory(holding=cash, date=dt.date(2025, month, 1))

    with CaptureQueriesContext(connection) as many:
        response = client_owner.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert portfolio.streams.count() == 40
    assert portfolio.entries.count() == 300
    assert portfolio.holdings.count() == 20
    assert Valuation.objects.filter(holding__portfolio=portfolio).count() == 100
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    with CaptureQueriesContext(connection) as detail:
        client_owner.get(reverse("dashboard:portfolio", args=[portfolio.pk]))
    assert len(detail) <= len(many) + 1  # the portfolio itself


# --- The help page ----------------------------------------------------------------------------


def test_help_page_renders_the_metrics_doc(client):
    response = client.get(reverse(HELP))  # no account needed
    assert response.status_code == 200
    content = response.content.decode()
    assert '<h1 id="the-figures-explained">The figures explained</h1>' in content
    assert '<h2 id="wealth-ratio">Wealth ratio</h2>' in content
    assert "<strong>Financial Wealth Ratio</strong>" in content
    assert "<pre><code>wealth ratio = passive income ÷ earned income, over your window" in content
    assert "## " not in content


def test_every_anchor_the_dashboard_links_to_exists_on_the_help_page(client_owner, portfolio):
    alex(portfolio)
    dashboard = client_owner.get(reverse(DASHBOARD)).content.decode()
    help_url = reverse(HELP)
    anchors = set(re.findall(re.escape(help_url) + r"#([\w-]+)", dashboard))
    assert len(anchors) >= 9
    ids = set(re.findall(r'\bid="([^"]+)"', client_owner.get(help_url).content.decode()))
    assert anchors <= ids, f"missing on the help page: {sorted(anchors - ids)}"


def test_help_page_only_answers_get(client):
    assert client.post(reverse(HELP)).status_code == 405


def test_the_first_steps_open_the_stream_form_on_a_fitting_category(client_owner, portfolio):
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    create = reverse("portfolio:stream_create", args=[portfolio.pk])
    assert f'href="{create}?category=salary">Add your salary' in content
    assert f'href="{create}?category=dividends">Add what your assets pay you' in content
    form = client_owner.get(f"{create}?category=salary").context["form"]
    assert form["category"].value() == "salary"
