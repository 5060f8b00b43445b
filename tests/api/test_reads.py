"""Reading through /api/v1/: the caller's rows only, amounts as decimal strings,
filters, a stable cursor, problems as application/problem+json."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from households import services
from portfolio.models import Portfolio
from tests.api.clients import api_client
from tests.factories import (
    EntryFactory,
    GoalFactory,
    HoldingFactory,
    SnapshotFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_holdings_come_with_their_valuations_as_decimal_strings(api, portfolio, stranger):
    home = HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    ValuationFactory(holding=home, date=date(2026, 1, 1), value=Decimal("350000.00"))
    HoldingFactory(portfolio=stranger.portfolios.get(), name="Not mine")
    response = api.get(f"{V1}/holdings/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "Home" and row["liquid"] is False
    assert row["valuations"] == [
        {
            "id": home.valuations.get().pk,
            "holding": home.pk,
            "date": "2026-01-01",
            "value": "350000.00",
        }
    ]


def test_entries_filter_by_date_range_category_stream_and_portfolio(api, portfolio):
    salary = StreamFactory(portfolio=portfolio, name="Salary")
    EntryFactory(
        portfolio=portfolio,
        date=date(2026, 1, 31),
        category="salary",
        stream=salary,
        amount=Decimal("4200.00"),
    )
    EntryFactory(portfolio=portfolio, date=date(2026, 2, 10), category="dividends")
    EntryFactory(portfolio=portfolio, date=date(2026, 3, 10), category="dividends")

    def dates(**params):
        response = api.get(f"{V1}/entries/", params)
        assert response.status_code == 200
        return [row["date"] for row in response.json()["results"]]

    assert dates() == ["2026-01-31", "2026-02-10", "2026-03-10"]
    assert dates(date_from="2026-02-01", date_to="2026-02-28") == ["2026-02-10"]
    assert dates(category="dividends") == ["2026-02-10", "2026-03-10"]
    assert dates(stream=salary.pk) == ["2026-01-31"]
    assert dates(portfolio=portfolio.pk, category="salary") == ["2026-01-31"]
    assert api.get(f"{V1}/entries/")["Content-Type"] == "application/json"
    [first] = api.get(f"{V1}/entries/", {"stream": salary.pk}).json()["results"]
    assert first["amount"] == "4200.00"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "Enter a date as YYYY-MM-DD."),
        ({"category": "lottery"}, "category", "Choose one of the categories."),
        ({"stream": "x"}, "stream", "Enter a whole number."),
    ],
)
def test_a_bad_filter_is_a_problem_with_its_field(api, portfolio, params, field, message):
    response = api.get(f"{V1}/entries/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert body["errors"] == {field: [message]}


def test_the_cursor_walks_every_entry_once_in_a_stable_order(api, portfolio):
    made = [EntryFactory(portfolio=portfolio).pk for _ in range(7)]
    seen, url = [], f"{V1}/entries/?page_size=3"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        # A row added while paging appears at the end, never twice.
        if len(seen) == 3:
            made.append(EntryFactory(portfolio=portfolio).pk)
        url = page["next"]
    assert seen == made


def test_a_strangers_rows_are_404(api_stranger, portfolio, owner):
    holding = HoldingFactory(portfolio=portfolio)
    stream = StreamFactory(portfolio=portfolio)
    entry = EntryFactory(portfolio=portfolio)
    goal = GoalFactory(owner=owner)
    for path in (
        f"portfolios/{portfolio.pk}/",
        f"holdings/{holding.pk}/",
        f"streams/{stream.pk}/",
        f"entries/{entry.pk}/",
        f"goals/{goal.pk}/",
        f"figures/?portfolio={portfolio.pk}",
        f"snapshots/?portfolio={portfolio.pk}",
    ):
        response = api_stranger.get(f"{V1}/{path}")
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    for path in ("holdings/", "streams/", "entries/", "goals/"):
        assert api_stranger.get(f"{V1}/{path}").json()["results"] == [], path


def test_figures_at_a_date(api, portfolio):
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("3000.00"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("1000.00"))
    response = api.get(f"{V1}/figures/", {"date": "2025-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2025-12-31" and body["window_months"] == 12
    assert body["earned"] == "36000.00" and body["passive"] == "12000.00"
    assert body["wealth_ratio"].startswith("0.3333")  # passive over earned
    portfolio_figures = api.get(
        f"{V1}/figures/", {"date": "2025-12-31", "portfolio": portfolio.pk}
    ).json()
    assert portfolio_figures["earned"] == "36000.00"


def test_figures_without_spending_are_unknown_not_unbounded(api, portfolio):
    # A salary and cash but no spending yet: the pages say "no spending recorded
    # yet", and the API gives null rather than a free runway or a 100% savings rate.
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("3000.00"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash")
    ValuationFactory(holding=cash, date=date(2025, 1, 1), value=Decimal("9000.00"))
    body = api.get(f"{V1}/figures/", {"date": "2025-12-31"}).json()
    assert body["spending_recorded"] is False
    assert body["liquid_assets"] == "9000.00" and body["wealth_ratio"] == "0"
    for name in ("runway_months", "runway_with_passive_months", "passive_coverage"):
        assert body[name] is None, name
    assert body["savings_rate"] is None

    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("1500.00"))
    body = api.get(f"{V1}/figures/", {"date": "2025-12-31"}).json()
    assert body["spending_recorded"] is True
    assert body["runway_months"] == "6" and body["savings_rate"] == "0.5"


def test_snapshots_without_spending_are_unknown_not_unbounded(api, owner):
    SnapshotFactory(owner=owner, month=date(2026, 1, 1), spending=Decimal("0"))
    SnapshotFactory(owner=owner, month=date(2026, 2, 1))
    empty, spent = api.get(f"{V1}/snapshots/").json()
    assert empty["spending_recorded"] is False
    assert (empty["runway_months"], empty["runway_months_infinite"]) == (None, False)
    assert (empty["passive_coverage"], empty["passive_coverage_infinite"]) == (None, False)
    assert empty["savings_rate"] is None and empty["wealth_ratio"] == "0.050000"
    assert spent["spending_recorded"] is True
    assert spent["runway_months"] == "10.000000"  # 30,000 / 3,000 a month
    assert spent["savings_rate"] == "0.428571"  # (63,000 - 36,000) / 63,000


def test_snapshots_history_within_a_month_range(api, owner):
    for month in (1, 2, 3):
        SnapshotFactory(owner=owner, month=date(2026, month, 1))
    response = api.get(f"{V1}/snapshots/", {"from": "2026-02", "to": "2026-03"})
    assert response.status_code == 200
    rows = response.json()
    assert [row["month"] for row in rows] == ["2026-02-01", "2026-03-01"]
    assert rows[0]["earned"] == "60000.00"
    bad = api.get(f"{V1}/snapshots/", {"from": "2026-13"})
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"from": ["Choose a month as YYYY-MM, e.g. 2026-10."]}


def test_the_household_figures_need_a_household(api):
    assert api.get(f"{V1}/figures/", {"household": "true"}).status_code == 404


def test_the_household_figures_sum_what_members_share(owner, portfolio):
    partner = UserFactory(email="partner@example.com")
    services.household_create(user=owner, name="Home")
    services.invitation_accept(
        invitation=services.invitation_create(by=owner, email=partner.email), user=partner
    )
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("3000.00"))
    StreamFactory(portfolio=partner.portfolios.get(), category="salary", amount=Decimal("1000.00"))
    Portfolio.objects.filter(pk=portfolio.pk).update(sharing=Portfolio.Sharing.VIEW)
    shared_only = {"household": "true", "date": "2025-12-31"}
    assert api_client(partner).get(f"{V1}/figures/", shared_only).json()["earned"] == "36000.00"
    Portfolio.objects.filter(owner=partner).update(sharing=Portfolio.Sharing.VIEW)
    assert api_client(owner).get(f"{V1}/figures/", shared_only).json()["earned"] == "48000.00"
