"""The household's passive-income calendar: the payments of every portfolio shared
with the household, whoever owns it, and never a member's private one; and the
calendar of a portfolio shared with a member, with its owner's history."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from households import services as households
from portfolio.models import Portfolio
from portfolio.services import portfolio_share
from tests.factories import StreamFactory
from tests.trend_history import growing_snapshots

pytestmark = pytest.mark.django_db

Sharing = Portfolio.Sharing
CALENDAR = reverse("dashboard:household_calendar")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2027, 6, 10, 12, tzinfo=dt.UTC), tick=False):
        yield


def paying(owner, name: str, stream: str, amount: str, sharing=Sharing.PRIVATE) -> Portfolio:
    portfolio = Portfolio.objects.create(owner=owner, name=name)
    StreamFactory(portfolio=portfolio, name="Salary", category="salary", amount=Decimal("3000"))
    StreamFactory(
        portfolio=portfolio,
        name=stream,
        category="dividends",
        amount=Decimal(amount),
        first_date=dt.date(2027, 1, 15),
    )
    if sharing != Sharing.PRIVATE:
        portfolio_share(portfolio=portfolio, sharing=sharing)
    return portfolio


def payments(response) -> list[str]:
    assert response.status_code == 200
    rows = re.findall(r"<tr data-payment>(.*?)</tr>", response.content.decode(), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


@pytest.fixture
def shared(alice, bob, couple):
    paying(alice, "Alice joint", "Alice fund", "300", Sharing.VIEW)
    paying(bob, "Bob joint", "Bob fund", "700", Sharing.EDIT)
    paying(bob, "Bob secret", "Bob hidden fund", "9000")
    return couple


@pytest.mark.parametrize("member", ["alice", "bob"])
def test_a_member_sees_every_shared_payment_and_no_private_one(client, shared, member, request):
    client.force_login(request.getfixturevalue(member))
    shown = payments(client.get(CALENDAR))
    assert len(shown) == 24  # twelve months of two shared funds
    assert "15 Jun Alice fund — $300.00" in shown
    assert "15 Jun Bob fund — $700.00" in shown
    assert not any("hidden" in row for row in shown)


def test_the_household_calendar_sums_each_month_of_what_is_shared(client, alice, shared):
    client.force_login(alice)
    page = client.get(CALENDAR).content.decode()
    assert "Passive $1,000.00" in page
    assert "shared with Home" in page


def test_the_household_dashboard_links_to_its_calendar(client, alice, shared):
    client.force_login(alice)
    page = client.get(reverse("dashboard:household")).content.decode()
    assert f'href="{CALENDAR}"' in page


def test_without_a_household_the_calendar_leads_to_the_household_page(client, alice):
    client.force_login(alice)
    response = client.get(CALENDAR)
    assert response.status_code == 302
    assert response["Location"] == reverse("households:household")


def test_after_leaving_the_calendar_shows_nothing_of_the_household(client, alice, bob, shared):
    households.member_leave(user=bob)
    client.force_login(alice)
    shown = payments(client.get(CALENDAR))
    assert shown and not any("Bob" in row for row in shown)


def test_a_shared_portfolios_calendar_has_a_tab_and_its_owners_pace(client, alice, bob, shared):
    theirs = Portfolio.objects.get(name="Bob joint")
    growing_snapshots(bob, dt.date(2027, 6, 1), ratio_now=0.30, portfolio=theirs)
    client.force_login(alice)
    url = reverse("dashboard:portfolio_calendar", args=[theirs.pk])
    response = client.get(url)
    assert "15 Jun Bob fund — $700.00" in payments(response)
    page = response.content.decode()
    assert f'<a data-label="Calendar" href="{url}" aria-current="page">Calendar</a>' in page
    # The portfolio's own history, its owner's rows: 30% now, 50% in June 2038.
    assert "50% in June 2038" in page


def test_a_private_portfolios_calendar_is_not_found_for_a_member(client, alice, shared):
    secret = Portfolio.objects.get(name="Bob secret")
    client.force_login(alice)
    response = client.get(reverse("dashboard:portfolio_calendar", args=[secret.pk]))
    assert response.status_code == 404
