"""Goal pages: list, create, edit, delete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Goal
from tests.factories import GoalFactory, PortfolioFactory, StreamFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def goal(owner):
    return GoalFactory(owner=owner, year=2026, note="Double it")


@pytest.fixture
def strangers_goal(stranger):
    return GoalFactory(owner=stranger, year=2026, note="Stranger's plan")


def goal_data(**fields) -> dict[str, str]:
    return {
        "metric": "wealth_ratio",
        "portfolio": "",
        "year": "2026",
        "target": "10%",
        "baseline": "5%",
        "note": "",
        **fields,
    }


def snapshot() -> list[tuple]:
    return list(Goal.objects.order_by("pk").values_list())


URL_NAMES = ["goals:goal_list", "goals:goal_create", "goals:goal_edit", "goals:goal_delete"]


def url_of(name: str, goal: Goal) -> str:
    return reverse(name, args=[goal.pk]) if name.endswith(("edit", "delete")) else reverse(name)


# --- Everyone -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_is_sent_to_log_in(client, goal, name):
    url = url_of(name, goal)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url


@pytest.mark.parametrize("name", URL_NAMES[1:])
def test_anonymous_post_changes_nothing(client, goal, name):
    before = snapshot()
    response = client.post(url_of(name, goal), goal_data(target="20%", year="2027"))
    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "methods"),
    [
        ("goals:goal_list", ["post", "put", "delete"]),
        ("goals:goal_create", ["put", "delete"]),
        ("goals:goal_edit", ["put", "delete"]),
        ("goals:goal_delete", ["put", "delete"]),
    ],
)
def test_other_methods_get_405(client_owner, goal, name, methods):
    before = snapshot()
    for method in methods:
        response = getattr(client_owner, method)(url_of(name, goal))
        assert response.status_code == 405, method
    assert snapshot() == before


# --- goal_list ----------------------------------------------------------------------------


def test_list_shows_this_years_cards_then_other_years(client_owner, owner, goal, strangers_goal):
    GoalFactory(
        owner=owner,
        year=2025,
        closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        final_value=Decimal("0.0431"),
    )
    GoalFactory(
        owner=owner,
        year=2025,
        metric="passive_coverage",
        closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        final_infinite=True,
    )
    GoalFactory(owner=owner, year=2027, baseline=Decimal("0.1"), target=Decimal("0.2"))

    response = client_owner.get(reverse("goals:goal_list"))

    assert response.status_code == 200
    assert [card.goal for card in response.context["cards"]] == [goal]
    assert [(g.year, g.metric) for g in response.context["other_goals"]] == [
        (2027, "wealth_ratio"),
        (2025, "passive_coverage"),
        (2025, "wealth_ratio"),
    ]
    content = response.content.decode()
    assert 'data-goal="target">10.0%<' in content
    for text in ("not started", "4.3%", "∞", reverse("goals:goal_edit", args=[goal.pk])):
        assert text in content
    assert "Stranger" not in content
    assert reverse("goals:goal_edit", args=[strangers_goal.pk]) not in content


def test_list_without_goals_invites_one_for_this_year(client_owner):
    response = client_owner.get(reverse("goals:goal_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "No goal for 2026 yet" in content
    # The link says which year: in December the goal form's own default is next year.
    assert f'href="{reverse("goals:goal_create")}?year=2026">Set a goal' in content


def test_list_without_goals_in_december_invites_one_for_next_year(client_owner, owner):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        client_owner.force_login(owner)
        content = client_owner.get(reverse("goals:goal_list")).content.decode()
    assert "No goal for 2026, which ends this month. Plan 2027 instead" in content
    assert f'href="{reverse("goals:goal_create")}?year=2027">Set a goal for 2027' in content


def test_list_queries_do_not_grow_with_goals(client_owner, owner):
    GoalFactory(owner=owner, year=2026)
    with CaptureQueriesContext(connection) as one:
        assert client_owner.get(reverse("goals:goal_list")).status_code == 200
    portfolios = [None, owner.portfolios.get(), PortfolioFactory(owner=owner)]
    for year in (2025, 2026, 2027):
        for portfolio in portfolios:
            for metric in ("wealth_ratio", "savings_rate", "passive_coverage"):
                Goal.objects.get_or_create(
                    owner=owner,
                    portfolio=portfolio,
                    year=year,
                    metric=metric,
                    defaults={
                        "baseline": Decimal("0"),
                        "target": Decimal("0.5"),
                        "baseline_date": dt.date(year, 1, 1),
                    },
                )
    assert Goal.objects.count() == 27
    with CaptureQueriesContext(connection) as many:
        assert client_owner.get(reverse("goals:goal_list")).status_code == 200
    assert len(many) == len(one)


# --- goal_create --------------------------------------------------------------------------


def test_create_form_takes_a_suggestion_from_the_address(client_owner):
    response = client_owner.get(
        reverse("goals:goal_create") + "?metric=wealth_ratio&target=12%25&year=2026"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="12%"' in content
    assert 'value="2026"' in content
    assert not Goal.objects.exists()


@pytest.mark.parametrize("typed", ["10%", "0.10"])
def test_create_stores_the_target_as_a_fraction(client_owner, owner, typed):
    response = client_owner.post(reverse("goals:goal_create"), goal_data(target=typed))

    assert response.status_code == 302
    assert response.url == reverse("goals:goal_list")
    assert texts(response) == ["Goal set: wealth ratio in 2026."]
    goal = Goal.objects.get()
    assert goal.owner == owner
    assert goal.target == Decimal("0.10")
    assert goal.baseline == Decimal("0.05")
    assert goal.baseline_date == dt.date(2026, 10, 15)


def test_create_on_one_portfolio(client_owner, owner):
    portfolio = owner.portfolios.get()
    response = client_owner.post(
        reverse("goals:goal_create"),
        goal_data(metric="monthly_passive", portfolio=str(portfolio.pk), target="500", baseline=""),
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.portfolio, goal.target, goal.baseline) == (portfolio, Decimal(500), Decimal(0))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "abc"}, "Enter a percentage such as 4% or a fraction such as 0.04."),
        ({"target": "NaN"}, "Enter a percentage such as 4% or a fraction such as 0.04."),
        ({"baseline": "abc"}, "Enter a percentage such as 4% or a fraction such as 0.04."),
        ({"year": "2040"}, "Choose a year from 2025 to 2036."),
        ({"year": "abc"}, "Enter a whole number."),
        ({"target": "5%"}, "A goal must be above where you start (5%)"),
        ({"target": "4%"}, "A goal must be above where you start (5%)"),
        ({"metric": "net_worth"}, "Select a valid choice."),
    ],
)
def test_create_with_bad_input_shows_a_message_and_writes_nothing(client_owner, fields, message):
    response = client_owner.post(reverse("goals:goal_create"), goal_data(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Goal.objects.exists()


def test_create_a_duplicate_shows_a_message_and_writes_nothing(client_owner, goal):
    before = snapshot()
    response = client_owner.post(reverse("goals:goal_create"), goal_data(target="20%"))
    assert response.status_code == 200
    assert (
        "You already have a wealth ratio goal for 2026 on all your portfolios; edit that one."
        in response.content.decode()
    )
    assert snapshot() == before


def test_create_on_a_strangers_portfolio_is_refused(client_owner, stranger):
    response = client_owner.post(
        reverse("goals:goal_create"), goal_data(portfolio=str(stranger.portfolios.get().pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Goal.objects.exists()


# --- goal_edit ----------------------------------------------------------------------------


def test_edit_form_shows_the_goal_in_percent(client_owner, goal):
    response = client_owner.get(reverse("goals:goal_edit", args=[goal.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="10%"' in content
    assert 'value="5%"' in content
    assert reverse("goals:goal_delete", args=[goal.pk]) in content


@pytest.mark.parametrize("typed", ["12%", "0.12"])
def test_edit_saves_the_new_target(client_owner, goal, typed):
    response = client_owner.post(
        reverse("goals:goal_edit", args=[goal.pk]), goal_data(target=typed, note="Raised")
    )
    assert response.status_code == 302
    assert response.url == reverse("goals:goal_list")
    assert texts(response) == ["Goal updated."]
    goal.refresh_from_db()
    assert (goal.target, goal.baseline, goal.note) == (Decimal("0.12"), Decimal("0.05"), "Raised")
    assert goal.baseline_date == dt.date(2026, 1, 1)  # the path keeps its start


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "abc"}, "Enter a percentage"),
        ({"target": "NaN"}, "Enter a percentage"),
        ({"year": "2040"}, "Choose a year from 2025 to 2036."),
        ({"target": "3%"}, "A goal must be above where you start (5%)"),
        ({"baseline": ""}, "This field is required."),
    ],
)
def test_edit_with_bad_input_shows_a_message_and_changes_nothing(
    client_owner, goal, fields, message
):
    before = snapshot()
    response = client_owner.post(reverse("goals:goal_edit", args=[goal.pk]), goal_data(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_edit_into_a_duplicate_shows_a_message_and_changes_nothing(client_owner, owner, goal):
    GoalFactory(owner=owner, year=2027)
    before = snapshot()
    response = client_owner.post(reverse("goals:goal_edit", args=[goal.pk]), goal_data(year="2027"))
    assert response.status_code == 200
    assert "You already have a wealth ratio goal for 2027" in response.content.decode()
    assert snapshot() == before


def test_stranger_gets_404_on_edit(client_owner, strangers_goal):
    before = snapshot()
    url = reverse("goals:goal_edit", args=[strangers_goal.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, goal_data(target="50%", note="mine")).status_code == 404
    assert snapshot() == before


def test_missing_goal_gets_404(client_owner):
    assert client_owner.get(reverse("goals:goal_edit", args=[999999])).status_code == 404
    assert client_owner.post(reverse("goals:goal_delete", args=[999999])).status_code == 404


# --- goal_delete --------------------------------------------------------------------------


def test_delete_asks_first(client_owner, goal):
    response = client_owner.get(reverse("goals:goal_delete", args=[goal.pk]))
    assert response.status_code == 200
    assert "Delete your wealth ratio goal for 2026?" in response.content.decode()
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_delete_removes_the_goal(client_owner, goal, strangers_goal):
    response = client_owner.post(reverse("goals:goal_delete", args=[goal.pk]))
    assert response.status_code == 302
    assert response.url == reverse("goals:goal_list")
    assert texts(response) == ["Goal for 2026 deleted."]
    assert list(Goal.objects.all()) == [strangers_goal]


def test_stranger_gets_404_on_delete(client_owner, strangers_goal):
    url = reverse("goals:goal_delete", args=[strangers_goal.pk])
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url).status_code == 404
    assert Goal.objects.filter(pk=strangers_goal.pk).exists()


def test_a_rate_with_a_huge_exponent_gets_a_field_error_not_a_server_error(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("goals:goal_create"),
        goal_data(metric="savings_rate", target="-1e999999999", baseline=""),
    )
    assert response.status_code == 200
    (message,) = response.context["form"].errors["target"]
    assert message.startswith("“-1e999999999” has an exponent")
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("day", "year"), [(dt.date(2026, 11, 30), 2026), (dt.date(2026, 12, 1), 2027)]
)
def test_a_new_goal_is_for_the_year_the_dashboard_invites(client, owner, portfolio, day, year):
    # In December the year ends in a month: the dashboard invites next year's goal,
    # and the form it links to (or any new goal) proposes the same year.
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("200"))
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), dt.UTC), tick=False):
        client.force_login(owner)  # a session of that day
        suggestion = client.get(reverse("dashboard:dashboard")).context["goal_suggestion"]
        form = client.get(reverse("goals:goal_create")).context["form"]
    assert suggestion.year == year
    assert form["year"].value() == year
