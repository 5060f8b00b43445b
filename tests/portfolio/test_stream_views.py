"""Streams pages: list, create, edit, delete, and confirming a month's payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio.models import Entry, Stream
from tests.factories import EntryFactory, HoldingFactory, StreamFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def strangers_stream(stranger):
    return StreamFactory(portfolio=stranger.portfolios.get(), name="Secret salary")


def form_data(**overrides) -> dict:
    data = {
        "name": "Dividends",
        "category": "dividends",
        "amount": "120.50",
        "frequency": "quarterly",
        "first_date": "2026-03-15",
        "end_date": "",
        "holding": "",
        "hours_per_month": "1.5",
        "note": "",
    }
    data.update(overrides)
    return data


# --- stream_list ---------------------------------------------------------------------------


def test_list_groups_streams_with_monthly_figures(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("3000"), hours_per_month=160)
    StreamFactory(
        portfolio=portfolio,
        name="Index fund",
        category="dividends",
        amount=Decimal("300"),
        frequency="quarterly",
        hours_per_month=Decimal(2),
    )
    StreamFactory(portfolio=portfolio, name="Groceries", category="living_expenses")

    response = client_owner.get(reverse("portfolio:stream_list", args=[portfolio.pk]))

    assert response.status_code == 200
    groups = {g["key"]: g for g in response.context["groups"]}
    assert [r["stream"].name for r in groups["earned"]["rows"]] == ["Salary"]
    passive = groups["passive"]["rows"][0]
    assert passive["monthly"] == Decimal(100)
    assert passive["per_hour"] == Decimal(50)
    assert groups["outgoing"]["rows"][0]["per_hour"] is None
    content = response.content.decode()
    for text in ("Salary", "Index fund", "Groceries", "$100.00", "$50.00", "Quarterly"):
        assert text in content
    assert "not really passive" not in content.split("</h2>", 2)[-1].split("<p class")[0]


def test_list_flags_not_really_passive_and_ended(client_owner, portfolio, settings):
    settings.PASSIVE_HOURS_LIMIT = 20
    StreamFactory(portfolio=portfolio, name="Shop", category="business_profit", hours_per_month=80)
    StreamFactory(portfolio=portfolio, name="Blog", category="advertising", hours_per_month=20)
    StreamFactory(
        portfolio=portfolio, name="Old job", end_date=dt.date(2026, 9, 30), hours_per_month=160
    )

    response = client_owner.get(reverse("portfolio:stream_list", args=[portfolio.pk]))

    rows = {r["stream"].name: r for g in response.context["groups"] for r in g["rows"]}
    assert rows["Shop"]["not_passive"] is True
    assert rows["Blog"]["not_passive"] is False
    assert rows["Old job"]["not_passive"] is False  # earned income is not expected passive
    assert rows["Old job"]["ended"] is True
    assert rows["Shop"]["ended"] is False
    content = response.content.decode()
    assert '<span class="badge badge-warning"' in content
    assert ">not really passive</span>" in content
    assert ">ended</span>" in content
    earned = next(g for g in response.context["groups"] if g["key"] == "earned")
    assert earned["monthly_total"] == 0  # the ended job no longer counts


def test_list_says_no_hours_recorded_for_a_passive_stream_at_zero_hours(client_owner, portfolio):
    # 0 is the form's default: the income per hour is unbounded because no hours
    # were recorded, which is what the list says (not that none are needed).
    StreamFactory(portfolio=portfolio, category="interest", hours_per_month=0)
    response = client_owner.get(reverse("portfolio:stream_list", args=[portfolio.pk]))
    assert "no hours recorded" in response.content.decode()
    assert "no hours needed" not in response.content.decode()


def test_list_empty_state(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:stream_list", args=[portfolio.pk]))
    assert "No streams yet" in response.content.decode()


def test_list_strangers_portfolio_is_404(client_owner, stranger):
    url = reverse("portfolio:stream_list", args=[stranger.portfolios.get().pk])
    assert client_owner.get(url).status_code == 404


def test_list_post_is_405(client_owner, portfolio):
    assert (
        client_owner.post(reverse("portfolio:stream_list", args=[portfolio.pk])).status_code == 405
    )


def test_list_anonymous_goes_to_login(client, portfolio):
    response = client.get(reverse("portfolio:stream_list", args=[portfolio.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- stream_create ---------------------------------------------------------------------------


def test_create_form_has_grouped_categories(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:stream_create", args=[portfolio.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<optgroup label="Passive">' in content
    assert '<optgroup label="Outgoing">' in content


@pytest.mark.parametrize("category", ["salary", "dividends", "living_expenses"])
def test_create_takes_the_category_from_the_query_string(client_owner, portfolio, category):
    # The dashboard's "Add your salary" links here with ?category=salary.
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    response = client_owner.get(url, {"category": category})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["category"].value() == category
    assert form["holding"].value() is None
    assert form["first_date"].value() == dt.date(2026, 10, 15)
    assert f'<option value="{category}" selected>' in response.content.decode()


@pytest.mark.parametrize("category", ["Salary", "SALARY", "wages", "salary ", "earned", ""])
def test_create_ignores_an_unknown_category_in_the_query_string(client_owner, portfolio, category):
    url = reverse("portfolio:stream_create", args=[portfolio.pk])
    response = client_owner.get(url, {"category": category})
    assert response.status_code == 200
    assert not response.context["form"]["category"].value()
    assert '<option value="" selected>Choose a category</option>' in response.content.decode()


def test_create_form_offers_holdings_by_name(client_owner, portfolio):
    HoldingFactory(portfolio=portfolio, name="Savings", kind="cash")
    HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    HoldingFactory(portfolio=portfolio, name="ETF", kind="listed")
    response = client_owner.get(reverse("portfolio:stream_create", args=[portfolio.pk]))
    content = response.content.decode()
    assert content.index(">ETF<") < content.index(">Flat<") < content.index(">Savings<")


def test_create_saves_a_stream(client_owner, portfolio):
    holding = HoldingFactory(portfolio=portfolio, name="ETF")
    url = reverse("portfolio:stream_create", args=[portfolio.pk])

    response = client_owner.post(url, form_data(holding=str(holding.pk), end_date="2030-12-31"))

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:stream_list", args=[portfolio.pk])
    stream = Stream.objects.get()
    assert (stream.portfolio, stream.holding, stream.amount, stream.hours_per_month) == (
        portfolio,
        holding,
        Decimal("120.50"),
        Decimal("1.5"),
    )
    assert stream.end_date == dt.date(2030, 12, 31)
    assert texts(response) == ["Stream “Dividends” added."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "a lot"}, "Enter an amount as a plain number"),
        ({"amount": "NaN"}, "NaN and infinity are not amounts"),
        ({"amount": "Infinity"}, "NaN and infinity are not amounts"),
        ({"amount": "1234567890123"}, "at most 12 digits before the decimal point"),
        ({"amount": "0.001"}, "at most 2 decimal places"),
        ({"amount": "0"}, "Enter an amount other than zero"),
        ({"amount": "-5"}, "Enter an amount above zero"),
        ({"end_date": "2026-03-14"}, "The last payment cannot be before the first payment"),
        ({"first_date": "1850-01-01"}, "between 1900 and 2200"),
        ({"end_date": "2999-01-01"}, "between 1900 and 2200"),
        ({"hours_per_month": "800"}, "A month has at most 744 hours"),
        ({"hours_per_month": "-1"}, "Hours cannot be negative"),
        ({"hours_per_month": "NaN"}, "Enter hours as a number"),
        ({"hours_per_month": "1.25"}, "at most one decimal place"),
        ({"category": "lottery"}, "Choose one of the categories"),
        ({"category": ""}, "This field is required"),
        ({"frequency": "hourly"}, "Select a valid choice"),
    ],
)
def test_create_bad_input_changes_nothing(client_owner, portfolio, data, message):
    response = client_owner.post(
        reverse("portfolio:stream_create", args=[portfolio.pk]), form_data(**data)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Stream.objects.exists()


def test_create_end_before_first_error_is_on_the_end_date(client_owner, portfolio):
    response = client_owner.post(
        reverse("portfolio:stream_create", args=[portfolio.pk]),
        form_data(end_date="2026-01-01"),
    )
    assert response.context["form"].errors["end_date"] == [
        "The last payment cannot be before the first payment."
    ]


def test_create_with_holding_of_another_portfolio_is_refused(client_owner, portfolio, stranger):
    foreign = HoldingFactory(portfolio=stranger.portfolios.get())
    response = client_owner.post(
        reverse("portfolio:stream_create", args=[portfolio.pk]), form_data(holding=foreign.pk)
    )
    assert "Choose one of this portfolio&#x27;s holdings." in response.content.decode()
    assert not Stream.objects.exists()


def test_create_duplicate_name_ignoring_case(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Dividends")
    response = client_owner.post(
        reverse("portfolio:stream_create", args=[portfolio.pk]), form_data(name="dividends")
    )
    assert "already has a stream with this name" in response.content.decode()
    assert Stream.objects.count() == 1


def test_create_in_strangers_portfolio_is_404(client_owner, stranger):
    url = reverse("portfolio:stream_create", args=[stranger.portfolios.get().pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, form_data()).status_code == 404
    assert not Stream.objects.exists()


def test_create_anonymous_goes_to_login(client, portfolio):
    response = client.post(reverse("portfolio:stream_create", args=[portfolio.pk]), form_data())
    assert response.status_code == 302
    assert not Stream.objects.exists()


# --- stream_edit ---------------------------------------------------------------------------------


def test_edit_saves_changes(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Salary")
    url = reverse("portfolio:stream_edit", args=[stream.pk])
    assert client_owner.get(url).status_code == 200

    response = client_owner.post(
        url, form_data(name="Salary (new job)", category="salary", amount="3500")
    )

    assert response.status_code == 302
    stream.refresh_from_db()
    assert (stream.name, stream.amount) == ("Salary (new job)", Decimal("3500"))
    assert texts(response) == ["Stream “Salary (new job)” saved."]


def test_edit_bad_input_changes_nothing(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("3000"))
    StreamFactory(portfolio=portfolio, name="Rent")
    url = reverse("portfolio:stream_edit", args=[stream.pk])
    for data in ({"amount": "NaN"}, {"name": "RENT"}, {"hours_per_month": "800"}):
        response = client_owner.post(url, form_data(**{"name": "Salary", **data}))
        assert response.status_code == 200
    stream.refresh_from_db()
    assert (stream.name, stream.amount) == ("Salary", Decimal("3000"))


def test_edit_strangers_stream_is_404(client_owner, strangers_stream):
    url = reverse("portfolio:stream_edit", args=[strangers_stream.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, form_data()).status_code == 404
    strangers_stream.refresh_from_db()
    assert strangers_stream.name == "Secret salary"


def test_edit_anonymous_goes_to_login(client, portfolio):
    stream = StreamFactory(portfolio=portfolio)
    assert client.get(reverse("portfolio:stream_edit", args=[stream.pk])).status_code == 302


# --- stream_delete -------------------------------------------------------------------------------


def test_delete_confirms_then_deletes_keeping_entries(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Salary")
    entry = EntryFactory(portfolio=portfolio, stream=stream, category="salary")
    url = reverse("portfolio:stream_delete", args=[stream.pk])

    page = client_owner.get(url)
    assert page.status_code == 200
    assert "1 entry is kept" in page.content.decode()

    response = client_owner.post(url)

    assert response.status_code == 302
    assert not Stream.objects.exists()
    entry.refresh_from_db()
    assert entry.stream is None
    assert texts(response) == ["Stream “Salary” deleted."]


def test_delete_strangers_stream_is_404(client_owner, strangers_stream):
    url = reverse("portfolio:stream_delete", args=[strangers_stream.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url).status_code == 404
    assert Stream.objects.filter(pk=strangers_stream.pk).exists()


def test_delete_anonymous_goes_to_login(client, portfolio):
    stream = StreamFactory(portfolio=portfolio)
    assert client.post(reverse("portfolio:stream_delete", args=[stream.pk])).status_code == 302
    assert Stream.objects.exists()


# --- stream_confirm ------------------------------------------------------------------------------


def test_confirm_creates_the_expected_entries_once(client_owner, portfolio):
    stream = StreamFactory(
        portfolio=portfolio,
        name="Cleaning",
        category="freelance",
        amount=Decimal("80"),
        frequency="weekly",
        first_date=dt.date(2026, 10, 2),
    )
    url = reverse("portfolio:stream_confirm", args=[stream.pk])

    response = client_owner.post(url, {"month": "2026-10"})

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("portfolio:entry_list", args=[portfolio.pk]) + "?month=2026-10"
    )
    assert texts(response) == ["Confirmed 5 payment(s) of “Cleaning” for October 2026."]
    entries = Entry.objects.filter(stream=stream)
    assert sorted(e.date.day for e in entries) == [2, 9, 16, 23, 30]
    assert {(e.amount, e.category, e.portfolio_id) for e in entries} == {
        (Decimal("80"), "freelance", portfolio.pk)
    }

    again = client_owner.post(url, {"month": "2026-10"})

    assert Entry.objects.count() == 5
    assert "Already confirmed" in texts(again)[-1]


def test_confirm_month_without_payment(client_owner, portfolio):
    stream = StreamFactory(
        portfolio=portfolio, name="Bonus", frequency="yearly", first_date=dt.date(2026, 3, 1)
    )
    response = client_owner.post(
        reverse("portfolio:stream_confirm", args=[stream.pk]), {"month": "2026-10"}
    )
    assert texts(response) == ["“Bonus” pays nothing in October 2026."]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("month", ["", "2026-13", "2026-1", "October", "0000-01", "2026-10-01"])
def test_confirm_bad_month_writes_nothing(client_owner, portfolio, month):
    stream = StreamFactory(portfolio=portfolio)
    response = client_owner.post(
        reverse("portfolio:stream_confirm", args=[stream.pk]), {"month": month}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:entry_list", args=[portfolio.pk])
    assert "choose a month as YYYY-MM" in texts(response)[0]
    assert not Entry.objects.exists()


def test_confirm_get_is_405(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio)
    url = reverse("portfolio:stream_confirm", args=[stream.pk])
    assert client_owner.get(url, {"month": "2026-10"}).status_code == 405
    assert not Entry.objects.exists()


def test_confirm_strangers_stream_is_404(client_owner, strangers_stream):
    url = reverse("portfolio:stream_confirm", args=[strangers_stream.pk])
    assert client_owner.post(url, {"month": "2026-10"}).status_code == 404
    assert not Entry.objects.exists()


def test_confirm_anonymous_goes_to_login(client, portfolio):
    stream = StreamFactory(portfolio=portfolio)
    url = reverse("portfolio:stream_confirm", args=[stream.pk])
    assert client.post(url, {"month": "2026-10"}).status_code == 302
    assert not Entry.objects.exists()


@pytest.mark.parametrize("name", ["stream_create", "stream_edit", "stream_delete", "stream_list"])
def test_other_methods_are_405(client_owner, portfolio, name):
    stream = StreamFactory(portfolio=portfolio)
    pk = portfolio.pk if name in ("stream_create", "stream_list") else stream.pk
    assert client_owner.put(reverse(f"portfolio:{name}", args=[pk])).status_code == 405
