"""Pages kept per user: served again until something they show changes, never to another.

Each change goes through the code a user's action runs (a model's save or delete,
the services, the recompute), and the next page must show it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal
from goals.services import goals_close_finished_years
from households import services as households
from portfolio import services, snapshots
from portfolio.models import Portfolio
from tests.factories import EntryFactory, GoalFactory, HoldingFactory, StreamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _march(time_machine):
    time_machine.move_to("2026-03-10 12:00", tick=False)


D = Decimal
DASHBOARD = reverse("dashboard:dashboard")


def _url(page: str, portfolio) -> str:
    return {
        "dashboard": DASHBOARD,
        "holdings": reverse("portfolio:holding_list", args=[portfolio.pk]),
        "streams": reverse("portfolio:stream_list", args=[portfolio.pk]),
        "entries": reverse("portfolio:entry_list", args=[portfolio.pk]),
        "goals": reverse("goals:goal_list"),
        "projection": reverse("portfolio:projection"),
        "portfolios": reverse("portfolio:portfolio_list"),
    }[page]


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_page_is_served_again_without_its_queries(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, amount=D("4000"))
    first_count, first = _queries(client_owner, DASHBOARD)
    again_count, again = _queries(client_owner, DASHBOARD)
    assert again == first
    # The session and the user only: none of the page's own.
    assert again_count == 2 < first_count


@pytest.mark.parametrize(
    "page",
    ["dashboard", "holdings", "streams", "entries", "goals", "projection", "portfolios"],
)
def test_every_kept_page_shows_a_new_entry_of_its_portfolio(client_owner, owner, portfolio, page):
    url = _url(page, portfolio)
    before = client_owner.get(url).content
    EntryFactory(portfolio=portfolio, date=date(2026, 3, 1), amount=D("1234.56"), category="salary")
    assert client_owner.get(url).content != before


CHANGES = {
    "an entry added": lambda owner, portfolio: EntryFactory(
        portfolio=portfolio, date=date(2026, 3, 2), amount=D("777.00"), category="salary"
    ),
    "an entry deleted": lambda owner, portfolio: portfolio.entries.get().delete(),
    "a stream renamed": lambda owner, portfolio: _renamed(portfolio.streams.get()),
    "a holding renamed": lambda owner, portfolio: _renamed(portfolio.holdings.get()),
    "a holding deleted": lambda owner, portfolio: portfolio.holdings.get().delete(),
    "the portfolio renamed": lambda owner, portfolio: _renamed(portfolio),
    "a portfolio added": lambda owner, portfolio: Portfolio.objects.create(
        owner=owner, name="Rentals"
    ),
    "a goal added": lambda owner, portfolio: GoalFactory(owner=owner, year=2026),
    "the base currency": lambda owner, portfolio: _saved(owner, currency="EUR"),
    "the assumed yield": lambda owner, portfolio: _saved(owner, assumed_yield=D("0.07")),
}


def _renamed(instance):
    instance.name = "Renamed thing"
    instance.save()


def _saved(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("page", ["dashboard", "holdings", "streams", "entries", "goals"])
def test_the_next_page_after_any_change_is_rendered_afresh(
    client_owner, owner, portfolio, change, page
):
    StreamFactory(portfolio=portfolio, name="Salary")
    HoldingFactory(portfolio=portfolio, name="Savings")
    EntryFactory(portfolio=portfolio, date=date(2026, 2, 10), amount=D("50.00"))
    url = _url(page, portfolio)
    client_owner.get(url)
    assert _queries(client_owner, url)[0] == 2

    owner.refresh_from_db()
    CHANGES[change](owner, portfolio)

    count, fresh = _queries(client_owner, url)
    assert count > 2, "the page was served from the cache after the change"
    assert _queries(client_owner, url) == (2, fresh)  # and kept again


def test_a_user_loaded_before_a_change_and_saved_after_keeps_the_new_version(owner, portfolio):
    """The settings form saves the request's user; it must not undo a change's raise."""
    before = owner.pages_version
    EntryFactory(portfolio=portfolio)  # raises the version in the database
    owner.currency = "EUR"
    owner.save()
    owner.refresh_from_db()
    assert owner.pages_version == before + 1  # the entry's raise, kept


def test_the_recompute_shows_its_rows(client_owner, owner, portfolio):
    StreamFactory(portfolio=portfolio, amount=D("4000"))
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    client_owner.get(DASHBOARD)
    assert _queries(client_owner, DASHBOARD)[0] == 2
    snapshots.snapshots_recompute(user_ids=[owner.pk])  # what the worker does after a change
    assert _queries(client_owner, DASHBOARD)[0] > 2


def test_a_page_is_never_served_to_another_user(client, owner, portfolio, stranger):
    _renamed(portfolio)
    HoldingFactory(portfolio=portfolio, name="Secret savings")
    url = reverse("portfolio:portfolio_list")
    held = reverse("portfolio:holding_list", args=[portfolio.pk])
    client.force_login(owner)
    for _ in range(2):
        assert "Secret savings" in client.get(held).content.decode()
        assert "Renamed thing" in client.get(url).content.decode()
    client.force_login(stranger)
    assert "Renamed thing" not in client.get(url).content.decode()
    assert client.get(held).status_code == 404


def test_messages_are_shown_once_even_on_a_kept_page(client_owner, portfolio):
    url = reverse("portfolio:portfolio_list")
    client_owner.get(url)
    assert _queries(client_owner, url)[0] == 2
    refused = "Sharing was not changed: choose one of the options."
    sharing = reverse("portfolio:portfolio_sharing", args=[portfolio.pk])
    response = client_owner.post(sharing, {"sharing": "everyone"}, follow=True)
    assert refused in response.content.decode()
    assert refused not in client_owner.get(url).content.decode()


def test_the_forms_of_a_kept_page_work_in_another_browser(owner):
    """Each browser's page carries tokens of its own CSRF secret."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(owner)
        browser.get(DASHBOARD)
    page = second.get(DASHBOARD).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = second.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_household_member_sees_what_another_shares(client, owner, portfolio):
    partner = UserFactory(email="partner@example.com")
    households.household_create(user=owner, name="Home")
    invitation = households.invitation_create(by=owner, email=partner.email)
    households.invitation_accept(invitation=invitation, user=partner)
    shared = partner.portfolios.get()
    services.portfolio_share(portfolio=shared, sharing=Portfolio.Sharing.VIEW)
    client.force_login(owner)
    url = reverse("portfolio:portfolio_list")
    client.get(url)
    kept = client.get(url).content
    _renamed(Portfolio.objects.get(pk=shared.pk))
    page = client.get(url).content
    assert page != kept
    assert b"Renamed thing" in page


def test_a_new_day_renders_the_page_afresh(client_owner, portfolio, time_machine):
    StreamFactory(portfolio=portfolio)
    client_owner.get(DASHBOARD)
    assert _queries(client_owner, DASHBOARD)[0] == 2
    time_machine.move_to("2026-03-11 00:30", tick=False)
    assert _queries(client_owner, DASHBOARD)[0] > 2


def test_a_year_end_close_shows_on_the_goals_page(client_owner, owner):
    GoalFactory(owner=owner, year=2025)
    url = reverse("goals:goal_list")
    client_owner.get(url)
    assert _queries(client_owner, url)[0] == 2
    goals_close_finished_years(now=timezone.now())
    assert Goal.objects.get(owner=owner).closed_at is not None
    assert _queries(client_owner, url)[0] > 2


def test_a_page_with_a_query_is_rendered_each_time(client_owner, portfolio):
    """A projection's own assumptions: no cache entry per combination typed."""
    url = reverse("portfolio:projection") + "?years=20"
    client_owner.get(url)
    assert _queries(client_owner, url)[0] > 2
