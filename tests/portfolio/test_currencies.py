"""Figures from amounts in several currencies, at the ECB's rates of their dates.

Every rate is a real one (``tests.helpers.ECB_RATES``) and every expected figure is
worked out by hand beside it: a converted amount is rounded half up to cents (or
whole yen), then summed exactly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio import selectors, snapshots
from portfolio.forms import StreamForm
from portfolio.models import Snapshot, Stream
from tests.factories import EntryFactory, HoldingFactory, StreamFactory, ValuationFactory
from tests.helpers import store_ecb_rates

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def rates(db):
    store_ecb_rates()


@pytest.fixture
def expat(owner, portfolio, rates):
    """Paid 3,000 EUR, renting a flat out for 1,000 GBP, spending 2,500 USD, all monthly
    from 31 January 2024 (so 29 February, then 31 March), with 10,000 GBP in cash
    valued on 31 January; the base currency is the dollar."""
    owner.currency = "USD"
    owner.save()
    StreamFactory(
        portfolio=portfolio, category="salary", amount=D("3000"), currency="EUR",
        first_date=date(2024, 1, 31),
    )  # fmt: skip
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("1000"), currency="GBP",
        first_date=date(2024, 1, 31),
    )  # fmt: skip
    StreamFactory(
        portfolio=portfolio, category="living_expenses", amount=D("2500"), currency="USD",
        first_date=date(2024, 1, 31),
    )  # fmt: skip
    cash = HoldingFactory(portfolio=portfolio, kind="cash", currency="GBP")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    return owner


def figures(owner, as_of: date):
    return selectors.figures_at(
        portfolios=owner.portfolios.all(), as_of=as_of, currency=owner.currency
    )


def test_ratio_and_runway_in_dollars_at_three_dates(expat):
    # 31 January, 1 EUR = 1.0837 USD = 0.85435 GBP:
    #   salary 3000 x 1.0837 = 3251.10; rent 1000 x 1.0837 / 0.85435 = 1268.4497 -> 1268.45
    #   cash 10000 x 1.0837 / 0.85435 = 12684.4970 -> 12684.50
    january = figures(expat, date(2024, 1, 31))
    assert (january.earned, january.passive, january.spending) == (
        D("3251.10"),
        D("1268.45"),
        D("2500"),
    )
    assert january.wealth_ratio == D("1268.45") / D("3251.10")  # 39.02 %
    assert january.liquid_assets == D("12684.50")
    assert january.runway_months == D("5.0738")  # 12684.50 / 2500

    # 29 February, 1.0826 USD and 0.85655 GBP: salary 3247.80; rent 1263.9075 -> 1263.91;
    # the same 10,000 GBP are now 12639.0754 -> 12639.08 USD.
    february = figures(expat, date(2024, 2, 29))
    assert (february.window_months, february.earned, february.passive) == (
        2,
        D("6498.90"),  # 3251.10 + 3247.80
        D("2532.36"),  # 1268.45 + 1263.91
    )
    assert february.wealth_ratio == D("2532.36") / D("6498.90")  # 38.97 %
    assert february.runway_months == D("5.055632")  # 12639.08 / (5000 / 2)

    # 31 March is a Sunday after Good Friday: the rates of Thursday 28 March,
    # 1.0811 USD and 0.8551 GBP. Salary 3243.30; rent 1264.2966 -> 1264.30;
    # cash 12642.9657 -> 12642.97.
    march = figures(expat, date(2024, 3, 31))
    assert (march.earned, march.passive, march.spending) == (
        D("9742.20"),
        D("3796.66"),
        D("7500"),
    )
    assert march.wealth_ratio == D("3796.66") / D("9742.20")  # 38.97 %
    assert march.runway_months == D("5.057188")  # 12642.97 / 2500
    assert march.no_rate is None


def test_a_pound_balance_moves_with_the_rate_across_month_ends(owner, portfolio, rates):
    # Valued once, 10,000 GBP are worth each month end's rate in dollars.
    cash = HoldingFactory(portfolio=portfolio, kind="cash", currency="GBP")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    with (
        time_machine.travel("2024-04-10 12:00", tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        snapshots.snapshots_recompute(user_ids=[owner.pk])
    rate_queries = [q for q in queries.captured_queries if "portfolio_rate" in q["sql"]]
    assert len(rate_queries) == 1  # the rates of the whole batch, once
    worth = {
        row.month.isoformat(): row.net_worth
        for row in Snapshot.objects.filter(owner=owner, portfolio=None)
    }
    assert worth == {
        "2024-01-01": D("12684.50"),  # 10000 x 1.0837 / 0.85435
        "2024-02-01": D("12639.08"),  # 10000 x 1.0826 / 0.85655
        "2024-03-01": D("12642.97"),  # 10000 x 1.0811 / 0.8551 (28 March's)
        "2024-04-01": D("12699.53"),  # today: 10000 x 1.086 / 0.85515 = 12699.526
    }


def test_a_batch_converts_for_a_user_whose_amounts_are_in_another_users_base(
    owner, portfolio, stranger, rates
):
    # The batch holds EUR amounts and the bases USD and EUR: every amount is in *a*
    # base currency of the batch, yet the dollar user's euros still need the rates.
    owner.currency = "USD"
    owner.save()
    stranger.currency = "EUR"
    stranger.save()
    cash = HoldingFactory(portfolio=portfolio, kind="cash", currency="EUR")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    theirs = HoldingFactory(portfolio=stranger.portfolios.get(), kind="cash", currency="EUR")
    ValuationFactory(holding=theirs, date=date(2024, 1, 31), value=D("500"))
    with time_machine.travel("2024-02-10 12:00", tick=False):
        snapshots.snapshots_recompute(user_ids=[owner.pk, stranger.pk])
    mine = Snapshot.objects.get(owner=owner, portfolio=None, month=date(2024, 1, 1))
    assert mine.net_worth == D("10837.00")  # 10000 EUR x 1.0837 on 31 January
    assert Snapshot.objects.get(
        owner=stranger, portfolio=None, month=date(2024, 1, 1)
    ).net_worth == D("500.00")


def test_yen_have_no_minor_units(owner, portfolio, rates):
    owner.currency = "JPY"
    owner.save()
    # 12.34 EUR x 160.19 = 1976.7446 JPY -> 1977; 0.01 EUR x 160.19 = 1.6019 -> 2.
    EntryFactory(
        portfolio=portfolio, date=date(2024, 1, 31), amount=D("12.34"), currency="EUR",
        category="dividends",
    )  # fmt: skip
    EntryFactory(
        portfolio=portfolio, date=date(2024, 1, 31), amount=D("0.01"), currency="EUR",
        category="interest",
    )  # fmt: skip
    january = figures(owner, date(2024, 1, 31))
    assert january.by_category == {"dividends": D("1977"), "interest": D("2")}
    assert january.passive == D("1979")


def test_a_currency_without_rate_leaves_the_figures_unknown(owner, portfolio, rates):
    StreamFactory(portfolio=portfolio, category="salary", first_date=date(2024, 1, 31))
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("90000"), currency="ARS",
        first_date=date(2024, 2, 15),
    )  # fmt: skip
    february = figures(owner, date(2024, 2, 29))
    assert february.no_rate == "no rate for ARS on or before 2024-02-15"
    assert not february.flows_known
    assert (february.wealth_ratio, february.savings_rate, february.liquid_assets) == (
        None,
        None,
        None,
    )
    # The month before the peso's first payment needs no rate.
    assert figures(owner, date(2024, 1, 31)).wealth_ratio == D(0)

    with time_machine.travel("2024-03-10 12:00", tick=False):
        snapshots.snapshots_recompute(user_ids=[owner.pk])
    months = Snapshot.objects.filter(owner=owner, portfolio=None).values_list("month", flat=True)
    assert [m.isoformat() for m in months] == ["2024-01-01"]  # no guess for February on


def test_a_balance_without_rate_leaves_the_balances_unknown(owner, portfolio, rates):
    StreamFactory(portfolio=portfolio, category="salary", first_date=date(2024, 1, 31))
    flat = HoldingFactory(portfolio=portfolio, kind="cash", currency="ARS")
    ValuationFactory(holding=flat, date=date(2024, 1, 31), value=D("1000000"))
    january = figures(owner, date(2024, 1, 31))
    assert january.earned == D("3000")
    assert (january.liquid_assets, january.net_worth, january.runway_months) == (None, None, None)
    assert january.no_rate == "no rate for ARS on or before 2024-01-31"


@time_machine.travel("2024-03-10 12:00", tick=False)
def test_the_dashboard_says_which_rate_is_missing_and_shows_no_number(
    client_owner, owner, portfolio, rates
):
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("90000"), currency="ARS",
        first_date=date(2024, 2, 15),
    )  # fmt: skip
    StreamFactory(portfolio=portfolio, category="salary", first_date=date(2024, 1, 31))
    page = client_owner.get(reverse("dashboard:dashboard")).content.decode()
    assert "no rate for ARS on or before 2024-02-15" in page
    assert 'data-figure="wealth_ratio"' not in page
    assert 'data-figure="earned"' not in page


@time_machine.travel("2024-03-10 12:00", tick=False)
def test_the_dashboard_s_query_count_does_not_grow_with_currencies(client, owner, stranger, rates):
    def dashboard_queries(user, currencies: list[str]) -> int:
        portfolio = user.portfolios.get()
        for n, currency in enumerate(currencies):
            StreamFactory(portfolio=portfolio, currency=currency, first_date=date(2024, 1, 31))
            holding = HoldingFactory(portfolio=portfolio, currency=currency)
            ValuationFactory(holding=holding, date=date(2024, 1, 31 - n))
            EntryFactory(portfolio=portfolio, currency=currency, date=date(2024, 2, 1 + n))
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard:dashboard"))
        assert response.status_code == 200
        assert "no rate" not in response.content.decode()
        return len(queries)

    assert dashboard_queries(owner, ["GBP"]) == dashboard_queries(stranger, ["GBP", "EUR", "JPY"])


# --- Forms -------------------------------------------------------------------------------


def test_a_new_stream_defaults_to_the_base_currency(owner, portfolio):
    owner.currency = "CHF"
    owner.save()
    form = StreamForm(portfolio=portfolio)
    assert form["currency"].value() == "CHF"
    assert ("JPY", "JPY — Japanese Yen") in form.fields["currency"].choices


def test_a_stream_in_pounds_is_saved_in_pounds(client_owner, portfolio):
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    data = {
        "name": "Flat rent",
        "category": "rent",
        "amount": "950",
        "currency": "GBP",
        "frequency": "monthly",
        "first_date": "2024-01-31",
        "hours_per_month": "0",
    }
    assert client_owner.post(url, data).status_code == 302
    assert Stream.objects.get().currency == "GBP"


@pytest.mark.parametrize("currency", ["XYZ", "DEM", "gbp"])
def test_an_unknown_or_withdrawn_currency_is_refused(client_owner, portfolio, currency):
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    data = {
        "name": "Rent",
        "category": "rent",
        "amount": "950",
        "currency": currency,
        "frequency": "monthly",
        "first_date": "2024-01-31",
        "hours_per_month": "0",
    }
    response = client_owner.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Stream.objects.exists()


def test_rows_made_without_a_currency_take_the_owner_s(owner, portfolio):
    owner.currency = "SEK"
    owner.save()
    assert StreamFactory(portfolio=portfolio).currency == "SEK"


@time_machine.travel("2024-03-10 12:00", tick=False)
def test_the_projection_says_which_rate_is_missing_and_projects_nothing(
    client_owner, portfolio, rates
):
    StreamFactory(
        portfolio=portfolio, category="salary", amount=D("900000"), currency="ARS",
        first_date=date(2024, 1, 31),
    )  # fmt: skip
    response = client_owner.get(reverse("portfolio:projection"), {"years": "10"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no rate for ARS on or before 2024-01-31" in page
    assert "<table" not in page
