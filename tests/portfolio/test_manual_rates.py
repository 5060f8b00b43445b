"""A user's own rates for currencies the ECB does not publish: the page and its effect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio import selectors, snapshots
from portfolio.models import ManualRate, Snapshot, SnapshotQueue
from tests.factories import StreamFactory, UserFactory
from tests.helpers import store_ecb_rates, texts

pytestmark = pytest.mark.django_db
D = Decimal
URL = reverse("portfolio:manual_rates")


@pytest.fixture
def pesos(owner, portfolio):
    """Rent of 90,000 ARS a month from 15 February 2024; the base currency is USD."""
    store_ecb_rates()
    StreamFactory(portfolio=portfolio, category="rent", amount=D("90000"), currency="ARS",
                  first_date=date(2024, 2, 15))  # fmt: skip
    StreamFactory(portfolio=portfolio, category="salary", first_date=date(2024, 1, 31))


def figures(owner, as_of: date):
    return selectors.figures_at(
        portfolios=owner.portfolios.all(), as_of=as_of, currency=owner.currency
    )


@time_machine.travel("2024-03-10 12:00", tick=False)
def test_a_manual_rate_converts_the_owner_s_figures(client_owner, owner, pesos):
    assert figures(owner, date(2024, 2, 29)).no_rate == "no rate for ARS on or before 2024-02-15"
    data = {"currency": "ARS", "date": "2024-02-01", "units_per_euro": "900"}
    response = client_owner.post(URL, data)
    assert texts(response) == [
        "From 2024-02-01, 1 EUR = 900 ARS. Your figures are being recomputed."
    ]
    assert SnapshotQueue.objects.get(user=owner).dirty_since <= date(2024, 2, 1)
    # Paid 15 February, when 1 EUR = 1.0743 USD: 90000 ARS / 900 x 1.0743 = 107.43 USD
    # of rent; salary 3000 x 2 months.
    february = figures(owner, date(2024, 2, 29))
    assert february.no_rate is None
    assert february.passive == D("107.43")
    assert february.wealth_ratio == D("107.43") / D("6000")

    snapshots.snapshots_recompute(user_ids=[owner.pk])
    row = Snapshot.objects.get(owner=owner, portfolio=None, month=date(2024, 2, 1))
    assert row.passive == D("107.43")


@time_machine.travel("2024-03-10 12:00", tick=False)
def test_a_manual_rate_is_its_owner_s_only(client, owner, pesos):
    other = UserFactory()
    ManualRate.objects.create(
        owner=other, currency="ARS", date=date(2024, 1, 1), units_per_euro=D("900")
    )
    assert figures(owner, date(2024, 2, 29)).no_rate == "no rate for ARS on or before 2024-02-15"
    client.force_login(owner)
    assert "ARS" not in client.get(URL).text.split("Add a rate")[0]
    response = client.post(
        reverse("portfolio:manual_rate_delete", args=[other.manual_rates.get().pk])
    )
    assert response.status_code == 404
    assert other.manual_rates.exists()


def test_a_currency_the_ecb_publishes_is_refused(client_owner, owner):
    store_ecb_rates()
    data = {"currency": "GBP", "date": "2024-01-01", "units_per_euro": "0.9"}
    response = client_owner.post(URL, data)
    assert response.status_code == 200
    assert "The ECB publishes GBP (its latest rate is of 2024-04-10)" in response.text
    assert not ManualRate.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"units_per_euro": "0"}, "A rate is more than 0."),
        ({"units_per_euro": "lots"}, "Enter the rate as a number"),
        ({"currency": "EUR"}, "One euro is always one euro."),
        ({"currency": "XYZ"}, "Select a valid choice"),
        ({"date": "yesterday"}, "Enter a date as YYYY-MM-DD."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client_owner, data, message):
    response = client_owner.post(
        URL, {"currency": "ARS", "date": "2024-02-01", "units_per_euro": "900", **data}
    )
    assert response.status_code == 200
    assert message in response.text
    assert not ManualRate.objects.exists()


def test_the_widest_rate_is_kept_exactly_and_a_wider_one_refused(client_owner, owner):
    """Fifteen significant digits, which SQLite (the embedded default) stores exactly too."""
    widest = "999999999.999999"
    client_owner.post(URL, {"currency": "ARS", "date": "2024-02-01", "units_per_euro": widest})
    assert ManualRate.objects.get(owner=owner).units_per_euro == D(widest)

    response = client_owner.post(
        URL, {"currency": "ARS", "date": "2024-03-01", "units_per_euro": "1000000000"}
    )
    assert response.status_code == 200
    assert "no more than 9 digits before the decimal point" in response.text
    assert ManualRate.objects.filter(owner=owner).count() == 1


@pytest.mark.django_db(transaction=True)  # each save commits, with its own marker
def test_removing_a_rate_recomputes_the_figures(client_owner, owner, monkeypatch):
    monkeypatch.setattr(snapshots, "enqueue", lambda *args, **kwargs: True)  # no broker
    rate = ManualRate.objects.create(
        owner=owner, currency="ARS", date=date(2024, 2, 1), units_per_euro=D("900")
    )
    SnapshotQueue.objects.all().delete()
    response = client_owner.post(reverse("portfolio:manual_rate_delete", args=[rate.pk]))
    assert response.status_code == 302
    assert not ManualRate.objects.exists()
    assert SnapshotQueue.objects.filter(user=owner).exists()


def test_the_page_needs_a_log_in_and_deleting_needs_post(client, client_owner, owner):
    assert client_owner.get(reverse("portfolio:manual_rate_delete", args=[1])).status_code == 405
    client.logout()
    assert client.get(URL).status_code == 302
