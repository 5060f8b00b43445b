"""Pages with amounts in several currencies: each amount in its own currency, its
worth in the base currency beside it, and the base currency changed in settings.

Rates are the ECB's of ``tests.helpers.ECB_RATES``; "today" is 10 April 2024, when
1 EUR = 1.086 USD = 0.85515 GBP.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio import snapshots
from portfolio.models import Snapshot, SnapshotQueue
from tests.factories import EntryFactory, HoldingFactory, StreamFactory, ValuationFactory
from tests.helpers import store_ecb_rates, texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rates")]
D = Decimal


@pytest.fixture
def rates(db):
    store_ecb_rates()
    with time_machine.travel("2024-04-10 12:00", tick=False):
        yield


@pytest.fixture
def flat(portfolio):
    """Cash of 10,000 GBP valued on 31 January 2024 and 10,500 GBP on 29 February."""
    cash = HoldingFactory(portfolio=portfolio, name="Sterling cash", kind="cash", currency="GBP")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    ValuationFactory(holding=cash, date=date(2024, 2, 29), value=D("10500"))
    return cash


def test_the_holdings_list_shows_pounds_and_their_worth_in_dollars(client_owner, portfolio, flat):
    HoldingFactory(portfolio=portfolio, name="Checking", kind="cash")  # no value yet
    page = client_owner.get(reverse("portfolio:holding_list", args=[portfolio.pk])).text
    # 10,500 GBP today: 10500 x 1.086 / 0.85515 = 13334.5027 -> 13334.50 USD
    assert "£10,500.00" in page
    assert "$13,334.50" in page
    assert 'data-figure="net_worth">$13,334.50<' in page


def test_the_holding_detail_converts_each_valuation_at_its_date(client_owner, flat):
    page = client_owner.get(reverse("portfolio:holding_detail", args=[flat.pk])).text
    # 31 January: 10000 x 1.0837 / 0.85435 = 12684.50; 29 February: 10500 x 1.0826 /
    # 0.85655 = 13271.0292 -> 13271.03; today: 13334.50 (above).
    for shown in ("£10,000.00", "$12,684.50", "£10,500.00", "$13,271.03", "$13,334.50"):
        assert shown in page, shown
    assert "at today&#x27;s rate" in page or "at today's rate" in page


def test_amounts_in_the_base_currency_show_nothing_beside_them(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Pay", amount=D("3000"))
    EntryFactory(portfolio=portfolio, date=date(2024, 1, 31), amount=D("50"))
    for name in ("portfolio:stream_list", "portfolio:entry_list"):
        page = client_owner.get(reverse(name, args=[portfolio.pk])).text
        assert "data-converted" not in page


def test_streams_show_their_worth_in_the_base_currency_today(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Rent", category="rent", amount=D("1000"),
                  currency="GBP", first_date=date(2024, 1, 31))  # fmt: skip
    StreamFactory(portfolio=portfolio, name="Pay", amount=D("3000"))
    page = client_owner.get(reverse("portfolio:stream_list", args=[portfolio.pk])).text
    # 1000 x 1.086 / 0.85515 = 1269.9526 -> 1269.95 USD
    assert "£1,000.00" in page
    assert "$1,269.95" in page
    assert 'data-figure="passive_monthly">$1,269.95<' in page


def test_entries_show_their_worth_at_their_date(client_owner, owner, portfolio):
    owner.currency = "JPY"
    owner.save()
    EntryFactory(portfolio=portfolio, date=date(2024, 1, 31), amount=D("12.34"), currency="EUR")
    page = client_owner.get(reverse("portfolio:entry_list", args=[portfolio.pk])).text
    assert "€12.34" in page
    assert "¥1,977" in page  # 12.34 x 160.19 = 1976.7446


def test_an_amount_without_rate_says_so(client_owner, portfolio):
    EntryFactory(portfolio=portfolio, date=date(2024, 1, 31), amount=D("500"), currency="ARS")
    page = client_owner.get(reverse("portfolio:entry_list", args=[portfolio.pk])).text
    assert "no rate for ARS on or before 2024-01-31" in page


def test_the_dashboard_says_which_rates_it_used(client_owner, portfolio, flat):
    page = client_owner.get(reverse("dashboard:dashboard")).text
    assert "the latest used is of 10 April 2024" in page


def test_the_dashboard_in_the_base_currency_alone_mentions_no_rates(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, first_date=date(2024, 1, 31))
    assert "data-rates" not in client_owner.get(reverse("dashboard:dashboard")).text


def test_a_new_base_currency_recomputes_every_snapshot_in_it(client_owner, owner, flat):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert Snapshot.objects.get(owner=owner, portfolio=None, month=date(2024, 1, 1)).net_worth == (
        D("12684.50")
    )
    data = {"currency": "EUR", "time_zone": "UTC", "assumed_yield": "4%"}
    response = client_owner.post(reverse("accounts:settings"), data)
    assert texts(response) == [
        "Your settings were saved. Every figure and chart is being recomputed in EUR."
    ]
    marker = SnapshotQueue.objects.get(user=owner)
    assert marker.dirty_since == date(1900, 1, 1)
    dashboard = client_owner.get(reverse("dashboard:dashboard")).text
    assert "Figures are being updated" in dashboard

    # The queued task's work: every month again, now in euros.
    snapshots.recompute_dirty(user_id=owner.pk, version=marker.version)
    worth = {
        row.month.isoformat(): row.net_worth
        for row in Snapshot.objects.filter(owner=owner, portfolio=None)
    }
    assert worth == {
        "2024-01-01": D("11704.80"),  # 10000 / 0.85435
        "2024-02-01": D("12258.48"),  # 10500 / 0.85655 = 12258.4782
        "2024-03-01": D("12279.27"),  # 10500 / 0.8551 = 12279.2656
        "2024-04-01": D("12278.55"),  # 10500 / 0.85515 = 12278.5476
    }
    assert not SnapshotQueue.objects.filter(user=owner).exists()


def test_saving_settings_in_the_same_currency_recomputes_nothing(client_owner, owner):
    data = {"currency": "USD", "time_zone": "Europe/Paris", "assumed_yield": "4%"}
    response = client_owner.post(reverse("accounts:settings"), data)
    assert texts(response) == ["Your settings were saved."]
    assert not SnapshotQueue.objects.filter(user=owner).exists()
