"""portfolio.batch_loading: many owners' data in a few queries, the same as one by one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portfolio.batch_loading import load_owners_data
from portfolio.models import ManualRate
from portfolio.months import window_start
from portfolio.selectors import OwnerData, load_owner_data
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)
from tests.helpers import break_with_raw_sql, store_ecb_rates

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = date(2026, 1, 31)
YEAR_END = date(2026, 12, 31)
WINDOW = {"first": window_start(YEAR_END), "last": YEAR_END, "values_on": AS_OF}


def rich(currency: str = "USD"):
    """Two portfolios, streams, entries in the window and before it, in the base
    currency and in another, valued holdings (one valued after ``AS_OF`` too)."""
    user = UserFactory(currency=currency)
    home = user.portfolios.get()
    company = PortfolioFactory(owner=user, name="Company")
    StreamFactory(portfolio=home, name="Salary", amount=D("4000"))
    rent = StreamFactory(portfolio=home, category="rent", amount=D("800"))
    StreamFactory(portfolio=company, name="Ads", category="advertising", amount=D("100"))
    StreamFactory(portfolio=home, category="living_expenses", amount=D("2500"))
    for day, amount in ((date(2026, 1, 3), "800"), (date(2026, 1, 20), "-50")):
        EntryFactory(portfolio=home, stream=rent, category="rent", date=day, amount=D(amount))
    EntryFactory(portfolio=company, category="fees", date=date(2026, 1, 2), amount=D("30"))
    EntryFactory(portfolio=company, category="fees", date=date(2026, 1, 9), amount=D("12"))
    EntryFactory(portfolio=home, category="dividends", date=date(2019, 5, 1), amount=D("7"))
    cash = HoldingFactory(portfolio=home, name="Cash")
    ValuationFactory(holding=cash, date=date(2025, 1, 1), value=D("6000"))
    ValuationFactory(holding=cash, date=date(2026, 3, 1), value=D("9999"))
    site = HoldingFactory(portfolio=company, name="Site", kind="website")
    ValuationFactory(holding=site, date=date(2025, 6, 1), value=D("9000"))
    return user


def one_by_one(user) -> OwnerData:
    return load_owner_data(user.portfolios.all(), currency=user.currency, **WINDOW)


def assert_same(batch: OwnerData, alone: OwnerData) -> None:
    assert batch.streams == alone.streams
    # The SQL sums come in no particular order; the figures do not depend on it.
    assert sorted(batch.entries, key=repr) == sorted(alone.entries, key=repr)
    assert [(h.pk, h.value) for h in batch.holdings] == [(h.pk, h.value) for h in alone.holdings]
    assert batch.first_entries == alone.first_entries
    assert batch.currency == alone.currency
    assert list(batch.rates._pairs()) == list(alone.rates._pairs())
    for day in (AS_OF, date(2026, 6, 30), YEAR_END):
        assert batch.figures_at(day) == alone.figures_at(day)
        for portfolio_id in {s.portfolio_id for s in alone.streams}:
            assert batch.figures_at(day, portfolio_id) == alone.figures_at(day, portfolio_id)


def test_each_owner_gets_what_load_owner_data_loads_for_them(django_assert_num_queries):
    users = [rich(), rich(), UserFactory()]  # the last has no rows at all

    with django_assert_num_queries(4):
        loaded = load_owners_data({u.pk: u.currency for u in users}, **WINDOW)

    assert set(loaded) == {u.pk for u in users}
    for user in users:
        assert_same(loaded[user.pk], one_by_one(user))
    assert loaded[users[0].pk].figures_at(YEAR_END).earned == D(48000)
    assert loaded[users[0].pk].entries and loaded[users[0].pk].first_entries
    assert not loaded[users[2].pk].has_any()


def test_amounts_in_another_currency_use_the_owner_s_own_rates(django_assert_num_queries):
    store_ecb_rates()
    dollars, pesos, euros = rich(), rich(), rich(currency="EUR")
    StreamFactory(portfolio=dollars.portfolios.first(), category="rent", amount=D("50"),
                  currency="EUR")  # fmt: skip
    EntryFactory(portfolio=euros.portfolios.first(), category="fees", date=date(2026, 1, 5),
                 amount=D("20"), currency="USD")  # fmt: skip
    StreamFactory(portfolio=pesos.portfolios.first(), category="rent", amount=D("90000"),
                  currency="ARS")  # fmt: skip
    ManualRate.objects.create(
        owner=pesos, currency="ARS", date=date(2024, 1, 1), units_per_euro=D("900")
    )
    users = [dollars, pesos, euros]

    # Four for all of them, one for the rates of each owner with another currency.
    with django_assert_num_queries(4 + 3):
        loaded = load_owners_data({u.pk: u.currency for u in users}, **WINDOW)

    for user in users:
        assert_same(loaded[user.pk], one_by_one(user))
    assert loaded[pesos.pk].figures_at(AS_OF).no_rate is None


def test_an_owner_whose_rows_break_a_rule_is_set_aside_with_the_error():
    ann, bob, cy = rich(), rich(), rich()
    break_with_raw_sql(bob, "frequency")

    loaded = load_owners_data({u.pk: u.currency for u in (ann, bob, cy)}, **WINDOW)

    assert_same(loaded[ann.pk], one_by_one(ann))
    assert_same(loaded[cy.pk], one_by_one(cy))
    with pytest.raises(ValueError, match="fortnightly"):
        loaded[bob.pk]
    with pytest.raises(ValueError, match="fortnightly"):
        one_by_one(bob)
    assert bob.pk not in loaded and set(loaded.errors) == {bob.pk}
    with pytest.raises(KeyError):
        loaded[0]
