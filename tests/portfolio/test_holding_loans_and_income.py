"""Loans secured against a holding, and "Does it pay you?" for a holding with no flow.

A home with a mortgage secured against it costs the mortgage payments (a liability);
a rented flat whose rent exceeds its mortgage payment is an asset (docs/metrics.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from portfolio.models import Entry, Holding, Stream
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)
from tests.helpers import texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def _valued(portfolio, name: str, kind: str, value: str, **fields) -> Holding:
    holding = HoldingFactory(portfolio=portfolio, name=name, kind=kind, **fields)
    ValuationFactory(holding=holding, date=dt.date(2026, 1, 1), value=Decimal(value))
    return holding


@pytest.fixture
def home_and_mortgage(portfolio):
    home = _valued(portfolio, "Home", "property", "300000")
    mortgage = _valued(portfolio, "Mortgage", "loan", "-220000", secured_against=home)
    StreamFactory(
        portfolio=portfolio,
        holding=mortgage,
        name="Mortgage payment",
        category="loan_payments",
        amount=Decimal("1500"),
    )
    return home, mortgage


def _rows(response) -> dict[str, Holding]:
    return {h.name: h for g in response.context["groups"] for h in g["holdings"]}


def _list(client, portfolio):
    return client.get(reverse("portfolio:holding_list", args=[portfolio.pk]))


# --- Cash flow includes the loans secured against a holding ------------------------------


def test_home_with_a_mortgage_secured_against_it_is_a_liability(
    client_owner, portfolio, home_and_mortgage
):
    response = _list(client_owner, portfolio)

    rows = _rows(response)
    assert (rows["Home"].monthly_net, rows["Home"].cash_flow_class) == (
        Decimal("-1500"),
        "liability",
    )
    # The loan keeps showing its own streams.
    assert (rows["Mortgage"].monthly_net, rows["Mortgage"].cash_flow_class) == (
        Decimal("-1500"),
        "liability",
    )
    content = response.content.decode()
    assert "Secured against Home" in content
    assert "Does it pay you?" not in content  # the home has a flow: its mortgage's


def test_home_detail_sums_and_lists_its_mortgage_payments(
    client_owner, portfolio, home_and_mortgage
):
    home, mortgage = home_and_mortgage
    StreamFactory(
        portfolio=portfolio,
        holding=home,
        name="Upkeep",
        category="holding_costs",
        amount=Decimal("100"),
    )

    response = client_owner.get(reverse("portfolio:holding_detail", args=[home.pk]))

    assert response.context["monthly_net"] == Decimal("-1600")
    assert response.context["cash_flow_class"] == "liability"
    assert response.context["loans"] == [mortgage]
    assert [row["stream"].name for row in response.context["stream_rows"]] == [
        "Upkeep",
        "Mortgage payment",
    ]
    content = response.content.decode()
    assert "(of Mortgage)" in content
    assert "Includes the payments of" in content
    assert not response.context["asks_for_income"]


def test_mortgage_detail_shows_its_own_streams_and_what_secures_it(client_owner, home_and_mortgage):
    home, mortgage = home_and_mortgage
    response = client_owner.get(reverse("portfolio:holding_detail", args=[mortgage.pk]))
    assert response.context["monthly_net"] == Decimal("-1500")
    assert response.context["loans"] == []
    content = response.content.decode()
    assert "Secured against" in content
    assert reverse("portfolio:holding_detail", args=[home.pk]) in content


def test_rented_flat_with_rent_above_its_mortgage_is_an_asset(client_owner, portfolio):
    flat = _valued(portfolio, "Rented flat", "property", "250000")
    loan = _valued(portfolio, "Flat mortgage", "loan", "-180000", secured_against=flat)
    StreamFactory(portfolio=portfolio, holding=flat, category="rent", amount=Decimal("1200"))
    StreamFactory(
        portfolio=portfolio, holding=loan, category="loan_payments", amount=Decimal("800")
    )

    rows = _rows(_list(client_owner, portfolio))

    assert (rows["Rented flat"].monthly_net, rows["Rented flat"].cash_flow_class) == (
        Decimal("400"),
        "asset",
    )
    assert rows["Flat mortgage"].cash_flow_class == "liability"


def test_a_repaid_mortgage_no_longer_costs_its_home(client_owner, portfolio):
    home = _valued(portfolio, "Home", "property", "300000")
    loan = HoldingFactory(portfolio=portfolio, kind="loan", secured_against=home)
    StreamFactory(
        portfolio=portfolio, holding=loan, category="loan_payments", end_date=dt.date(2025, 1, 1)
    )
    rows = _rows(_list(client_owner, portfolio))
    assert rows["Home"].cash_flow_class == "neutral"


def test_deleting_a_home_keeps_its_loans_unsecured(client_owner, home_and_mortgage):
    home, mortgage = home_and_mortgage
    url = reverse("portfolio:holding_delete", args=[home.pk])
    assert "1 loan secured against it is kept" in client_owner.get(url).content.decode()

    client_owner.post(url)

    mortgage.refresh_from_db()
    assert mortgage.secured_against is None


def test_the_database_refuses_a_holding_secured_against_itself(portfolio):
    loan = HoldingFactory(portfolio=portfolio, kind="loan")
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.filter(pk=loan.pk).update(secured_against=loan)


# --- The form: "Secured against" ---------------------------------------------------------


def _holding_data(**overrides) -> dict:
    data = {"name": "Mortgage", "kind": "loan", "liquidity": "kind", "note": ""}
    data.update(overrides)
    return data


def _create(client, portfolio, **data):
    url = reverse("portfolio:holding_create", args=[portfolio.pk])
    return client.post(url, _holding_data(**data))


def test_create_a_loan_secured_against_a_home(client_owner, portfolio):
    home = HoldingFactory(portfolio=portfolio, name="Home", kind="property")

    response = _create(
        client_owner, portfolio, secured_against=home.pk, value="-220000", value_date="2026-10-01"
    )

    assert response.status_code == 302
    loan = Holding.objects.get(name="Mortgage")
    assert loan.secured_against == home
    assert texts(response) == ["Holding “Mortgage” added."]


def test_choices_are_the_portfolios_other_holdings_that_are_not_loans(
    client_owner, portfolio, stranger
):
    loan = HoldingFactory(portfolio=portfolio, name="Mortgage", kind="loan")
    HoldingFactory(portfolio=portfolio, name="car loan", kind="loan")
    HoldingFactory(portfolio=portfolio, name="flat", kind="property")
    HoldingFactory(portfolio=portfolio, name="Boat", kind="vehicle")
    HoldingFactory(portfolio=PortfolioFactory(owner=portfolio.owner), name="Other's house")
    HoldingFactory(portfolio=stranger.portfolios.get(), name="Stranger's house")

    response = client_owner.get(reverse("portfolio:holding_edit", args=[loan.pk]))

    field = response.context["form"].fields["secured_against"]
    assert [h.name for h in field.queryset] == ["Boat", "flat"]
    assert "Secured against" in response.content.decode()


def test_editing_a_holding_that_is_not_a_loan_offers_no_secured_against(client_owner, portfolio):
    HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    cash = HoldingFactory(portfolio=portfolio, name="Cash", kind="cash")
    response = client_owner.get(reverse("portfolio:holding_edit", args=[cash.pk]))
    assert "secured_against" not in response.context["form"].fields


def test_no_field_when_there_is_nothing_to_secure_against(client_owner, portfolio):
    HoldingFactory(portfolio=portfolio, kind="loan")
    response = client_owner.get(reverse("portfolio:holding_create", args=[portfolio.pk]))
    assert "secured_against" not in response.context["form"].fields


@pytest.mark.parametrize("whose", ["stranger", "own other portfolio", "a loan", "itself"])
def test_a_forged_secured_against_is_refused(client_owner, portfolio, stranger, whose):
    HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    loan = HoldingFactory(portfolio=portfolio, name="Mortgage", kind="loan")
    target = {
        "stranger": lambda: HoldingFactory(portfolio=stranger.portfolios.get(), kind="property"),
        "own other portfolio": lambda: HoldingFactory(
            portfolio=PortfolioFactory(owner=portfolio.owner), kind="property"
        ),
        "a loan": lambda: HoldingFactory(portfolio=portfolio, name="Car loan", kind="loan"),
        "itself": lambda: loan,
    }[whose]()

    url = reverse("portfolio:holding_edit", args=[loan.pk])
    response = client_owner.post(url, _holding_data(secured_against=target.pk))

    assert response.status_code == 200
    assert "Choose one of this portfolio&#x27;s other holdings that is not a loan." in (
        response.content.decode()
    )
    loan.refresh_from_db()
    assert loan.secured_against is None


def test_a_forged_secured_against_on_create_changes_nothing(client_owner, portfolio, stranger):
    HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    theirs = HoldingFactory(portfolio=stranger.portfolios.get(), kind="property")
    response = _create(client_owner, portfolio, secured_against=theirs.pk)
    assert response.status_code == 200
    assert not Holding.objects.filter(name="Mortgage").exists()


def test_only_a_loan_can_be_secured_against_a_holding(client_owner, portfolio):
    home = HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    response = _create(
        client_owner, portfolio, name="Garage", kind="property", secured_against=home.pk
    )
    assert response.status_code == 200
    assert "Only a loan or mortgage can be secured against a holding." in (
        response.content.decode()
    )
    assert not Holding.objects.filter(name="Garage").exists()


def test_a_holding_with_loans_cannot_become_a_loan(client_owner, home_and_mortgage):
    home, _ = home_and_mortgage
    url = reverse("portfolio:holding_edit", args=[home.pk])
    response = client_owner.post(url, _holding_data(name="Home", kind="loan"))
    assert response.status_code == 200
    assert "Loans are secured against this holding" in response.content.decode()
    home.refresh_from_db()
    assert home.kind == "property"


def test_a_loan_can_be_unlinked(client_owner, home_and_mortgage):
    _, mortgage = home_and_mortgage
    url = reverse("portfolio:holding_edit", args=[mortgage.pk])
    response = client_owner.post(url, _holding_data(secured_against=""))
    assert response.status_code == 302
    mortgage.refresh_from_db()
    assert mortgage.secured_against is None


# --- "Does it pay you? Add its income" ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        ("listed", "dividends"),
        ("deposit", "interest"),
        ("cash", "interest"),
        ("money_fund", "interest"),
        ("bonds", "interest"),
        ("property", "rent"),
        ("royalty", "royalties"),
        ("business", "business_profit"),
        ("website", "advertising"),
        ("vehicle", "other_passive"),
        ("other", "other_passive"),
    ],
)
def test_income_category_by_kind(kind, category):
    assert Holding(kind=kind).income_category == category


def _prompt_url(holding: Holding) -> str:
    create = reverse("portfolio:stream_create", args=[holding.portfolio_id])
    return f"{create}?holding={holding.pk}&amp;category={holding.income_category}"


def test_list_asks_a_holding_of_value_with_no_flow_what_it_pays(client_owner, portfolio):
    funds = _valued(portfolio, "Index funds", "listed", "1300000")
    paying = _valued(portfolio, "Flat", "property", "250000")
    StreamFactory(portfolio=portfolio, holding=paying, category="rent")
    _valued(portfolio, "Mortgage", "loan", "-100000")
    HoldingFactory(portfolio=portfolio, name="Not valued yet", kind="listed")

    response = _list(client_owner, portfolio)

    rows = _rows(response)
    assert rows["Index funds"].asks_for_income
    assert rows["Index funds"].cash_flow_class == "neutral"
    assert not rows["Flat"].asks_for_income
    assert not rows["Mortgage"].asks_for_income
    assert not rows["Not valued yet"].asks_for_income
    content = response.content.decode()
    assert content.count("Does it pay you? Add its income") == 1
    assert _prompt_url(funds) in content
    assert "category=dividends" in content


def test_detail_asks_what_it_pays(client_owner, portfolio):
    flat = _valued(portfolio, "Flat", "property", "250000")
    response = client_owner.get(reverse("portfolio:holding_detail", args=[flat.pk]))
    assert response.context["asks_for_income"]
    content = response.content.decode()
    assert "Does it pay you? Add its income" in content
    assert _prompt_url(flat) in content


def test_the_prompt_link_opens_a_prefilled_stream_form(client_owner, portfolio):
    funds = _valued(portfolio, "Index funds", "listed", "1300000")
    url = reverse("portfolio:stream_create", args=[portfolio.pk])

    response = client_owner.get(url, {"holding": funds.pk, "category": "dividends"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form["holding"].value() == funds.pk
    assert form["category"].value() == "dividends"
    content = response.content.decode()
    assert f'<option value="{funds.pk}" selected>' in content
    assert '<option value="dividends" selected>' in content


@pytest.mark.parametrize(
    "query",
    [
        {"holding": "strangers", "category": "lottery"},
        {"holding": "12x", "category": ""},
        {"holding": "9" * 30},
        {"holding": "-1"},
        {"holding": "١٢"},  # Arabic-Indic digits
    ],
)
def test_a_bad_prefill_is_ignored(client_owner, portfolio, stranger, query):
    if query.get("holding") == "strangers":
        query["holding"] = HoldingFactory(portfolio=stranger.portfolios.get()).pk
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    response = client_owner.get(url, query)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["holding"].value() is None
    assert not form["category"].value()


def test_a_holding_of_the_owners_other_portfolio_is_ignored(client_owner, portfolio):
    other = HoldingFactory(portfolio=PortfolioFactory(owner=portfolio.owner))
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    response = client_owner.get(url, {"holding": other.pk, "category": "rent"})
    assert response.context["form"]["holding"].value() is None
    assert response.context["form"]["category"].value() == "rent"


def test_the_prefilled_form_of_a_strangers_portfolio_is_404(client_owner, stranger):
    theirs = stranger.portfolios.get()
    holding = HoldingFactory(portfolio=theirs)
    url = reverse("portfolio:stream_create", args=[theirs.pk])
    response = client_owner.get(url, {"holding": holding.pk, "category": "rent"})
    assert response.status_code == 404


def test_the_query_string_does_not_change_a_posted_stream(client_owner, portfolio):
    funds = _valued(portfolio, "Index funds", "listed", "1300000")
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    data = {
        "name": "Dividends",
        "category": "interest",
        "amount": "900",
        "frequency": "quarterly",
        "first_date": "2026-12-15",
        "holding": "",
        "hours_per_month": "0",
    }
    response = client_owner.post(f"{url}?holding={funds.pk}&category=dividends", data)
    assert response.status_code == 302
    stream = portfolio.streams.get()
    assert (stream.holding, stream.category) == (None, "interest")


@pytest.mark.parametrize("model", [Stream, Entry])
def test_the_database_refuses_a_flow_of_a_category_the_figures_do_not_know(portfolio, model):
    # The recompute reads flows without checking them again: a category with no
    # group (a typo in a hand-made SQL fix) would have no sum to go to.
    flow = (
        StreamFactory(portfolio=portfolio)
        if model is Stream
        else EntryFactory(portfolio=portfolio, category="dividends")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=flow.pk).update(category="dividend")
    flow.refresh_from_db()
    assert flow.category in {"salary", "dividends"}
