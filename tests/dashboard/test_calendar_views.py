"""The passive-income calendar page: payments by month, coverage, milestones, ownership."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EntryFactory, HoldingFactory, PortfolioFactory, StreamFactory
from tests.trend_history import growing_snapshots

pytestmark = pytest.mark.django_db
D = Decimal
CALENDAR = reverse("dashboard:calendar")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2027, 6, 10, 12, tzinfo=dt.UTC), tick=False):
        yield


def months(response) -> dict[str, dict]:
    """Each month section: its coverage sentence and its payment rows as cell texts."""
    assert response.status_code == 200
    page = response.content.decode()
    found = {}
    for key, body in re.findall(r'<section [^>]*data-month="([\d-]+)">(.*?)</section>', page, re.S):
        coverage = re.search(r"data-coverage>(.*?)</p>", body, re.S)[1]
        rows = [
            [
                html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
            for row in re.findall(r"<tr data-payment>(.*?)</tr>", body, re.S)
        ]
        found[key] = {"coverage": html.unescape(coverage), "rows": rows}
    return found


def milestone(response, name: str) -> str:
    block = re.search(rf'data-milestone="{name}">(.*?)</div>', response.content.decode(), re.S)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block)).split())


def household(portfolio):
    """Rent of 1,020 a month from a flat, a quarterly dividend of 300 and a yearly royalty
    of 4,000; a salary; and 3,000 of spending a month."""
    flat = HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    fund = HoldingFactory(portfolio=portfolio, name="World fund", kind="listed")
    StreamFactory(portfolio=portfolio, name="Salary", amount=D("5000"))
    rent = StreamFactory(
        portfolio=portfolio,
        name="Flat rent",
        category="rent",
        amount=D("1020"),
        first_date=dt.date(2027, 1, 31),
        holding=flat,
    )
    StreamFactory(
        portfolio=portfolio,
        name="Fund dividend",
        category="dividends",
        amount=D("300"),
        frequency="quarterly",
        first_date=dt.date(2026, 11, 30),
        holding=fund,
    )
    StreamFactory(
        portfolio=portfolio,
        name="Book royalty",
        category="royalties",
        amount=D("4000"),
        frequency="yearly",
        first_date=dt.date(2024, 12, 31),
    )
    StreamFactory(portfolio=portfolio, name="Living", category="living_expenses", amount=D("3000"))
    return rent


def test_twelve_months_of_payments_each_against_its_spending(client_owner, portfolio):
    household(portfolio)
    shown = months(client_owner.get(CALENDAR))

    assert list(shown) == [f"{2027 + (5 + i) // 12}-{(5 + i) % 12 + 1:02d}" for i in range(12)]
    assert shown["2027-06"]["coverage"].startswith("June: passive income pays 34% of June.")
    assert shown["2027-06"]["rows"] == [["30 Jun", "Flat rent", "Flat", "$1,020.00"]]
    assert shown["2027-11"]["rows"] == [
        ["30 Nov", "Flat rent", "Flat", "$1,020.00"],
        ["30 Nov", "Fund dividend", "World fund", "$300.00"],
    ]
    assert shown["2027-11"]["coverage"].startswith("November: passive income pays 44% of November.")
    assert shown["2027-12"]["rows"][-1] == ["31 Dec", "Book royalty", "—", "$4,000.00"]
    assert [row[0] for row in shown["2028-02"]["rows"]] == ["29 Feb", "29 Feb"]  # a leap year


def test_an_entry_recorded_for_a_coming_date_replaces_the_expected_payment(client_owner, portfolio):
    rent = household(portfolio)
    EntryFactory(
        portfolio=portfolio,
        stream=rent,
        category="rent",
        date=dt.date(2027, 8, 2),
        amount=D("1100"),
    )
    EntryFactory(portfolio=portfolio, category="interest", date=dt.date(2027, 9, 5), amount=D("15"))
    shown = months(client_owner.get(CALENDAR))

    assert shown["2027-08"]["rows"] == [
        ["2 Aug", "Flat rent recorded", "Flat", "$1,100.00"],
        ["30 Aug", "Fund dividend", "World fund", "$300.00"],
    ]
    assert ["5 Sep", "Interest recorded", "—", "$15.00"] in shown["2027-09"]["rows"]
    assert "Passive $1,400.00, spending $3,000.00." in shown["2027-08"]["coverage"]


def test_the_milestones_name_the_first_covered_month_and_the_next_round_ratio(
    client_owner, owner, portfolio
):
    household(portfolio)
    # 30% in June 2027 at 10% against 5% a year: 50% after 12 ln(5/3) / ln(1.10/1.05)
    # = 131.8 months, in June 2038.
    growing_snapshots(owner, dt.date(2027, 6, 1), ratio_now=0.30)
    response = client_owner.get(CALENDAR)

    # December: rent 1,020 + royalty 4,000 against 3,000 of spending.
    assert "December 2027" in milestone(response, "covered")
    assert "$5,020.00" in milestone(response, "covered")
    ratio = milestone(response, "ratio")
    assert re.search(r"50% in June 2038", ratio), ratio


def test_without_history_or_a_covered_month_the_milestones_say_so(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Salary")
    StreamFactory(portfolio=portfolio, name="Interest", category="interest", amount=D("10"))
    StreamFactory(portfolio=portfolio, name="Living", category="living_expenses", amount=D("900"))
    response = client_owner.get(CALENDAR)
    assert "Not in the next twelve months" in milestone(response, "covered")
    assert "Six months of history are needed" in milestone(response, "ratio")


def test_a_portfolio_calendar_shows_only_that_portfolio(client_owner, owner, portfolio):
    household(portfolio)
    other = PortfolioFactory(owner=owner, name="Side business")
    StreamFactory(
        portfolio=other,
        name="Shop",
        category="business_profit",
        amount=D("200"),
        first_date=dt.date(2027, 6, 20),
    )

    everything = months(client_owner.get(CALENDAR))
    assert ["20 Jun", "Shop", "—", "$200.00"] in everything["2027-06"]["rows"]
    side = months(client_owner.get(reverse("dashboard:portfolio_calendar", args=[other.pk])))
    assert side["2027-06"]["rows"] == [["20 Jun", "Shop", "—", "$200.00"]]
    assert side["2027-06"]["coverage"].startswith("June: passive income and no spending expected.")


def test_a_strangers_portfolio_calendar_is_not_found(client_owner, stranger):
    theirs = stranger.portfolios.get()
    StreamFactory(portfolio=theirs, name="Their rent", category="rent")
    response = client_owner.get(reverse("dashboard:portfolio_calendar", args=[theirs.pk]))
    assert response.status_code == 404
    assert "Their rent" not in months(client_owner.get(CALENDAR)).__repr__()


def test_the_calendar_asks_for_a_login(client):
    response = client.get(CALENDAR)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_dashboard_links_to_the_calendar(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Salary")
    assert f'href="{CALENDAR}"' in client_owner.get(reverse("dashboard:dashboard")).content.decode()
    page = client_owner.get(reverse("dashboard:portfolio", args=[portfolio.pk])).content.decode()
    assert f'href="{reverse("dashboard:portfolio_calendar", args=[portfolio.pk])}"' in page


def test_calendar_queries_are_the_same_with_one_and_a_hundred_streams(client_owner, portfolio):
    fund = HoldingFactory(portfolio=portfolio, name="Fund", kind="listed")
    first = StreamFactory(portfolio=portfolio, category="dividends", holding=fund)
    EntryFactory(portfolio=portfolio, stream=first, category="dividends", date=dt.date(2027, 7, 1))
    with CaptureQueriesContext(connection) as one:
        assert client_owner.get(CALENDAR).status_code == 200

    kinds = ["dividends", "rent", "royalties", "interest", "living_expenses"]
    holdings = [HoldingFactory(portfolio=portfolio, kind="property") for _ in range(10)]
    for i in range(99):
        stream = StreamFactory(
            portfolio=portfolio,
            category=kinds[i % 5],
            frequency=["monthly", "quarterly", "yearly"][i % 3],
            holding=holdings[i % 10],
        )
        EntryFactory(
            portfolio=portfolio,
            stream=stream,
            category=kinds[i % 5],
            date=dt.date(2027, 8, 1 + i % 28),
        )
    with CaptureQueriesContext(connection) as hundred:
        response = client_owner.get(CALENDAR)

    assert portfolio.streams.count() == 100
    assert len(months(response)["2027-08"]["rows"]) > 80
    assert len(hundred) == len(one), "\n".join(q["sql"] for q in hundred.captured_queries)


def test_the_calendar_links_to_sections_that_exist_on_the_help_page(client_owner, owner, portfolio):
    household(portfolio)
    growing_snapshots(owner, dt.date(2027, 6, 1))
    page = client_owner.get(CALENDAR).content.decode()
    anchors = re.findall(
        r'href="' + re.escape(reverse("dashboard:metrics_help")) + r'#([\w-]+)"', page
    )
    help_page = client_owner.get(reverse("dashboard:metrics_help")).content.decode()
    assert anchors == ["your-own-trend", "trend-projection-and-calendar"]
    assert all(f'id="{anchor}"' in help_page for anchor in anchors)


def test_with_no_spending_recorded_the_calendar_asks_for_it(client_owner, portfolio):
    # Passive income and no spending at all: no month is "covered", and the page
    # says why instead of "not in the next twelve months".
    StreamFactory(portfolio=portfolio, name="Salary")
    StreamFactory(portfolio=portfolio, name="Interest", category="interest", amount=D("10"))
    covered = milestone(client_owner.get(CALENDAR), "covered")
    assert "No spending recorded yet" in covered
    assert "record what you spend" in covered
    assert "Not in the next twelve months" not in covered


def test_the_milestones_say_which_model_each_comes_from(client_owner, owner, portfolio):
    household(portfolio)
    growing_snapshots(owner, dt.date(2027, 6, 1), ratio_now=0.30)
    page = client_owner.get(CALENDAR).content.decode()
    model = html.unescape(re.search(r"<p[^>]*data-model>(.*?)</p>", page, re.S)[1])
    assert "expected payments as they stand today, with no growth" in model
    assert "your own trend, as on the dashboard" in model
