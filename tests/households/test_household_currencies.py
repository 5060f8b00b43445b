"""A household whose members keep different base currencies: its figures, for every
member, are in the creator's, converted at the ECB's rate of each amount's date."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from households import services as households
from portfolio.models import ManualRate, Portfolio, Snapshot
from portfolio.services import portfolio_share
from portfolio.snapshots import snapshots_recompute
from tests.factories import EntryFactory, HoldingFactory, UserFactory, ValuationFactory
from tests.helpers import store_ecb_rates

pytestmark = pytest.mark.django_db

D = Decimal
# 10 April 2024: the last day of tests.helpers.ECB_RATES (1 EUR = 1.086 USD).
TODAY = dt.datetime(2024, 4, 10, 12, tzinfo=dt.UTC)
EMAILS = ("eve@example.com", "uma@example.com")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def shared_portfolio(owner, *, currency: str, cash: str, flows: list[tuple]) -> Portfolio:
    """A portfolio shared with the household: cash valued on 1 February, entries."""
    portfolio = Portfolio.objects.create(owner=owner, name=f"{owner.email} joint")
    holding = HoldingFactory(portfolio=portfolio, name="Cash", currency=currency)
    ValuationFactory(holding=holding, date=date(2024, 2, 1), value=D(cash))
    for day, category, amount in flows:
        EntryFactory(
            portfolio=portfolio, date=day, category=category, amount=D(amount), currency=currency
        )
    portfolio_share(portfolio=portfolio, sharing=Portfolio.Sharing.VIEW)
    return portfolio


@pytest.fixture
def household():
    """Eve (EUR) created it; Uma (USD) joined. Each shares amounts in their own base:
    in euros, Eve earned 3000 and got 600 of dividends, holds 1000; Uma's dollars are
    2000 earned and 1000 of dividends at the rates of their dates, 5000 held today."""
    store_ecb_rates()
    eve = UserFactory(email="eve@example.com", currency="EUR")
    uma = UserFactory(email="uma@example.com", currency="USD")
    home = households.household_create(user=eve, name="Home")
    invitation = households.invitation_create(by=eve, email=uma.email)
    households.invitation_accept(invitation=invitation, user=uma)
    shared_portfolio(
        eve,
        currency="EUR",
        cash="1000.00",
        flows=[
            (date(2024, 2, 15), "salary", "3000.00"),
            (date(2024, 2, 15), "dividends", "600.00"),
        ],
    )
    shared_portfolio(
        uma,
        currency="USD",
        cash="5430.00",  # / 1.086 (10 April) = 5000.00 EUR
        flows=[
            (date(2024, 2, 15), "salary", "2148.60"),  # / 1.0743 = 2000.00 EUR
            (date(2024, 2, 29), "dividends", "1082.60"),  # / 1.0826 = 1000.00 EUR
        ],
    )
    return home


def test_both_members_see_the_combined_figures_in_the_creator_s_currency(client, household):
    pages = {}
    for email in ("eve@example.com", "uma@example.com"):
        client.force_login(household.memberships.get(user__email=email).user)
        pages[email] = client.get(reverse("dashboard:household"))
    eve, uma = pages.values()

    figures = eve.context["figures"]
    assert eve.context["currency"] == "EUR"
    assert figures.no_rate is None
    assert (figures.earned, figures.passive) == (D("5000.00"), D("1600.00"))
    assert figures.wealth_ratio == D("0.32")  # 1600 / 5000, by hand
    assert figures.net_worth == D("6000.00")  # 1000 + 5430 / 1.086
    by_member = {m["user"].email: m["figures"] for m in eve.context["members"]}
    assert by_member["eve@example.com"].wealth_ratio == D("0.2")  # 600 / 3000
    assert by_member["uma@example.com"].wealth_ratio == D("0.5")  # 1000 / 2000
    assert by_member["uma@example.com"].net_worth == D("5000.00")

    # The USD member sees the very same page of figures, in euros.
    assert uma.context["currency"] == "EUR"
    assert uma.context["figures"] == figures
    assert [m["figures"] for m in uma.context["members"]] == list(by_member.values())
    for page in (eve, uma):
        text = page.content.decode()
        assert "€6,000.00" in text
        assert "$" not in text.split("<main", 1)[-1]
        assert (
            "Figures are in EUR, the base currency of the household's creator (eve@example.com):"
            " amounts in other currencies are converted at the European Central Bank's "
            "reference rate of their date; the latest used is of 10 April 2024." in text
        )


def test_the_household_s_snapshots_are_in_the_creator_s_currency(household):
    uma = household.memberships.get(user__email="uma@example.com").user
    snapshots_recompute(user_ids=[uma.pk])
    rows = {row.month: row for row in Snapshot.objects.filter(household=household)}
    april = rows[date(2024, 4, 1)]
    assert (april.wealth_ratio, april.net_worth) == (D("0.32"), D("6000.00"))
    # End of February: Uma's 5430 USD at that day's 1.0826.
    assert rows[date(2024, 2, 1)].net_worth == D("1000.00") + D("5015.70")


def test_an_amount_without_a_rate_is_told_never_counted_one_for_one(client, household):
    uma = household.memberships.get(user__email="uma@example.com").user
    joint = uma.portfolios.get(name="uma@example.com joint")
    flat = HoldingFactory(portfolio=joint, name="Flat", kind="property", currency="ARS")
    ValuationFactory(holding=flat, date=date(2024, 2, 1), value=D("90000000.00"))
    client.force_login(household.memberships.get(user__email="eve@example.com").user)
    response = client.get(reverse("dashboard:household"))
    figures = response.context["figures"]
    assert figures.net_worth is None  # never 90,006,000 "euros"
    assert figures.wealth_ratio == D("0.32")  # the flows need no peso rate
    text = response.content.decode()
    assert "Balances and runways are unknown: " in text
    assert "ARS" in text.split("data-no-rate", 1)[1].split("</p>", 1)[0]


@pytest.mark.django_db(transaction=True)  # the recompute is queued on commit
def test_a_new_creator_s_currency_becomes_the_household_s_history_too(client, household, eager):
    """Handing the role over re-bases every figure, the stored history included."""
    eve, uma = (household.memberships.get(user__email=e).user for e in EMAILS)
    snapshots_recompute(user_ids=[eve.pk])
    april = Snapshot.objects.filter(household=household, month=date(2024, 4, 1))
    assert april.get().net_worth == D("6000.00")  # EUR, Eve's

    households.creator_hand_over(by=eve, membership=household.memberships.get(user=uma))

    assert april.get().net_worth == D("6516.00")  # USD: 1000 EUR x 1.086 + 5430 USD
    client.force_login(eve)
    response = client.get(reverse("dashboard:household"))
    assert response.context["figures"].net_worth == D("6516.00")
    assert "Figures are in USD, the base currency of the household's creator (uma@" in (
        response.content.decode()
    )


def test_a_member_s_own_rate_converts_their_amounts_on_the_page_and_in_the_history(
    client, household
):
    """Pesos, which the ECB never published, at the rate of the member who has them."""
    uma = household.memberships.get(user__email="uma@example.com").user
    joint = uma.portfolios.get(name="uma@example.com joint")
    flat = HoldingFactory(portfolio=joint, name="Flat", kind="property", currency="ARS")
    ValuationFactory(holding=flat, date=date(2024, 2, 1), value=D("90000000.00"))
    ManualRate.objects.create(
        owner=uma, currency="ARS", date=date(2024, 1, 1), units_per_euro=D("900")
    )
    client.force_login(household.memberships.get(user__email="eve@example.com").user)
    figures = client.get(reverse("dashboard:household")).context["figures"]
    assert figures.net_worth == D("106000.00")  # 6000 + 90,000,000 / 900

    snapshots_recompute(user_ids=[uma.pk])
    april = Snapshot.objects.get(household=household, month=date(2024, 4, 1))
    assert april.net_worth == figures.net_worth
