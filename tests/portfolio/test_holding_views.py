"""Holdings pages: list, create, detail, edit, delete, and the valuation history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Holding, Stream, Valuation
from tests.factories import HoldingFactory, StreamFactory, ValuationFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def strangers_holding(stranger):
    holding = HoldingFactory(portfolio=stranger.portfolios.get(), name="Secret flat")
    ValuationFactory(holding=holding, date=dt.date(2026, 1, 1), value=Decimal("1000"))
    return holding


# --- holding_list ----------------------------------------------------------------------


def test_list_shows_holdings_by_kind_with_values_and_totals(client_owner, portfolio):
    cash = HoldingFactory(portfolio=portfolio, name="Current account", kind="cash")
    ValuationFactory(holding=cash, date=dt.date(2026, 9, 30), value=Decimal("1500"))
    ValuationFactory(holding=cash, date=dt.date(2026, 12, 31), value=Decimal("9999"))  # future
    flat = HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    ValuationFactory(holding=flat, date=dt.date(2026, 1, 1), value=Decimal("300000"))
    loan = HoldingFactory(portfolio=portfolio, name="Mortgage", kind="loan")
    ValuationFactory(holding=loan, date=dt.date(2026, 1, 1), value=Decimal("-250000"))

    response = client_owner.get(reverse("portfolio:holding_list", args=[portfolio.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Current account", "Flat", "Mortgage", "$1,500.00", "$300,000.00"):
        assert text in content
    assert "9,999" not in content
    assert response.context["net_worth"] == Decimal("51500")
    assert response.context["liquid_assets"] == Decimal("1500")
    assert [g["label"] for g in response.context["groups"]] == [
        "Cash",
        "Property",
        "Loan or mortgage",
    ]


def test_list_badges_from_linked_streams(client_owner, portfolio):
    flat = HoldingFactory(portfolio=portfolio, name="Rented flat", kind="property")
    StreamFactory(portfolio=portfolio, holding=flat, category="rent", amount=Decimal("900"))
    StreamFactory(
        portfolio=portfolio, holding=flat, category="holding_costs", amount=Decimal("200")
    )
    car = HoldingFactory(portfolio=portfolio, name="Car", kind="vehicle")
    StreamFactory(portfolio=portfolio, holding=car, category="holding_costs", amount=Decimal("150"))
    # A loan repaid last year no longer costs anything.
    old = HoldingFactory(portfolio=portfolio, name="Old loan", kind="loan")
    StreamFactory(
        portfolio=portfolio,
        holding=old,
        category="loan_payments",
        end_date=dt.date(2025, 12, 1),
    )
    HoldingFactory(portfolio=portfolio, name="Savings", kind="cash")

    response = client_owner.get(reverse("portfolio:holding_list", args=[portfolio.pk]))

    rows = {h.name: h for g in response.context["groups"] for h in g["holdings"]}
    assert rows["Rented flat"].cash_flow_class == "asset"
    assert rows["Rented flat"].monthly_net == Decimal("700")
    assert rows["Car"].cash_flow_class == "liability"
    assert rows["Old loan"].cash_flow_class == "neutral"
    assert rows["Savings"].cash_flow_class == "neutral"
    content = response.content.decode()
    assert "puts money in your pocket" in content
    assert "takes money out" in content
    assert "badge-neutral" in content


def test_list_empty_state(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:holding_list", args=[portfolio.pk]))
    assert response.status_code == 200
    assert "No holdings yet" in response.content.decode()


def _queries(client, url) -> int:
    client.get(url)  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(client_owner, portfolio):
    url = reverse("portfolio:holding_list", args=[portfolio.pk])

    def add(n):
        home = None
        for i in range(n):
            kind = ["cash", "property", "loan"][i % 3]
            # Every loan is secured against the property made just before it.
            secured = home if kind == "loan" else None
            holding = HoldingFactory(portfolio=portfolio, kind=kind, secured_against=secured)
            home = holding if kind == "property" else home
            ValuationFactory(holding=holding, date=dt.date(2026, 1, 1))
            ValuationFactory(holding=holding, date=dt.date(2026, 2, 1))
            category = "loan_payments" if kind == "loan" else "rent"
            StreamFactory(portfolio=portfolio, holding=holding, category=category)

    add(3)
    three = _queries(client_owner, url)
    add(30)
    assert _queries(client_owner, url) == three
    assert Holding.objects.filter(secured_against__isnull=False).count() == 11


def test_list_of_strangers_portfolio_is_404(client_owner, stranger):
    url = reverse("portfolio:holding_list", args=[stranger.portfolios.get().pk])
    assert client_owner.get(url).status_code == 404


def test_list_anonymous_goes_to_login(client, portfolio):
    response = client.get(reverse("portfolio:holding_list", args=[portfolio.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_list_post_is_405(client_owner, portfolio):
    url = reverse("portfolio:holding_list", args=[portfolio.pk])
    assert client_owner.post(url).status_code == 405


# --- holding_create ----------------------------------------------------------------------


def _create(client, portfolio, **data):
    fields = {"name": "Savings", "kind": "cash", "liquidity": "kind", "note": ""}
    fields.update(data)
    return client.post(reverse("portfolio:holding_create", args=[portfolio.pk]), fields)


def test_create_form_shows(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:holding_create", args=[portfolio.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "By kind (cash, deposits, money funds, bonds and listed shares are liquid)" in content
    assert 'value="2026-10-15"' in content  # the value date defaults to today


def test_create_with_first_value(client_owner, portfolio):
    response = _create(
        client_owner, portfolio, name="Savings", value="12500.50", value_date="2026-10-01"
    )

    holding = Holding.objects.get(portfolio=portfolio)
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:holding_detail", args=[holding.pk])
    assert holding.liquid is True
    assert list(holding.valuations.values_list("date", "value")) == [
        (dt.date(2026, 10, 1), Decimal("12500.50"))
    ]
    assert texts(response) == ["Holding “Savings” added."]


def test_create_without_value_makes_no_valuation(client_owner, portfolio):
    _create(client_owner, portfolio, value="", value_date="2026-10-15")
    assert Holding.objects.filter(portfolio=portfolio).count() == 1
    assert Valuation.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "liquidity", "liquid"),
    [
        ("cash", "kind", True),
        ("property", "kind", False),
        ("cash", "no", False),
        ("property", "yes", True),
    ],
)
def test_create_liquidity_choice(client_owner, portfolio, kind, liquidity, liquid):
    _create(client_owner, portfolio, kind=kind, liquidity=liquidity)
    assert Holding.objects.get(portfolio=portfolio).liquid is liquid


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "lots"}, "Enter an amount as a plain number"),
        ({"value": "NaN"}, "NaN and infinity are not amounts"),
        ({"value": "Infinity"}, "NaN and infinity are not amounts"),
        ({"value": "-inf"}, "NaN and infinity are not amounts"),
        ({"value": "1234567890123"}, "at most 12 digits before the decimal point"),
        ({"value": "10.555"}, "at most 2 decimal places"),
        ({"value": "10", "value_date": "1899-12-31"}, "between 1900 and 2200"),
        ({"value": "10", "value_date": "2201-01-01"}, "between 1900 and 2200"),
        ({"value": "10", "value_date": "yesterday"}, "Enter a date as YYYY-MM-DD"),
        ({"value": "10", "value_date": ""}, "Enter the date of this value"),
        ({"kind": "spaceship"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"liquidity": "maybe"}, "Select a valid choice"),
    ],
)
def test_create_bad_input_changes_nothing(client_owner, portfolio, data, message):
    response = _create(client_owner, portfolio, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Holding.objects.exists()
    assert not Valuation.objects.exists()


def test_create_duplicate_name_ignoring_case(client_owner, portfolio):
    HoldingFactory(portfolio=portfolio, name="Savings")
    response = _create(client_owner, portfolio, name="  SAVINGS ", value="5")
    assert "already has a holding with this name" in response.content.decode()
    assert Holding.objects.filter(portfolio=portfolio).count() == 1
    assert not Valuation.objects.exists()


def test_create_same_name_in_another_portfolio_is_fine(client_owner, portfolio, stranger):
    HoldingFactory(portfolio=stranger.portfolios.get(), name="Savings")
    assert _create(client_owner, portfolio, name="Savings").status_code == 302


def test_create_in_strangers_portfolio_is_404(client_owner, stranger):
    other = stranger.portfolios.get()
    url = reverse("portfolio:holding_create", args=[other.pk])
    assert client_owner.get(url).status_code == 404
    assert _create(client_owner, other).status_code == 404
    assert not Holding.objects.exists()


def test_create_anonymous_goes_to_login(client, portfolio):
    response = _create(client, portfolio)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Holding.objects.exists()


# --- holding_detail --------------------------------------------------------------------------


def test_detail_shows_history_current_value_and_streams(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    ValuationFactory(holding=holding, date=dt.date(2025, 1, 1), value=Decimal("280000"))
    ValuationFactory(holding=holding, date=dt.date(2026, 1, 1), value=Decimal("300000"))
    ValuationFactory(holding=holding, date=dt.date(2027, 1, 1), value=Decimal("310000"))
    StreamFactory(portfolio=portfolio, holding=holding, name="Tenant", category="rent")

    response = client_owner.get(reverse("portfolio:holding_detail", args=[holding.pk]))

    assert response.status_code == 200
    assert response.context["current"].value == Decimal("300000")
    content = response.content.decode()
    for text in ("$280,000.00", "$300,000.00", "$310,000.00", "Tenant", "1 January 2026"):
        assert text in content
    assert response.context["cash_flow_class"] == "asset"
    assert reverse("portfolio:valuation_add", args=[holding.pk]) in content


def test_detail_of_strangers_holding_is_404(client_owner, strangers_holding):
    url = reverse("portfolio:holding_detail", args=[strangers_holding.pk])
    assert client_owner.get(url).status_code == 404


def test_detail_post_is_405(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    url = reverse("portfolio:holding_detail", args=[holding.pk])
    assert client_owner.post(url).status_code == 405


def test_detail_anonymous_goes_to_login(client, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    response = client.get(reverse("portfolio:holding_detail", args=[holding.pk]))
    assert response.status_code == 302


# --- holding_edit ------------------------------------------------------------------------------


def test_edit_saves_changes(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Savings", kind="cash")
    url = reverse("portfolio:holding_edit", args=[holding.pk])
    assert client_owner.get(url).status_code == 200

    response = client_owner.post(
        url, {"name": "Emergency fund", "kind": "deposit", "liquidity": "no", "note": "3 months"}
    )

    assert response.status_code == 302
    holding.refresh_from_db()
    assert (holding.name, holding.kind, holding.liquid, holding.note) == (
        "Emergency fund",
        "deposit",
        False,
        "3 months",
    )
    assert texts(response) == ["Holding “Emergency fund” saved."]


def test_edit_form_shows_an_override_of_the_default(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, kind="property", liquid=True)
    response = client_owner.get(reverse("portfolio:holding_edit", args=[holding.pk]))
    assert response.context["form"]["liquidity"].value() == "yes"
    assert "value_date" not in response.context["form"].fields


def test_edit_keeps_own_name_in_other_case(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Savings")
    url = reverse("portfolio:holding_edit", args=[holding.pk])
    response = client_owner.post(url, {"name": "SAVINGS", "kind": "cash", "liquidity": "kind"})
    assert response.status_code == 302


def test_edit_duplicate_name_changes_nothing(client_owner, portfolio):
    HoldingFactory(portfolio=portfolio, name="Flat")
    holding = HoldingFactory(portfolio=portfolio, name="Savings")
    url = reverse("portfolio:holding_edit", args=[holding.pk])
    response = client_owner.post(url, {"name": "flat", "kind": "cash", "liquidity": "kind"})
    assert "already has a holding with this name" in response.content.decode()
    holding.refresh_from_db()
    assert holding.name == "Savings"


def test_edit_strangers_holding_is_404(client_owner, strangers_holding):
    url = reverse("portfolio:holding_edit", args=[strangers_holding.pk])
    assert client_owner.get(url).status_code == 404
    data = {"name": "Mine now", "kind": "cash", "liquidity": "kind"}
    assert client_owner.post(url, data).status_code == 404
    strangers_holding.refresh_from_db()
    assert strangers_holding.name == "Secret flat"


def test_edit_anonymous_goes_to_login(client, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    response = client.get(reverse("portfolio:holding_edit", args=[holding.pk]))
    assert response.status_code == 302


# --- holding_delete -----------------------------------------------------------------------------


def test_delete_confirms_then_deletes_keeping_streams(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Flat")
    ValuationFactory(holding=holding)
    ValuationFactory(holding=holding)
    stream = StreamFactory(portfolio=portfolio, holding=holding, category="rent")
    url = reverse("portfolio:holding_delete", args=[holding.pk])

    page = client_owner.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "2 valuations" in content
    assert "1 linked stream is kept" in content
    assert Holding.objects.filter(pk=holding.pk).exists()

    response = client_owner.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:holding_list", args=[portfolio.pk])
    assert not Holding.objects.filter(pk=holding.pk).exists()
    assert not Valuation.objects.exists()
    stream.refresh_from_db()
    assert stream.holding is None
    assert texts(response) == ["Holding “Flat” deleted."]


def test_delete_strangers_holding_is_404(client_owner, strangers_holding):
    url = reverse("portfolio:holding_delete", args=[strangers_holding.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url).status_code == 404
    assert Holding.objects.filter(pk=strangers_holding.pk).exists()


def test_delete_anonymous_goes_to_login(client, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    response = client.post(reverse("portfolio:holding_delete", args=[holding.pk]))
    assert response.status_code == 302
    assert Holding.objects.filter(pk=holding.pk).exists()


# --- valuation_add ------------------------------------------------------------------------------


def test_valuation_add_records_a_value(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Flat")
    url = reverse("portfolio:valuation_add", args=[holding.pk])

    response = client_owner.post(url, {"date": "2026-10-01", "value": "-1250.75"})

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:holding_detail", args=[holding.pk])
    assert list(holding.valuations.values_list("date", "value")) == [
        (dt.date(2026, 10, 1), Decimal("-1250.75"))
    ]
    assert "recorded" in texts(response)[0]


def test_valuation_add_same_date_replaces(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Flat")
    ValuationFactory(holding=holding, date=dt.date(2026, 10, 1), value=Decimal("100"))
    url = reverse("portfolio:valuation_add", args=[holding.pk])

    response = client_owner.post(url, {"date": "2026-10-01", "value": "200"})

    assert list(holding.valuations.values_list("value", flat=True)) == [Decimal("200")]
    assert "replaced" in texts(response)[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-10-01", "value": "abc"}, "Enter an amount as a plain number"),
        ({"date": "2026-10-01", "value": "NaN"}, "NaN and infinity"),
        ({"date": "2026-10-01", "value": "sNaN"}, "NaN and infinity"),
        ({"date": "2026-10-01", "value": "9999999999999"}, "at most 12 digits"),
        ({"date": "1066-10-14", "value": "1"}, "between 1900 and 2200"),
        ({"date": "", "value": "1"}, "This field is required"),
    ],
)
def test_valuation_add_bad_input_changes_nothing(client_owner, portfolio, data, message):
    holding = HoldingFactory(portfolio=portfolio)
    response = client_owner.post(reverse("portfolio:valuation_add", args=[holding.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "The value was not recorded" in response.content.decode()
    assert not Valuation.objects.exists()


def test_valuation_add_get_is_405(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    url = reverse("portfolio:valuation_add", args=[holding.pk])
    assert client_owner.get(url).status_code == 405


def test_valuation_add_to_strangers_holding_is_404(client_owner, strangers_holding):
    url = reverse("portfolio:valuation_add", args=[strangers_holding.pk])
    response = client_owner.post(url, {"date": "2026-10-01", "value": "1"})
    assert response.status_code == 404
    assert strangers_holding.valuations.count() == 1


def test_valuation_add_anonymous_goes_to_login(client, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    url = reverse("portfolio:valuation_add", args=[holding.pk])
    response = client.post(url, {"date": "2026-10-01", "value": "1"})
    assert response.status_code == 302
    assert not Valuation.objects.exists()


# --- valuation_delete ---------------------------------------------------------------------------


def test_valuation_delete_removes_it(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Flat")
    valuation = ValuationFactory(holding=holding, date=dt.date(2026, 3, 1))
    response = client_owner.post(reverse("portfolio:valuation_delete", args=[valuation.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:holding_detail", args=[holding.pk])
    assert not Valuation.objects.exists()
    assert texts(response) == ["Value of “Flat” on 1 March 2026 removed."]


def test_valuation_delete_get_is_405(client_owner, portfolio):
    valuation = ValuationFactory(holding=HoldingFactory(portfolio=portfolio))
    url = reverse("portfolio:valuation_delete", args=[valuation.pk])
    assert client_owner.get(url).status_code == 405
    assert Valuation.objects.exists()


def test_valuation_delete_strangers_is_404(client_owner, strangers_holding):
    valuation = strangers_holding.valuations.get()
    url = reverse("portfolio:valuation_delete", args=[valuation.pk])
    assert client_owner.post(url).status_code == 404
    assert Valuation.objects.filter(pk=valuation.pk).exists()


def test_valuation_delete_anonymous_goes_to_login(client, portfolio):
    valuation = ValuationFactory(holding=HoldingFactory(portfolio=portfolio))
    response = client.post(reverse("portfolio:valuation_delete", args=[valuation.pk]))
    assert response.status_code == 302
    assert Valuation.objects.exists()


@pytest.mark.parametrize(
    "name", ["holding_create", "holding_edit", "holding_delete", "holding_list"]
)
def test_other_methods_are_405(client_owner, portfolio, name):
    holding = HoldingFactory(portfolio=portfolio)
    pk = portfolio.pk if name in ("holding_create", "holding_list") else holding.pk
    assert client_owner.put(reverse(f"portfolio:{name}", args=[pk])).status_code == 405


def test_stream_kept_after_holding_delete_is_listed_without_holding(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio)
    StreamFactory(portfolio=portfolio, holding=holding)
    client_owner.post(reverse("portfolio:holding_delete", args=[holding.pk]))
    assert Stream.objects.get().holding_id is None
