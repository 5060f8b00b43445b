"""The household dashboard: the combined figures of what members share, each
member's beside them, the combined history; private portfolios count nowhere."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households import services as households
from portfolio.models import Portfolio, Snapshot
from portfolio.months import user_today
from portfolio.services import portfolio_share
from portfolio.snapshots import snapshots_recompute
from tests.factories import HoldingFactory, StreamFactory, UserFactory, ValuationFactory
from tests.trend_history import growing_snapshots

pytestmark = pytest.mark.django_db

Sharing = Portfolio.Sharing


def earning(owner, name: str, *, salary: str, dividends: str, cash: str = "1000") -> Portfolio:
    portfolio = Portfolio.objects.create(owner=owner, name=name)
    if salary:
        StreamFactory(portfolio=portfolio, name="Salary", category="salary", amount=Decimal(salary))
    StreamFactory(
        portfolio=portfolio, name="Dividends", category="dividends", amount=Decimal(dividends)
    )
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio), value=Decimal(cash))
    return portfolio


@pytest.fixture
def shared(alice, bob, couple):
    """Alice shares 3000 salary and 300 dividends a month, Bob 2000 and 700; Bob keeps
    a private portfolio paying 10,000 a month."""
    portfolio_share(
        portfolio=earning(alice, "Alice joint", salary="3000", dividends="300"),
        sharing=Sharing.VIEW,
    )
    portfolio_share(
        portfolio=earning(bob, "Bob joint", salary="2000", dividends="700"),
        sharing=Sharing.EDIT,
    )
    earning(bob, "Bob secret", salary="", dividends="10000", cash="999999")
    return couple


def test_combined_and_each_member_s_figures(client, alice, shared):
    client.force_login(alice)
    response = client.get(reverse("dashboard:household"))
    assert response.status_code == 200
    figures = response.context["figures"]
    # (300 + 700) / (3000 + 2000), by hand.
    assert figures.wealth_ratio == Decimal("0.2")
    assert figures.net_worth == Decimal("2000")
    by_member = {m["user"].email: m["figures"] for m in response.context["members"]}
    assert by_member["alice@example.com"].wealth_ratio == Decimal("0.1")
    assert by_member["bob@example.com"].wealth_ratio == Decimal("0.35")
    assert "20.0%" in response.text or "20%" in response.text
    assert "Bob secret" not in response.text and "999" not in response.text


def test_someone_without_a_household_is_sent_to_the_household_page(client, alice):
    client.force_login(alice)
    response = client.get(reverse("dashboard:household"))
    assert response["Location"] == reverse("households:household")


def test_the_household_s_snapshots_follow_sharing_and_leaving(alice, bob, shared):
    snapshots_recompute(user_ids=[alice.pk])
    rows = Snapshot.objects.filter(household=shared).order_by("month")
    assert rows.exists()
    assert rows.last().wealth_ratio == Decimal("0.2")

    # Bob makes his joint portfolio private: the household counts Alice's alone.
    portfolio_share(portfolio=Portfolio.objects.get(name="Bob joint"), sharing=Sharing.PRIVATE)
    snapshots_recompute(user_ids=[bob.pk])
    assert rows.last().wealth_ratio == Decimal("0.1")

    portfolio_share(portfolio=Portfolio.objects.get(name="Bob joint"), sharing=Sharing.VIEW)
    snapshots_recompute(user_ids=[bob.pk])
    assert rows.last().wealth_ratio == Decimal("0.2")
    households.member_leave(user=bob)
    snapshots_recompute(user_ids=[alice.pk])
    assert rows.last().wealth_ratio == Decimal("0.1")


def test_the_charts_draw_the_combined_history(client, alice, shared):
    snapshots_recompute(user_ids=[alice.pk])
    client.force_login(alice)
    charts = client.get(reverse("dashboard:household")).context["charts"]
    assert Decimal(charts.data["ratio"][-1]) == Decimal("0.2")


def _grow(alice, household, *, members: int, portfolios: int) -> None:
    """Make the household ``members`` strong, sharing ``portfolios`` in all."""
    others = []
    for n in range(members - 1):
        user = UserFactory(email=f"member{n}@example.com")
        invitation = households.invitation_create(by=alice, email=user.email)
        households.invitation_accept(invitation=invitation, user=user)
        others.append(user)
    owners = [alice, *others]
    for n in range(portfolios):
        owner = owners[n % len(owners)]
        portfolio = earning(owner, f"Shared {n}", salary="1000", dividends="10")
        portfolio_share(portfolio=portfolio, sharing=Sharing.VIEW)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url_name", ["dashboard:household", "dashboard:dashboard", "dashboard:household_calendar"]
)
def test_queries_are_flat_with_members_and_shared_portfolios(client, url_name):
    counts = []
    for members, portfolios in [(1, 1), (5, 30)]:
        alice = UserFactory(email=f"alice{members}@example.com")
        household = households.household_create(user=alice, name="Home")
        _grow(alice, household, members=members, portfolios=portfolios)
        snapshots_recompute(user_ids=[alice.pk])
        client.force_login(alice)
        _queries(client, reverse(url_name))  # warm the session and caches
        counts.append(_queries(client, reverse(url_name)))
    assert counts[0] == counts[1], counts


def test_a_shared_portfolios_overview_shows_its_owners_pace(client, alice, bob, shared):
    """The trend of a portfolio is its rows, its owner's: a member looking at it sees it."""
    theirs = Portfolio.objects.get(name="Bob joint")
    growing_snapshots(bob, user_today(bob), portfolio=theirs)
    client.force_login(alice)
    response = client.get(reverse("dashboard:portfolio", args=[theirs.pk]))
    assert response.context["trend"] is not None
    assert "At the pace of the last 24 months" in response.content.decode()


