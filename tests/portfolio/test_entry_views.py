"""Entries pages: the paginated, filtered list with the expected payments, and the forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Entry
from tests.factories import EntryFactory, StreamFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def strangers_entry(stranger):
    return EntryFactory(portfolio=stranger.portfolios.get(), amount=Decimal("77.00"))


def list_url(portfolio) -> str:
    return reverse("portfolio:entry_list", args=[portfolio.pk])


def form_data(**overrides) -> dict:
    data = {"date": "2026-10-03", "amount": "42.10", "category": "dividends", "stream": ""}
    data["note"] = ""
    data.update(overrides)
    return data


# --- entry_list ------------------------------------------------------------------------------


def test_list_newest_first_with_stream_and_note(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Salary")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, 1), amount=Decimal("12.34"))
    EntryFactory(
        portfolio=portfolio,
        date=dt.date(2026, 10, 1),
        amount=Decimal("3000"),
        category="salary",
        stream=stream,
        note="October pay",
    )

    response = client_owner.get(list_url(portfolio))

    assert response.status_code == 200
    assert [e.date.month for e in response.context["page"]] == [10, 9]
    content = response.content.decode()
    for text in ("$12.34", "$3,000.00", "Salary", "October pay", "Living expenses"):
        assert text in content


def test_list_category_filter_is_grouped(client_owner, portfolio):
    response = client_owner.get(list_url(portfolio), {"category": "rent"})
    content = response.content.decode()
    select = content[content.index('<select id="filter-category"') :]
    select = select[: select.index("</select>")]
    labels = [part.split('"')[0] for part in select.split('<optgroup label="')[1:]]
    assert labels == ["Earned", "Passive", "Outgoing"]
    passive = select[select.index('<optgroup label="Passive">') :]
    passive = passive[: passive.index("</optgroup>")]
    assert '<option value="rent" selected>Rent</option>' in passive
    assert 'value="salary"' not in passive


def test_list_filters_by_month_and_category(client_owner, portfolio):
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, 30), category="rent")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 10, 1), category="rent")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 10, 31), category="taxes")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 11, 1), category="rent")

    by_month = client_owner.get(list_url(portfolio), {"month": "2026-10"})
    assert {e.date for e in by_month.context["page"]} == {
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    }
    by_both = client_owner.get(list_url(portfolio), {"month": "2026-10", "category": "rent"})
    assert [e.date for e in by_both.context["page"]] == [dt.date(2026, 10, 1)]
    by_category = client_owner.get(list_url(portfolio), {"category": "rent"})
    assert len(by_category.context["page"]) == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-13"}, "The month filter was ignored"),
        ({"month": "October"}, "The month filter was ignored"),
        ({"month": "99999-01"}, "The month filter was ignored"),
        ({"month": "1800-01"}, "The month filter was ignored"),
        ({"category": "lottery"}, "The category filter was ignored"),
        ({"category": "<script>"}, "The category filter was ignored"),
    ],
)
def test_list_invalid_filters_are_ignored_with_a_message(client_owner, portfolio, params, message):
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 1, 5))
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 10, 5))
    response = client_owner.get(list_url(portfolio), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(response.context["page"]) == 2


@pytest.mark.parametrize("page", ["2", "999", "abc", "-1"])
def test_list_pages_never_fail(client_owner, portfolio, page):
    EntryFactory.create_batch(3, portfolio=portfolio)
    assert client_owner.get(list_url(portfolio), {"page": page}).status_code == 200


def test_list_paginates_50_a_page_keeping_filters(client_owner, portfolio):
    EntryFactory.create_batch(51, portfolio=portfolio, date=dt.date(2026, 10, 2), category="rent")
    EntryFactory(portfolio=portfolio, date=dt.date(2026, 10, 1), category="rent", note="oldest")

    first = client_owner.get(list_url(portfolio), {"category": "rent"})
    assert len(first.context["page"]) == 50
    assert "?category=rent&amp;page=2" in first.content.decode()

    second = client_owner.get(list_url(portfolio), {"category": "rent", "page": "2"})
    assert len(second.context["page"]) == 2
    assert "oldest" in second.content.decode()


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(client_owner, portfolio):
    url = list_url(portfolio)

    def add(n):
        for i in range(n):
            stream = StreamFactory(portfolio=portfolio, first_date=dt.date(2026, 1, 1 + i % 28))
            EntryFactory(portfolio=portfolio, stream=stream, date=dt.date(2026, 9, 1))

    add(1)
    one = _queries(client_owner, url)
    add(29)
    assert _queries(client_owner, url) == one


def test_expected_box_lists_unconfirmed_streams_of_the_month(client_owner, portfolio):
    salary = StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("3000"))
    StreamFactory(
        portfolio=portfolio,
        name="Gym",
        category="living_expenses",
        amount=Decimal("10"),
        frequency="weekly",
        first_date=dt.date(2026, 10, 1),
    )
    StreamFactory(portfolio=portfolio, name="Bonus", frequency="yearly")  # pays in January
    StreamFactory(portfolio=portfolio, name="Old job", end_date=dt.date(2026, 9, 30))
    rent = StreamFactory(portfolio=portfolio, name="Rent", category="rent")
    EntryFactory(portfolio=portfolio, stream=rent, date=dt.date(2026, 10, 2), category="rent")

    response = client_owner.get(list_url(portfolio))

    expected = {row["stream"].name: row["amount"] for row in response.context["expected"]}
    assert expected == {"Salary": Decimal("3000"), "Gym": Decimal("50")}  # 5 Thursdays
    content = response.content.decode()
    assert "Expected in October 2026" in content
    assert reverse("portfolio:stream_confirm", args=[salary.pk]) in content
    assert 'name="month" value="2026-10"' in content


def test_expected_box_follows_the_month_filter(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Bonus", frequency="yearly")
    response = client_owner.get(list_url(portfolio), {"month": "2027-01"})
    assert [row["stream"].name for row in response.context["expected"]] == ["Bonus"]
    assert "Expected in January 2027" in response.content.decode()


def test_confirm_from_the_box_then_it_is_gone(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Salary")
    response = client_owner.post(
        reverse("portfolio:stream_confirm", args=[stream.pk]), {"month": "2026-10"}, follow=True
    )
    assert response.context["expected"] == []
    assert "Confirmed 1 payment(s) of “Salary” for October 2026." in response.content.decode()
    assert Entry.objects.get().date == dt.date(2026, 10, 1)


def test_list_strangers_portfolio_is_404(client_owner, stranger):
    assert client_owner.get(list_url(stranger.portfolios.get())).status_code == 404


def test_list_post_is_405(client_owner, portfolio):
    assert client_owner.post(list_url(portfolio)).status_code == 405


def test_list_anonymous_goes_to_login(client, portfolio):
    response = client.get(list_url(portfolio))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- entry_create ----------------------------------------------------------------------------


def test_create_form_shows_only_own_streams(client_owner, portfolio, stranger):
    StreamFactory(portfolio=portfolio, name="Mine")
    StreamFactory(portfolio=stranger.portfolios.get(), name="Theirs")
    response = client_owner.get(reverse("portfolio:entry_create", args=[portfolio.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in content
    assert "Theirs" not in content
    assert '<optgroup label="Earned">' in content


def test_create_saves_an_entry(client_owner, portfolio):
    response = client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), form_data(note="ACME Q3")
    )
    assert response.status_code == 302
    assert response["Location"] == list_url(portfolio) + "?month=2026-10"
    entry = Entry.objects.get()
    assert (entry.portfolio, entry.date, entry.amount, entry.category, entry.note) == (
        portfolio,
        dt.date(2026, 10, 3),
        Decimal("42.10"),
        "dividends",
        "ACME Q3",
    )
    assert texts(response) == ["Entry of $42.10 (Dividends) on 3 October 2026 added."]


def test_create_negative_correction_is_allowed(client_owner, portfolio):
    client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), form_data(amount="-10.00")
    )
    assert Entry.objects.get().amount == Decimal("-10.00")


def test_create_takes_the_category_of_the_stream(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio, category="rent")
    client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]),
        form_data(category="", stream=stream.pk),
    )
    entry = Entry.objects.get()
    assert (entry.stream, entry.category) == (stream, "rent")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "abc"}, "Enter an amount as a plain number"),
        ({"amount": "NaN"}, "NaN and infinity are not amounts"),
        ({"amount": "-Infinity"}, "NaN and infinity are not amounts"),
        ({"amount": "1000000000000"}, "at most 12 digits before the decimal point"),
        ({"amount": "1.001"}, "at most 2 decimal places"),
        ({"amount": "0"}, "Enter an amount other than zero"),
        ({"amount": "-0.00"}, "Enter an amount other than zero"),
        ({"amount": ""}, "This field is required"),
        ({"date": "1899-12-31"}, "between 1900 and 2200"),
        ({"date": "2026-02-30"}, "February 2026 has 28 days."),
        ({"date": "30/02/2026"}, "Enter a date as YYYY-MM-DD"),
        ({"category": "lottery"}, "Choose one of the categories"),
        ({"category": ""}, "Choose a category, or a stream to take it from"),
        ({"stream": "999999"}, "Choose one of this portfolio&#x27;s streams"),
    ],
)
def test_create_bad_input_changes_nothing(client_owner, portfolio, data, message):
    response = client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), form_data(**data)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Entry.objects.exists()


def test_create_with_stream_of_another_portfolio_is_refused(client_owner, portfolio, stranger):
    foreign = StreamFactory(portfolio=stranger.portfolios.get())
    response = client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), form_data(stream=foreign.pk)
    )
    assert "Choose one of this portfolio&#x27;s streams" in response.content.decode()
    assert not Entry.objects.exists()


def test_create_in_strangers_portfolio_is_404(client_owner, stranger):
    url = reverse("portfolio:entry_create", args=[stranger.portfolios.get().pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, form_data()).status_code == 404
    assert not Entry.objects.exists()


def test_create_anonymous_goes_to_login(client, portfolio):
    response = client.post(reverse("portfolio:entry_create", args=[portfolio.pk]), form_data())
    assert response.status_code == 302
    assert not Entry.objects.exists()


# --- entry_edit ---------------------------------------------------------------------------------


def test_edit_saves_changes(client_owner, portfolio):
    entry = EntryFactory(portfolio=portfolio)
    url = reverse("portfolio:entry_edit", args=[entry.pk])
    assert client_owner.get(url).status_code == 200

    response = client_owner.post(url, form_data(amount="55", category="interest"))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.amount, entry.category) == (Decimal("55"), "interest")
    assert texts(response)[-1].endswith("saved.")


def test_edit_bad_input_changes_nothing(client_owner, portfolio, stranger):
    entry = EntryFactory(portfolio=portfolio, amount=Decimal("100"))
    foreign = StreamFactory(portfolio=stranger.portfolios.get())
    url = reverse("portfolio:entry_edit", args=[entry.pk])
    for data in ({"amount": "NaN"}, {"amount": "0"}, {"stream": foreign.pk}):
        assert client_owner.post(url, form_data(**data)).status_code == 200
    entry.refresh_from_db()
    assert (entry.amount, entry.stream) == (Decimal("100"), None)


def test_edit_strangers_entry_is_404(client_owner, strangers_entry):
    url = reverse("portfolio:entry_edit", args=[strangers_entry.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, form_data()).status_code == 404
    strangers_entry.refresh_from_db()
    assert strangers_entry.amount == Decimal("77.00")


def test_edit_anonymous_goes_to_login(client, portfolio):
    entry = EntryFactory(portfolio=portfolio)
    assert client.get(reverse("portfolio:entry_edit", args=[entry.pk])).status_code == 302


# --- entry_delete -------------------------------------------------------------------------------


def test_delete_confirms_then_deletes(client_owner, portfolio):
    entry = EntryFactory(portfolio=portfolio, date=dt.date(2026, 9, 3), amount=Decimal("19.99"))
    url = reverse("portfolio:entry_delete", args=[entry.pk])

    page = client_owner.get(url)
    assert page.status_code == 200
    assert "$19.99" in page.content.decode()
    assert Entry.objects.exists()

    response = client_owner.post(url)

    assert response.status_code == 302
    assert response["Location"] == list_url(portfolio) + "?month=2026-09"
    assert not Entry.objects.exists()
    assert texts(response) == ["Entry of $19.99 (Living expenses) on 3 September 2026 deleted."]


def test_delete_strangers_entry_is_404(client_owner, strangers_entry):
    url = reverse("portfolio:entry_delete", args=[strangers_entry.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url).status_code == 404
    assert Entry.objects.filter(pk=strangers_entry.pk).exists()


def test_delete_anonymous_goes_to_login(client, portfolio):
    entry = EntryFactory(portfolio=portfolio)
    assert client.post(reverse("portfolio:entry_delete", args=[entry.pk])).status_code == 302
    assert Entry.objects.exists()


@pytest.mark.parametrize("name", ["entry_create", "entry_edit", "entry_delete", "entry_list"])
def test_other_methods_are_405(client_owner, portfolio, name):
    entry = EntryFactory(portfolio=portfolio)
    pk = portfolio.pk if name in ("entry_create", "entry_list") else entry.pk
    assert client_owner.put(reverse(f"portfolio:{name}", args=[pk])).status_code == 405
