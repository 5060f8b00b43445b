"""Portfolios pages: list, create, rename, delete, and each one's own dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio.limits import MAX_PORTFOLIOS
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation
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


@pytest.fixture
def strangers_portfolio(stranger):
    portfolio = stranger.portfolios.get()
    HoldingFactory(portfolio=portfolio, name="Secret stash")
    return portfolio


def names(user) -> list[str]:
    return list(Portfolio.objects.filter(owner=user).values_list("name", flat=True))


# --- portfolio_list ---------------------------------------------------------------------------


def test_list_shows_each_portfolio_with_its_counts(client_owner, owner, portfolio, stranger):
    company = PortfolioFactory(owner=owner, name="Company")
    for i in range(3):
        holding = HoldingFactory(portfolio=portfolio, name=f"Holding {i}")
        ValuationFactory(holding=holding, date=dt.date(2026, 1, 1))
        ValuationFactory(holding=holding, date=dt.date(2026, 2, 1))
    StreamFactory(portfolio=portfolio, name="Salary")
    StreamFactory(portfolio=portfolio, name="Rent", category="rent")
    StreamFactory(portfolio=company, name="Ads", category="advertising")
    PortfolioFactory(owner=stranger, name="Not yours")

    response = client_owner.get(reverse("portfolio:portfolio_list"))

    assert response.status_code == 200
    counts = {p.name: (p.holding_count, p.stream_count) for p in response.context["portfolios"]}
    # Counted distinct: two valuations per holding and two streams do not multiply.
    assert counts == {"Personal": (3, 2), "Company": (0, 1)}
    content = response.content.decode()
    assert "Not yours" not in content
    assert reverse("dashboard:portfolio", args=[company.pk]) in content
    assert reverse("portfolio:portfolio_rename", args=[company.pk]) in content
    assert reverse("portfolio:portfolio_delete", args=[company.pk]) in content


def test_list_queries_do_not_grow(client_owner, owner, django_assert_max_num_queries):
    for i in range(10):
        PortfolioFactory(owner=owner, name=f"P{i}")
    with django_assert_max_num_queries(6):
        assert client_owner.get(reverse("portfolio:portfolio_list")).status_code == 200


# --- portfolio_create -------------------------------------------------------------------------


def test_create_form_shows(client_owner):
    response = client_owner.get(reverse("portfolio:portfolio_create"))
    assert response.status_code == 200
    assert 'name="name"' in response.content.decode()


def test_create_saves_and_goes_to_the_new_portfolio(client_owner, owner):
    response = client_owner.post(reverse("portfolio:portfolio_create"), {"name": "  Company  "})

    company = Portfolio.objects.get(owner=owner, name="Company")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:portfolio", args=[company.pk])
    assert texts(response) == ["Portfolio “Company” created."]


def test_create_duplicate_name_ignoring_case_is_refused(client_owner, owner):
    response = client_owner.post(reverse("portfolio:portfolio_create"), {"name": "pERSONAL"})

    assert response.status_code == 200
    assert "You already have a portfolio with this name." in response.content.decode()
    assert names(owner) == ["Personal"]


def test_create_stops_at_the_most_portfolios_an_account_may_have(client_owner, owner):
    for number in range(1, MAX_PORTFOLIOS):
        PortfolioFactory(owner=owner, name=f"Portfolio {number}")
    response = client_owner.post(reverse("portfolio:portfolio_create"), {"name": "One more"})
    assert response.status_code == 200
    assert (
        f"You have {MAX_PORTFOLIOS} portfolios, the most an account can have."
        in response.content.decode()
    )
    assert Portfolio.objects.filter(owner=owner).count() == MAX_PORTFOLIOS
    # Renaming one is still fine.
    portfolio = owner.portfolios.get(name="Personal")
    response = client_owner.post(
        reverse("portfolio:portfolio_rename", args=[portfolio.pk]), {"name": "Home"}
    )
    assert response.status_code == 302


def test_create_a_name_another_user_has_is_fine(client_owner, owner, stranger):
    PortfolioFactory(owner=stranger, name="Company")
    response = client_owner.post(reverse("portfolio:portfolio_create"), {"name": "Company"})
    assert response.status_code == 302
    assert names(owner) == ["Company", "Personal"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 101, "Ensure this value has at most 100 characters"),
    ],
)
def test_create_bad_name_changes_nothing(client_owner, owner, name, message):
    response = client_owner.post(reverse("portfolio:portfolio_create"), {"name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert names(owner) == ["Personal"]


def test_create_anonymous_goes_to_login(client):
    for method in (client.get, client.post):
        response = method(reverse("portfolio:portfolio_create"), {"name": "X"})
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert not Portfolio.objects.filter(name="X").exists()


# --- portfolio_detail -------------------------------------------------------------------------


def test_detail_is_the_portfolios_own_dashboard(client_owner, owner, portfolio):
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("4000"))
    StreamFactory(portfolio=company, name="Ads", category="advertising", amount=Decimal("250"))

    response = client_owner.get(reverse("dashboard:portfolio", args=[company.pk]))

    assert response.status_code == 200
    assert response.context["portfolio"] == company
    assert response.context["figures"].passive == Decimal(3000)
    assert response.context["figures"].earned == 0
    content = response.content.decode()
    assert "<h1>Company</h1>" in content
    assert "$48,000.00" not in content  # the other portfolio's salary


# --- portfolio_rename -------------------------------------------------------------------------


def test_rename_form_shows_the_current_name(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:portfolio_rename", args=[portfolio.pk]))
    assert response.status_code == 200
    assert 'value="Personal"' in response.content.decode()


def test_rename_saves(client_owner, portfolio):
    url = reverse("portfolio:portfolio_rename", args=[portfolio.pk])
    response = client_owner.post(url, {"name": "Household"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:portfolio", args=[portfolio.pk])
    assert texts(response) == ["Portfolio renamed to “Household”."]
    portfolio.refresh_from_db()
    assert portfolio.name == "Household"


def test_rename_to_its_own_name_in_another_case(client_owner, portfolio):
    url = reverse("portfolio:portfolio_rename", args=[portfolio.pk])
    assert client_owner.post(url, {"name": "PERSONAL"}).status_code == 302
    portfolio.refresh_from_db()
    assert portfolio.name == "PERSONAL"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("company", "You already have a portfolio with this name."),
        ("", "This field is required."),
    ],
)
def test_rename_bad_name_changes_nothing(client_owner, owner, portfolio, name, message):
    PortfolioFactory(owner=owner, name="Company")
    url = reverse("portfolio:portfolio_rename", args=[portfolio.pk])
    response = client_owner.post(url, {"name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    portfolio.refresh_from_db()
    assert portfolio.name == "Personal"


# --- portfolio_delete -------------------------------------------------------------------------


def filled(portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="Cash")
    ValuationFactory(holding=holding)
    HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    stream = StreamFactory(portfolio=portfolio, name="Salary", holding=holding)
    for day in (1, 2, 3):
        EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, day), stream=stream)
    return portfolio


def test_delete_asks_first_with_what_will_go(client_owner, owner, portfolio):
    PortfolioFactory(owner=owner, name="Company")
    filled(portfolio)

    response = client_owner.get(reverse("portfolio:portfolio_delete", args=[portfolio.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "its 2 holdings, 1 stream and 3 entries" in content
    assert names(owner) == ["Company", "Personal"]


def test_delete_removes_the_portfolio_and_everything_in_it(client_owner, owner, portfolio):
    company = filled(PortfolioFactory(owner=owner, name="Company"))
    kept = filled(portfolio)

    response = client_owner.post(reverse("portfolio:portfolio_delete", args=[company.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:portfolio_list")
    assert texts(response) == ["Portfolio “Company” and everything in it deleted."]
    assert names(owner) == ["Personal"]
    assert Holding.objects.filter(portfolio=kept).count() == Holding.objects.count() == 2
    assert Stream.objects.count() == 1
    assert Entry.objects.count() == 3
    assert Valuation.objects.count() == 1
    assert Entry.objects.filter(portfolio=kept).count() == 3


def test_deleting_the_only_portfolio_is_refused(client_owner, owner, portfolio):
    filled(portfolio)
    url = reverse("portfolio:portfolio_delete", args=[portfolio.pk])

    response = client_owner.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:portfolio", args=[portfolio.pk])
    assert texts(response) == ["This is your only portfolio; add another before deleting it."]
    assert names(owner) == ["Personal"]
    assert (Holding.objects.count(), Stream.objects.count(), Entry.objects.count()) == (2, 1, 3)


# --- Isolation and methods, for every page ----------------------------------------------------

WITH_PK = ["portfolio_detail", "portfolio_rename", "portfolio_delete"]
ALL = ["portfolio_list", "portfolio_create", *WITH_PK]


# Each portfolio's dashboard lives in the dashboard app.
NAMES = {"portfolio_detail": "dashboard:portfolio"}


def url_name(view):
    return NAMES.get(view, f"portfolio:{view}")


def url_of(view, portfolio):
    args = [portfolio.pk] if view in WITH_PK else []
    return reverse(url_name(view), args=args)


# The detail page answers POST with 405 before looking anything up (test below).
@pytest.mark.parametrize(
    ("view", "method"),
    [(v, m) for v in WITH_PK for m in ("get", "post") if (v, m) != ("portfolio_detail", "post")],
)
def test_a_strangers_portfolio_is_404(client_owner, owner, strangers_portfolio, view, method):
    PortfolioFactory(owner=owner, name="Second")  # so a delete would not be refused
    response = getattr(client_owner, method)(
        url_of(view, strangers_portfolio), {"name": "Mine now"}
    )
    assert response.status_code == 404
    strangers_portfolio.refresh_from_db()
    assert strangers_portfolio.name == "Personal"
    assert strangers_portfolio.holdings.count() == 1
    assert "Secret stash" not in response.content.decode()


@pytest.mark.parametrize("view", WITH_PK)
def test_a_portfolio_that_does_not_exist_is_404(client_owner, view):
    assert client_owner.get(reverse(url_name(view), args=[999999])).status_code == 404


def test_post_to_a_strangers_dashboard_tells_nothing(client_owner, strangers_portfolio):
    strangers = client_owner.post(url_of("portfolio_detail", strangers_portfolio))
    missing = client_owner.post(reverse("dashboard:portfolio", args=[999999]))
    assert strangers.status_code == missing.status_code == 405
    assert strangers.content == missing.content


@pytest.mark.parametrize("view", ALL)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_goes_to_login(client, portfolio, view, method):
    response = getattr(client, method)(url_of(view, portfolio), {"name": "Taken"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    portfolio.refresh_from_db()
    assert portfolio.name == "Personal"
    assert Portfolio.objects.count() == 1


@pytest.mark.parametrize("view", ALL)
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client_owner, owner, portfolio, view, method):
    PortfolioFactory(owner=owner, name="Second")
    response = getattr(client_owner, method)(url_of(view, portfolio))
    assert response.status_code == 405
    assert Portfolio.objects.filter(pk=portfolio.pk).exists()


@pytest.mark.parametrize("view", ["portfolio_list", "portfolio_detail"])
def test_read_only_pages_refuse_post(client_owner, portfolio, view):
    assert client_owner.post(url_of(view, portfolio)).status_code == 405


def test_the_only_portfolio_offers_no_delete_button(client_owner, owner):
    portfolio = owner.portfolios.get()
    response = client_owner.get(reverse("portfolio:portfolio_delete", args=[portfolio.pk]))
    assert response.status_code == 200
    assert b"cannot be deleted" in response.content
    assert b"Delete portfolio</button>" not in response.content
