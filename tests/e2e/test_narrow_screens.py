"""Every page of a user with data fits a 390 px phone screen, and keyboards see where they are.

Screenshots of each page go to ``artifacts_dir()`` as ``narrow-<page>.png``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from households.models import Household, Membership
from tests.e2e.helpers import artifacts_dir, log_in, page_errors
from tests.factories import (
    EntryFactory,
    GoalFactory,
    HoldingFactory,
    ImportProfileFactory,
    ImportRuleFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390


@pytest.fixture
def account(owner, portfolio):
    """Long names, badges and every column the lists can show."""
    today = date.today()
    fund = HoldingFactory(
        portfolio=portfolio, name="World equity index fund (accumulating)", kind="listed"
    )
    ValuationFactory(holding=fund, date=today - timedelta(days=30), value=Decimal("1234567.89"))
    flat = HoldingFactory(portfolio=portfolio, name="Rented flat", kind="property")
    ValuationFactory(holding=flat, date=today - timedelta(days=30), value=Decimal("310000.00"))
    loan = HoldingFactory(portfolio=portfolio, name="Mortgage on the rented flat", kind="loan")
    ValuationFactory(holding=loan, date=today - timedelta(days=30), value=Decimal("-180000.00"))
    StreamFactory(portfolio=portfolio, name="Salary from the employer", amount=Decimal("4200.00"))
    StreamFactory(
        portfolio=portfolio,
        name="Rent from the flat",
        category="rent",
        amount=Decimal("1350.00"),
        holding=flat,
        hours_per_month=Decimal("30"),
    )
    StreamFactory(
        portfolio=portfolio,
        name="Fund dividends",
        category="dividends",
        amount=Decimal("2100.00"),
        frequency="quarterly",
        holding=fund,
        first_date=today.replace(day=1) - timedelta(days=400),
        end_date=today - timedelta(days=40),
    )
    StreamFactory(
        portfolio=portfolio,
        name="Mortgage payment",
        category="loan_payments",
        amount=Decimal("950.00"),
        holding=loan,
    )
    EntryFactory(
        portfolio=portfolio,
        date=today.replace(day=1),
        amount=Decimal("1249.99"),
        category="living_expenses",
        note="Groceries, the plumber and a birthday present for a friend",
    )
    GoalFactory(owner=owner, year=today.year)
    GoalFactory(owner=owner, year=today.year + 1, note="Double it again, then once more")
    salary = StreamFactory(portfolio=portfolio, name="Salary from the employer's payroll office")
    rule = ImportRuleFactory(
        portfolio=portfolio,
        pattern="sepa credit transfer acme international payroll services gmbh",
        direction="in",
        amount_min=Decimal("1000.00"),
        amount_max=Decimal("123456789.00"),
        stream=salary,
    )
    ImportRuleFactory(
        portfolio=portfolio, pattern="transfer to savings", action="ignore", category=""
    )
    profile = ImportProfileFactory(
        owner=owner,
        name="Sparkasse giro account of the household",
        header=[
            "Auftragskonto",
            "Buchungstag",
            "Valutadatum",
            "Buchungstext",
            "Verwendungszweck",
            "Beguenstigter/Zahlungspflichtiger",
            "Kontonummer/IBAN",
            "BIC (SWIFT-Code)",
            "Betrag",
            "Waehrung",
            "Info",
        ],
        mapping={
            "date_column": 1,
            "date_format": "%d.%m.%y",
            "amount_column": 8,
            "decimal_separator": ",",
            "description_columns": [5, 4],
            "currency_column": 9,
        },
    )
    return {"fund": fund, "rule": rule, "profile": profile}


def pages(portfolio, fund, rule, profile) -> dict[str, str]:
    return {
        "dashboard": reverse("dashboard:dashboard"),
        "portfolios": reverse("portfolio:portfolio_list"),
        "portfolio": reverse("dashboard:portfolio", args=[portfolio.pk]),
        "holdings": reverse("portfolio:holding_list", args=[portfolio.pk]),
        "holding": reverse("portfolio:holding_detail", args=[fund.pk]),
        "streams": reverse("portfolio:stream_list", args=[portfolio.pk]),
        "entries": reverse("portfolio:entry_list", args=[portfolio.pk]),
        "goals": reverse("goals:goal_list"),
        "projection": reverse("portfolio:projection"),
        "settings": reverse("accounts:settings"),
        "rules": reverse("dataport:rules", args=[portfolio.pk]),
        "rule-edit": reverse("dataport:rule_edit", args=[portfolio.pk, rule.pk]),
        "rule-delete": reverse("dataport:rule_delete", args=[portfolio.pk, rule.pk]),
        "profiles": reverse("dataport:profiles"),
        "profile-delete": reverse("dataport:profile_delete", args=[profile.pk]),
    }


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_no_page_is_wider_than_a_phone(live_server, portfolio, account, client_owner, phone):
    log_in(phone, live_server, client_owner)
    problems = page_errors(phone)
    too_wide = {}
    for name, path in pages(portfolio, **account).items():
        phone.goto(live_server.url + path)
        phone.screenshot(path=str(artifacts_dir() / f"narrow-{name}.png"), full_page=True)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide[name] = width
    assert too_wide == {}
    assert problems == []


@pytest.mark.parametrize("name", ["holdings", "streams", "entries"])
def test_the_lists_become_stacked_rows_with_labels_badges_and_actions(
    live_server, portfolio, account, client_owner, phone, name
):
    log_in(phone, live_server, client_owner)
    phone.goto(live_server.url + pages(portfolio, **account)[name])
    table = phone.locator("main table.table-stack")
    assert table.count() > 0
    # The header is left to screen readers: a 1 px box.
    assert table.locator("thead").first.bounding_box()["height"] <= 1
    cell = table.locator("tbody td[data-label]").first
    assert cell.evaluate("(td) => getComputedStyle(td).display") in {"block", "flow-root"}
    label = cell.get_attribute("data-label")
    assert label
    assert cell.evaluate("(td) => getComputedStyle(td, '::before').content") == f'"{label}"'
    # Every badge and every row action shows, inside the screen.
    for locator in (table.locator(".badge"), table.locator("td.actions a, td.actions button")):
        assert locator.count() > 0
        for index in range(locator.count()):
            item = locator.nth(index)
            item.scroll_into_view_if_needed()
            assert item.is_visible()
            box = item.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, item.inner_text()


def test_the_focus_ring_on_the_portfolio_tabs_is_whole(
    live_server, portfolio, account, client_owner, phone
):
    log_in(phone, live_server, client_owner)
    phone.goto(live_server.url + reverse("portfolio:stream_list", args=[portfolio.pk]))
    tabs = phone.locator("nav.tabs ul a")
    for _ in range(40):
        phone.keyboard.press("Tab")
        if phone.evaluate("() => !!document.activeElement.closest('nav.tabs ul')"):
            break
    assert phone.evaluate("() => document.activeElement.textContent") == "Overview"
    for index in range(tabs.count()):
        if index:
            phone.keyboard.press("Tab")
        whole = phone.evaluate(
            """() => {
              const link = document.activeElement;
              const style = getComputedStyle(link);
              if (style.outlineStyle === "none") return "no ring";
              const grow = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
              const ring = link.getBoundingClientRect();
              const box = link.closest("ul").getBoundingClientRect();
              return ring.left - grow >= box.left && ring.right + grow <= box.right
                && ring.top - grow >= box.top && ring.bottom + grow <= box.bottom;
            }"""
        )
        assert whole is True, tabs.nth(index).inner_text()
    phone.screenshot(path=str(artifacts_dir() / "narrow-tabs-focus.png"))


def test_the_active_portfolio_tab_is_in_view(live_server, portfolio, account, client_owner, phone):
    log_in(phone, live_server, client_owner)
    tabs = {
        "Overview": reverse("dashboard:portfolio", args=[portfolio.pk]),
        "Holdings": reverse("portfolio:holding_list", args=[portfolio.pk]),
        "Streams": reverse("portfolio:stream_list", args=[portfolio.pk]),
        "Entries": reverse("portfolio:entry_list", args=[portfolio.pk]),
        "Calendar": reverse("dashboard:portfolio_calendar", args=[portfolio.pk]),
    }
    hidden, off_rule, layouts = {}, {}, {}
    for name, path in tabs.items():
        phone.goto(live_server.url + path)
        active = phone.locator("nav.tabs ul a[aria-current=page]")
        assert active.inner_text() == name
        # Whole inside the row as it is shown (not scrolled out of it) and the screen.
        inside = active.evaluate(
            """(link) => {
              const tab = link.getBoundingClientRect();
              const row = link.closest("ul").getBoundingClientRect();
              return tab.left >= Math.max(row.left, 0)
                && tab.right <= Math.min(row.right, window.innerWidth);
            }"""
        )
        if not inside:
            hidden[name] = active.bounding_box()
        # Its underline lies on its own row's rule, also on a row above the last.
        on_rule = active.evaluate(
            """(link) => {
              const item = link.closest("li");
              const rule = parseFloat(getComputedStyle(item).borderBottomWidth);
              const gap = link.getBoundingClientRect().bottom - item.getBoundingClientRect().bottom;
              return rule >= 1 && Math.abs(gap) <= 1;
            }"""
        )
        if not on_rule:
            off_rule[name] = active.bounding_box()
        # Where each tab sits: the same on every tab's page, so the rows never jump.
        layouts[name] = phone.locator("nav.tabs ul a").evaluate_all(
            "(links) => links.map((link) => { const box = link.getBoundingClientRect();"
            " return [Math.round(box.x), Math.round(box.y), Math.round(box.width)]; })"
        )
    phone.goto(live_server.url + tabs["Calendar"])
    phone.screenshot(path=str(artifacts_dir() / "narrow-tabs-calendar.png"))
    assert hidden == {}
    assert off_rule == {}
    assert all(layout == layouts["Overview"] for layout in layouts.values()), layouts


@pytest.fixture
def household(owner, portfolio):
    """The owner and two partners with long addresses in one household: the owner and
    one partner share a portfolio, the other partner shares nothing."""
    home = Household.objects.create(name="The Harrington-Whitfield household")
    Membership.objects.create(household=home, user=owner, is_creator=True)
    partner = UserFactory(email="alexandra.harrington-whitfield@example.com")
    quiet = UserFactory(email="bartholomew.quartermaine@example.com")
    for user in (partner, quiet):
        Membership.objects.create(household=home, user=user)
    for shared, salary, rent in (
        (portfolio, "4200.00", "1350.00"),
        (partner.portfolios.get(), "123456.78", "98765.43"),
    ):
        shared.sharing = "view"
        shared.save()
        StreamFactory(portfolio=shared, name="Salary", amount=Decimal(salary))
        StreamFactory(portfolio=shared, name="Rent", category="rent", amount=Decimal(rent))
        StreamFactory(
            portfolio=shared, name="Living", category="living_expenses", amount=Decimal("2500")
        )
        savings = HoldingFactory(portfolio=shared, name="Savings", kind="cash")
        ValuationFactory(
            holding=savings, date=date.today() - timedelta(days=30), value=Decimal("1234567.89")
        )
    return home


def test_the_household_table_fits_a_phone_and_stays_a_table_on_a_screen(
    live_server, household, client_owner, browser
):
    url = live_server.url + reverse("dashboard:household")
    # Wider than the screen, or than its own scrolling box (which hides it from the
    # page's width but still scrolls sideways).
    widths = """() => {
      const wrap = document.querySelector("[data-household-figures]").closest(".table-wrap");
      return {page: document.documentElement.scrollWidth, screen: window.innerWidth,
              table: wrap.scrollWidth, box: wrap.clientWidth};
    }"""
    # 700: between the phone's cards and a wide screen, three members still fit.
    for width in (WIDTH, 700, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server, client_owner)
        problems = page_errors(page)
        page.goto(url)
        page.screenshot(path=str(artifacts_dir() / f"household-{width}.png"), full_page=True)
        sizes = page.evaluate(widths)
        assert sizes["page"] <= sizes["screen"], (width, sizes)
        assert sizes["table"] <= sizes["box"], (width, sizes)
        table = page.locator("[data-household-figures]")
        header = table.locator("thead").bounding_box()["height"]
        if width == WIDTH:
            # A card a figure: each member's value led by their address.
            assert header <= 1
            cell = table.locator("tbody tr").first.locator("td").nth(2)
            label = cell.get_attribute("data-label")
            # Breakable after the "@" and the name's dots, never in the middle of a name.
            assert label == "alexandra.\u200bharrington-whitfield@\u200bexample.com"
            assert cell.evaluate("(td) => getComputedStyle(td, '::before').content") == f'"{label}"'
            # The address breaks beside its value, which stays on the label's first line.
            offset = cell.evaluate(
                """(td) => { const range = document.createRange(); range.selectNode(td.firstChild);
                  return range.getBoundingClientRect().top - td.getBoundingClientRect().top; }"""
            )
            assert offset < 10, offset
        else:
            assert header > 20  # the members side by side, under their addresses
        context.close()
        assert problems == []