def test_with_no_spending_shared_the_runways_say_so(client, alice, shared):
    # Neither member shares any spending: the runways would read "free".
    client.force_login(alice)
    response = client.get(reverse("dashboard:household"))
    rows = dict(
        re.findall(
            r'<tr><th scope="row">([^<]+)</th><td class="num"[^>]*>([^<]+)</td>', response.text
        )
    )
    for row in ("Runway", "Runway with passive income", "Passive coverage", "Savings rate"):
        assert rows[row] == "no spending recorded yet", row
    assert ">free<" not in response.text


def test_a_member_who_shares_nothing_has_no_figures_but_says_so(client, alice, bob, couple):
    portfolio_share(
        portfolio=earning(alice, "Alice joint", salary="3000", dividends="300"),
        sharing=Sharing.VIEW,
    )
    earning(bob, "Bob private", salary="2000", dividends="700")
    client.force_login(alice)
    page = client.get(reverse("dashboard:household")).text
    # A long address in a narrow column breaks after its "@", not mid-domain.
    bob_header = re.search(
        r'<th scope="col" class="num member-email">bob@<wbr>example.com(.*?)</th>', page
    )
    assert bob_header and "shares nothing" in bob_header.group(1)
    # Each row: the figure label, together, Alice's, Bob's cell, each cell labelled
    # with whose it is for the phone's stacked rows, where the header is out of sight.
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th>'
        r'<td class="num" data-label="Together"[^>]*>(.*?)</td>'
        # A card's label breaks after the address's "@" and name's dots (zero-width spaces).
        r'<td class="num" data-label="alice@\u200bexample.com">(.*?)</td>'
        r'<td class="num" data-label="bob@\u200bexample.com">(.*?)</td>',
        page,
    )
    assert {label: bobs for label, _, _, bobs in rows} == {
        "Wealth ratio": "—",
        "Runway": "—",
        "Runway with passive income": "—",
        "Passive income a month": "—",
        "Passive coverage": "—",
        "Savings rate": "—",
        "Net worth": "—",
        "Shared portfolios": "none",
    }
    assert dict((label, alices) for label, _, alices, _ in rows)["Wealth ratio"] == "10.0%"


def test_a_short_window_is_named_apart_from_what_the_figures_are_of(client, alice, couple):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        portfolio = Portfolio.objects.create(owner=alice, name="Joint")
        StreamFactory(portfolio=portfolio, category="salary", first_date=dt.date(2026, 12, 1))
        portfolio_share(portfolio=portfolio, sharing=Sharing.VIEW)
        client.force_login(alice)
        response = client.get(reverse("dashboard:household"))
    (subtitle,) = re.findall(r"<p [^>]*data-window>(.*?)</p>", response.text, flags=re.S)
    assert " ".join(subtitle.split()) == (
        "Figures over 1 month, since December 2026, of every portfolio shared with the household."
    )
