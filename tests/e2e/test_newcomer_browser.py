"""A newcomer's first day, in a real browser: the household of the product's own example,
entered through the forms with their default dates, must read back the hand-computed
figures on the dashboard, the holdings, the goal card and the projection.

Salary 5,000 a month, an online shop paying 800, living costs 4,000, 1,300,000 in
index funds, all starting today: a window of one month, so
ratio 800 / 5,000 = 16.0%, runway 1,300,000 / 4,000 = 325.0 months, with passive
income 1,300,000 / 3,200 = 406.25 months, coverage 20.0%, savings rate
1,800 / 5,800 = 31.0%. A goal of 16% -> 25% is behind (projected 16% at 31 December)
and needs 0.25 x 5,000 - 800 = 450 a month more.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from goals.models import Goal
from goals.progress import goal_year
from portfolio.months import user_today
from tests.e2e.helpers import artifacts_dir, log_in, page_errors
from tests.factories import PASSWORD, StreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "newcomer@example.com"


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()


def _sign_up(page, url: str, smtp_server) -> None:
    """Sign up, verify from the real e-mail, log in: the newcomer lands on the dashboard."""
    page.goto(f"{url}/accounts/signup/")
    page.fill("main [name=email]", EMAIL)
    page.fill("main [name=password1]", PASSWORD)
    page.fill("main [name=password2]", PASSWORD)
    _submit(page)
    link = smtp_server.link(smtp_server.wait_for(EMAIL), "/accounts/confirm-email/")
    page.goto(link)
    _submit(page)
    page.goto(f"{url}/accounts/login/")
    page.fill("main [name=login]", EMAIL)
    page.fill("main [name=password]", PASSWORD)
    _submit(page)
    assert page.url == f"{url}/dashboard/"


def _add_stream(page, url: str, portfolio, name: str, category: str, amount: str, holding=None):
    page.goto(f"{url}/portfolios/{portfolio.pk}/streams/new/")
    page.fill("main [name=name]", name)
    page.select_option("main [name=category]", category)
    page.fill("main [name=amount]", amount)
    if holding:
        page.select_option("main [name=holding]", label=holding)
    _submit(page)  # frequency and first payment: the form's defaults (monthly, today)


def test_a_newcomers_household_reads_back_the_hand_computed_figures(
    live_server, smtp_server, settings, page, capsys
):
    settings.SITE_URL = live_server.url
    problems = page_errors(page)
    url = live_server.url

    def submit():
        _submit(page)

    def figure(name: str) -> str:
        return page.locator(f'[data-figure="{name}"]').first.inner_text().strip()

    _sign_up(page, url, smtp_server)
    portfolio = get_user_model().objects.get(email=EMAIL).portfolios.get()

    def add_stream(name: str, category: str, amount: str, holding: str | None = None):
        _add_stream(page, url, portfolio, name, category, amount, holding)

    def add_holding(name: str, kind: str, value: str, secured_against: str | None = None):
        page.goto(f"{url}/portfolios/{portfolio.pk}/holdings/new/")
        page.fill("main [name=name]", name)
        page.select_option("main [name=kind]", kind)
        page.fill("main [name=value]", value)
        if secured_against:
            page.select_option("main [name=secured_against]", label=secured_against)
        submit()  # liquid by kind, valued today: the defaults

    add_stream("Salary", "salary", "5000")
    add_stream("Online shop", "business_profit", "800")
    add_stream("Living costs", "living_expenses", "4000")
    add_holding("Index funds", "listed", "1300000")

    page.goto(f"{url}/dashboard/")
    assert figure("wealth_ratio") == "16.0%"
    assert figure("runway_months") == "325.0 months"
    assert figure("runway_with_passive_months") == "406.3 months"  # 406.25
    assert figure("passive_coverage") == "20.0%"
    assert figure("savings_rate") == "31.0%"
    assert "over 1 month, since" in page.inner_text("main")

    # A home with a mortgage secured against it, and the mortgage's payments: a liability.
    add_holding("Home", "property", "400000")
    add_holding("Mortgage", "loan", "-250000", secured_against="Home")
    add_stream("Mortgage payment", "loan_payments", "1500", holding="Mortgage")
    page.goto(f"{url}/portfolios/{portfolio.pk}/holdings/")
    home = page.locator("tr", has=page.get_by_role("link", name="Home", exact=True))
    assert "Liability" in home.inner_text()

    # A goal from 16% to 25% this year: behind, and 450 a month more passive income.
    # (In December the form proposes next year's goal; this one is for this year.)
    page.goto(f"{url}/goals/new/")
    page.fill("main [name=year]", str(user_today(portfolio.owner).year))
    page.select_option("main [name=metric]", "wealth_ratio")
    page.fill("main [name=target]", "25%")
    page.fill("main [name=baseline]", "16%")
    submit()
    page.goto(f"{url}/dashboard/")
    card = page.locator(".goal-card").first
    assert "Behind" in card.inner_text()
    assert "$450" in card.locator('[data-goal="action"]').inner_text()

    # The projection starts from today's row, at the dashboard's ratio.
    page.goto(f"{url}/projection/")
    assert figure("today_ratio") == "16.0%"

    shots = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{url}/dashboard/")
        path = artifacts_dir() / f"newcomer-dashboard-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the dashboard is {scroll_width} px wide at {width} px"
    assert [p for p in problems if not re.search(r"favicon", p)] == []
    with capsys.disabled():
        print()
        for path in shots:
            print(f"screenshot: {path}")


def test_a_newcomer_with_a_salary_only_is_offered_a_first_goal_in_money(
    live_server, smtp_server, settings, page
):
    # No passive income: "double the ratio" would still be 0, so the dashboard
    # proposes a first 1% of the salary, in money, and sets it in one click.
    settings.SITE_URL = live_server.url
    problems = page_errors(page)
    url = live_server.url
    _sign_up(page, url, smtp_server)
    owner = get_user_model().objects.get(email=EMAIL)
    _add_stream(page, url, owner.portfolios.get(), "Salary", "salary", "5000")
    year = goal_year(user_today(owner))
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{url}/dashboard/")
        invite = page.locator('.goal-invite[data-suggestion="first_income"]')
        assert (
            "Your first goal could be a wealth ratio of 1%: about $50 a month of passive"
            f" income by 31 December {year}."
        ) in " ".join(invite.inner_text().split())
        invite.screenshot(path=str(artifacts_dir() / f"newcomer-first-goal-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation():
        invite.get_by_role("link", name="Set this goal").click()
    assert page.input_value("main [name=target]") == "1%"
    _submit(page)
    goal = Goal.objects.get(owner=owner)
    assert (goal.year, goal.metric, goal.target) == (year, "wealth_ratio", Decimal("0.01"))
    assert problems == []


@pytest.fixture
def earning(portfolio):
    """Salary and dividends, no goal: the dashboard invites to set one."""
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("5000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("150"))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_goal_invitations_link_stands_apart_from_its_button(
    live_server, earning, client_owner, page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, client_owner)
    page.goto(f"{live_server.url}/dashboard/")
    button = page.locator(".goal-invite a.button").bounding_box()
    link = page.get_by_role("link", name="or choose your own").bounding_box()
    if link["y"] < button["y"] + button["height"]:  # on the button's line
        assert link["x"] - (button["x"] + button["width"]) >= 8
    else:  # wrapped below it
        assert link["y"] - (button["y"] + button["height"]) >= 4
