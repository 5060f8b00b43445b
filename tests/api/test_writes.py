"""Writing through /api/v1/: the pages' forms decide, with the pages' messages;
household viewers read only; an Idempotency-Key makes a retry safe."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from api.models import IdempotentRequest
from goals.models import Goal
from households import services as household_services
from portfolio.models import Entry, Holding, Portfolio, Stream
from tests.api.clients import api_client
from tests.factories import EntryFactory, StreamFactory, UserFactory

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_record_a_dividend(api, portfolio):
    stream = StreamFactory(portfolio=portfolio, name="ACME", category="dividends")
    response = api.post(
        f"{V1}/entries/",
        {"portfolio": portfolio.pk, "date": "2026-03-15", "amount": "41.30", "stream": stream.pk},
    )
    assert response.status_code == 201, response.json()
    entry = Entry.objects.get()
    # The form's rule: a blank category takes the stream's.
    assert (entry.amount, entry.category, entry.stream) == (Decimal("41.30"), "dividends", stream)
    assert response.json()["amount"] == "41.30"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"amount": "12.345"}, {"amount": ["Use at most 2 decimal places (cents)."]}),
        (
            {"amount": "NaN"},
            {
                "amount": [
                    "“NaN” is not a number. "
                    "Enter an amount as a plain number: NaN and infinity are not amounts."
                ]
            },
        ),
        ({"date": "2026-11-31"}, {"date": ["November has 30 days."]}),
        ({"category": ""}, {"category": ["Choose a category, or a stream to take it from."]}),
    ],
)
def test_what_the_form_refuses_the_api_refuses_with_its_message(api, portfolio, body, errors):
    full = {"portfolio": portfolio.pk, "date": "2026-03-15", "amount": "10", "category": "rent"}
    response = api.post(f"{V1}/entries/", {**full, **body})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == errors
    assert not Entry.objects.exists()


def test_holding_with_a_first_value_then_a_valuation_then_rename_and_delete(api, portfolio):
    response = api.post(
        f"{V1}/holdings/",
        {
            "portfolio": portfolio.pk,
            "name": "Broker",
            "kind": "listed",
            "value": "1000.00",
            "value_date": "2026-01-01",
            "liquidity": "kind",
        },
    )
    assert response.status_code == 201, response.json()
    holding = Holding.objects.get()
    assert holding.liquid and holding.valuations.get().value == Decimal("1000.00")
    response = api.post(
        f"{V1}/holdings/{holding.pk}/valuations/", {"date": "2026-02-01", "value": "1100.00"}
    )
    assert response.status_code == 201
    assert holding.valuations.count() == 2
    response = api.patch(f"{V1}/holdings/{holding.pk}/", {"name": "Brokerage"})
    assert response.status_code == 200, response.json()
    holding.refresh_from_db()
    assert holding.name == "Brokerage" and holding.liquid  # the rest kept
    valuation = holding.valuations.get(date=date(2026, 2, 1))
    assert api.delete(f"{V1}/valuations/{valuation.pk}/").status_code == 204
    assert api.delete(f"{V1}/holdings/{holding.pk}/").status_code == 204
    assert not Holding.objects.exists()


def test_a_duplicate_name_gets_the_pages_message(api, portfolio):
    StreamFactory(portfolio=portfolio, name="Rent")
    response = api.post(
        f"{V1}/streams/",
        {
            "portfolio": portfolio.pk,
            "name": "rent",
            "category": "rent",
            "amount": "900",
            "frequency": "monthly",
            "first_date": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "name": ["This portfolio already has a stream with this name."]
    }
    assert Stream.objects.count() == 1


def test_patch_and_delete_an_entry(api, portfolio):
    entry = EntryFactory(portfolio=portfolio, amount=Decimal("5.00"))
    response = api.patch(f"{V1}/entries/{entry.pk}/", {"amount": "7.50"})
    assert response.status_code == 200, response.json()
    entry.refresh_from_db()
    assert entry.amount == Decimal("7.50") and entry.category == "living_expenses"
    assert api.delete(f"{V1}/entries/{entry.pk}/").status_code == 204
    assert not Entry.objects.exists()


def test_set_next_years_goal(api, owner):
    year = date.today().year + 1
    response = api.post(
        f"{V1}/goals/", {"metric": "wealth_ratio", "year": year, "target": "15%", "baseline": "10%"}
    )
    assert response.status_code == 201, response.json()
    goal = Goal.objects.get()
    assert (goal.year, goal.target, goal.baseline) == (year, Decimal("0.15"), Decimal("0.10"))
    again = api.post(f"{V1}/goals/", {"metric": "wealth_ratio", "year": year, "target": "20%"})
    assert again.status_code == 400
    assert Goal.objects.count() == 1


def test_portfolios_create_and_rename(api, owner):
    response = api.post(f"{V1}/portfolios/", {"name": "Company"})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api.patch(f"{V1}/portfolios/{pk}/", {"name": "Firm"}).status_code == 200
    assert Portfolio.objects.get(pk=pk).name == "Firm"
    dup = api.post(f"{V1}/portfolios/", {"name": "firm"})
    assert dup.json()["errors"] == {"name": ["You already have a portfolio with this name."]}


def test_a_household_viewer_reads_but_cannot_write(owner, portfolio):
    partner = UserFactory(email="partner@example.com")
    home = household_services.household_create(user=owner, name="Home")
    invitation = household_services.invitation_create(by=owner, email=partner.email)
    household_services.invitation_accept(invitation=invitation, user=partner)
    Portfolio.objects.filter(pk=portfolio.pk).update(sharing=Portfolio.Sharing.VIEW)
    entry = EntryFactory(portfolio=portfolio)
    viewer = api_client(partner)
    assert viewer.get(f"{V1}/entries/{entry.pk}/").status_code == 200
    response = viewer.patch(f"{V1}/entries/{entry.pk}/", {"amount": "1.00"})
    assert response.status_code == 403
    assert response.json()["detail"] == "This portfolio is shared with you for viewing only."
    assert viewer.delete(f"{V1}/entries/{entry.pk}/").status_code == 403
    made = viewer.post(
        f"{V1}/entries/",
        {"portfolio": portfolio.pk, "date": "2026-01-01", "amount": "1", "category": "rent"},
    )
    assert made.status_code == 403
    assert Entry.objects.get().amount == entry.amount
    assert home.pk


DIVIDEND = {"date": "2026-03-15", "amount": "41.30", "category": "dividends"}


def test_a_retried_post_with_the_same_key_creates_one_entry(api, portfolio):
    body = {**DIVIDEND, "portfolio": portfolio.pk}
    first = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="march-dividend")
    again = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="march-dividend")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Entry.objects.count() == 1
    other = api.post(
        f"{V1}/entries/", {**body, "amount": "50"}, HTTP_IDEMPOTENCY_KEY="march-dividend"
    )
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert Entry.objects.count() == 1


def test_a_refused_post_claims_no_key(api, portfolio):
    body = {**DIVIDEND, "portfolio": portfolio.pk}
    bad = api.post(f"{V1}/entries/", {**body, "amount": "x"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="k1").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_create_one_entry(owner):
    portfolio = owner.portfolios.get()
    api = api_client(owner)
    body = {**DIVIDEND, "portfolio": portfolio.pk}
    barrier, statuses = threading.Barrier(2), []

    def post():
        try:
            barrier.wait()
            response = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="concurrent")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]
    assert Entry.objects.filter(portfolio=portfolio).count() == 1


def test_rate_limit_per_token_answers_429_with_retry_after(settings, owner):
    settings.API_RATE_LIMIT = "3/min"
    limited, other = api_client(owner), api_client(owner, scope="read")
    statuses = [limited.get(f"{V1}/portfolios/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited.get(f"{V1}/portfolios/")
    assert response["Content-Type"] == "application/problem+json"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another token of the same user counts on its own.
    assert other.get(f"{V1}/portfolios/").status_code == 200


def test_deleting_a_portfolio_but_never_the_last_one(api, owner, portfolio):
    other = api.post(f"{V1}/portfolios/", {"name": "Company"}).json()["id"]
    assert api.delete(f"{V1}/portfolios/{other}/").status_code == 204
    response = api.delete(f"{V1}/portfolios/{portfolio.pk}/")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["This is your only portfolio; add another before deleting it."]
    }
    assert list(owner.portfolios.all()) == [portfolio]


def test_a_list_where_one_value_belongs_is_refused_not_a_500(api, portfolio):
    response = api.post(
        f"{V1}/entries/",
        {"portfolio": portfolio.pk, "date": [None, None], "amount": "1", "category": "rent"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "date": ["Send one value (a string, number, boolean or null), not a list or an object."]
    }
    assert not Entry.objects.exists()


def test_a_key_is_forgotten_after_24_hours(api, portfolio, owner):
    body = {**DIVIDEND, "portfolio": portfolio.pk}
    with time_machine.travel("2026-03-15 09:00Z"):
        assert api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="k").status_code == 201
        other = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="other")
        assert other.status_code == 201
    with time_machine.travel("2026-03-16 08:59Z"):
        replay = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="k")
        assert replay["Idempotent-Replayed"] == "true"
    assert Entry.objects.count() == 2
    with time_machine.travel("2026-03-16 09:01Z"):
        again = api.post(f"{V1}/entries/", body, HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Entry.objects.count() == 3
    # The user's other stale key went with it.
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["k"]


def test_an_entry_in_another_currency_keeps_it_and_one_without_takes_the_base(api, portfolio):
    body = {"portfolio": portfolio.pk, "date": "2026-03-15", "amount": "950", "category": "rent"}
    pounds = api.post(f"{V1}/entries/", {**body, "currency": "GBP"})
    base = api.post(f"{V1}/entries/", body)
    assert (pounds.status_code, base.status_code) == (201, 201)
    assert pounds.json()["currency"] == "GBP"
    assert base.json()["currency"] == portfolio.owner.currency
    refused = api.post(f"{V1}/entries/", {**body, "currency": "DEM"})
    assert refused.status_code == 400
    assert "currency" in refused.json()["errors"]
    assert Entry.objects.count() == 2
